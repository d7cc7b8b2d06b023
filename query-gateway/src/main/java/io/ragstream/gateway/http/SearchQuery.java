package io.ragstream.gateway.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.ragstream.core.json.Json;
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
 */
record SearchQuery(String query, int k, SearchMode mode, boolean collapse) {

  /** Longest accepted query, in UTF-16 characters. */
  static final int MAX_QUERY_CHARS = 2_000;

  /** The fields of the body; any other field is rejected. */
  static final List<String> FIELDS = List.of("query", "k", "mode", "collapse");

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
        collapse(root.get("collapse")));
  }

  /** The wire name of a mode: {@code dense}, {@code bm25} or {@code hybrid}. */
  static String wireName(SearchMode mode) {
    return mode.name().toLowerCase(Locale.ROOT);
  }

  private static JsonNode readTree(byte[] body) {
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

  /** A short rendering of a client value for an error message (never the whole of a long one). */
  private static String describe(JsonNode node) {
    return echo(node.toString());
  }

  private static String echo(String value) {
    return value.length() <= MAX_ECHO_CHARS ? value : value.substring(0, MAX_ECHO_CHARS) + "...";
  }

  private static HttpException badRequest(String message) {
    return new HttpException(400, message);
  }
}
