package io.ragstream.gateway.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.ragstream.core.json.Json;
import io.ragstream.core.store.Fusion;
import io.ragstream.core.store.SearchMode;
import io.ragstream.gateway.GatewayConfig;
import io.vertx.ext.web.handler.HttpException;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A validated {@code POST /v1/search} body.
 *
 * @param query the query text, not blank, at most {@value #MAX_QUERY_CHARS} characters
 * @param k number of hits, 1..{@link GatewayConfig#maxK()}
 * @param mode retrieval mode
 * @param collapse whether each document appears at most once, by its best chunk
 * @param fusion how HYBRID fuses its lists; null for the store's default
 */
record SearchQuery(String query, int k, SearchMode mode, boolean collapse, Fusion fusion) {

  /** Longest accepted query, in UTF-16 characters. */
  static final int MAX_QUERY_CHARS = 2_000;

  /** The fields of the body; any other field is rejected. */
  static final List<String> FIELDS = List.of("query", "k", "mode", "collapse", "fusion");

  /** The fields of a {@code fusion} object. */
  static final List<String> FUSION_FIELDS = List.of("method", "k", "alpha");

  private static final int MAX_ECHO_CHARS = 40;

  /** Rejects duplicate keys and anything after the object; reuses the shared mapper's config. */
  private static final ObjectReader READER =
      Json.mapper()
          .reader()
          .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  SearchQuery {
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(mode, "mode");
  }

  /**
   * Parses and validates a UTF-8 JSON body. Absent or {@code null} optional fields take their
   * defaults from {@code config}; {@code mode} is case-insensitive.
   *
   * @throws HttpException with status 400 and a message naming the offending field
   */
  static SearchQuery parse(byte[] body, GatewayConfig config) {
    JsonNode root = readTree(body);
    if (root == null || root.isMissingNode() || !root.isObject()) {
      throw badRequest("request body must be a JSON object");
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw badRequest(
            "unknown field '" + echo(name) + "'; known fields: " + String.join(", ", FIELDS));
      }
    }
    return new SearchQuery(
        query(root.get("query")),
        k(root.get("k"), config),
        mode(root.get("mode"), config.defaultMode()),
        collapse(root.get("collapse")),
        fusion(root.get("fusion")));
  }

  /** The wire name of a mode: {@code dense}, {@code bm25} or {@code hybrid}. */
  static String wireName(SearchMode mode) {
    return mode.name().toLowerCase(Locale.ROOT);
  }

  static JsonNode readTree(byte[] body) {
    try {
      return READER.readTree(body);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where =
          at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw badRequest("malformed JSON" + where + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw badRequest("malformed JSON: " + e.getMessage());
    }
  }

  private static String query(JsonNode node) {
    if (node == null || node.isNull()) {
      throw badRequest("query is required");
    }
    if (!node.isTextual()) {
      throw badRequest("query must be a string, was " + describe(node));
    }
    String query = node.textValue();
    if (query.isBlank()) {
      throw badRequest("query must not be blank");
    }
    if (query.length() > MAX_QUERY_CHARS) {
      throw badRequest(
          "query must be at most " + MAX_QUERY_CHARS + " characters, was " + query.length());
    }
    return query;
  }

  private static int k(JsonNode node, GatewayConfig config) {
    if (node == null || node.isNull()) {
      return config.defaultK();
    }
    if (node.isIntegralNumber() && node.canConvertToInt()) {
      int k = node.intValue();
      if (k >= 1 && k <= config.maxK()) {
        return k;
      }
    }
    throw badRequest("k must be an integer in 1.." + config.maxK() + ", was " + describe(node));
  }

  private static SearchMode mode(JsonNode node, SearchMode defaultMode) {
    if (node == null || node.isNull()) {
      return defaultMode;
    }
    if (node.isTextual()) {
      for (SearchMode mode : SearchMode.values()) {
        if (mode.name().equalsIgnoreCase(node.textValue().strip())) {
          return mode;
        }
      }
    }
    throw badRequest("mode must be one of dense, bm25, hybrid, was " + describe(node));
  }

  private static boolean collapse(JsonNode node) {
    if (node == null || node.isNull()) {
      return true;
    }
    if (!node.isBoolean()) {
      throw badRequest("collapse must be a boolean, was " + describe(node));
    }
    return node.booleanValue();
  }

  /**
   * {@code {"method": "rrf", "k": 60}} or {@code {"method": "convex", "alpha": 0.5}}; {@code k}
   * defaults to {@value Fusion#DEFAULT_RRF_K}, {@code alpha} to {@value Fusion#DEFAULT_ALPHA}.
   */
  private static Fusion fusion(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw badRequest(
          "fusion must be an object like {\"method\": \"rrf\", \"k\": 60} or {\"method\":"
              + " \"convex\", \"alpha\": 0.5}, was "
              + describe(node));
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FUSION_FIELDS.contains(name)) {
        throw badRequest(
            "unknown field 'fusion."
                + echo(name)
                + "'; known fields: "
                + String.join(", ", FUSION_FIELDS));
      }
    }
    JsonNode method = node.get("method");
    String name = method != null && method.isTextual() ? method.textValue().strip() : "";
    if (name.equalsIgnoreCase("rrf")) {
      if (node.hasNonNull("alpha")) throw badRequest("fusion.alpha applies to convex, not rrf");
      JsonNode k = node.get("k");
      if (k == null || k.isNull()) return Fusion.rrf(Fusion.DEFAULT_RRF_K);
      if (k.isIntegralNumber()
          && k.canConvertToInt()
          && k.intValue() >= 0
          && k.intValue() <= 10_000) {
        return Fusion.rrf(k.intValue());
      }
      throw badRequest("fusion.k must be an integer in 0..10000, was " + describe(k));
    }
    if (name.equalsIgnoreCase("convex")) {
      if (node.hasNonNull("k")) throw badRequest("fusion.k applies to rrf, not convex");
      JsonNode alpha = node.get("alpha");
      if (alpha == null || alpha.isNull()) return Fusion.convex(Fusion.DEFAULT_ALPHA);
      if (alpha.isNumber() && alpha.doubleValue() >= 0 && alpha.doubleValue() <= 1) {
        return Fusion.convex(alpha.doubleValue());
      }
      throw badRequest(
          "fusion.alpha (weight of dense) must be a number in [0, 1], was " + describe(alpha));
    }
    throw badRequest(
        "fusion.method must be rrf or convex, was "
            + (method == null ? "missing" : describe(method)));
  }

  /** A short rendering of a client value for an error message (never the whole of a long one). */
  private static String describe(JsonNode node) {
    return echo(node.toString());
  }

  static String echo(String value) {
    return value.length() <= MAX_ECHO_CHARS ? value : value.substring(0, MAX_ECHO_CHARS) + "...";
  }

  static HttpException badRequest(String message) {
    return new HttpException(400, message);
  }
}
