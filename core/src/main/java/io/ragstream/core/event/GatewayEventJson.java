package io.ragstream.core.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.ragstream.core.json.Json;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The JSON of {@link QueryEvent} and {@link FeedbackEvent}: UTF-8, camelCase field names in record
 * component order, through ragstream's one Jackson configuration ({@link Json#mapper()}), so {@code
 * null} fields ({@code embedding}, {@code embedder}, {@code comment}) are left out.
 *
 * <pre>{@code
 * {"queryId":"6f1c4b9e-2d0a-4f53-9a51-0c7e8d2b6a10","kind":"search","tenant":"acme",
 *  "subject":"alice","query":"how do bees communicate","embedding":[0.0123,-0.0456,...],
 *  "mode":"hybrid","k":10,"topScores":[0.91,0.87],
 *  "documentIds":["pg:public.documents:42","pg:public.documents:7"],
 *  "latencyMs":38,"at":1763900000123,
 *  "embedder":"bge-small-en-v1.5-q@langchain4j-embeddings-1.20.0-beta30"}
 *
 * {"queryId":"6f1c4b9e-2d0a-4f53-9a51-0c7e8d2b6a10","documentId":"pg:public.documents:42",
 *  "relevant":true,"tenant":"acme","subject":"alice","at":1763900042000,"comment":"spot on"}
 * }</pre>
 *
 * <p>Reading is strict about the fields this version defines and lenient about others: every
 * non-nullable field must be present, non-null and of its JSON type (strings, integers, a boolean,
 * arrays; no coercion from strings), an absent or {@code null} nullable field reads as {@code
 * null}, and unknown fields are ignored (so consumers survive added fields). Floats round-trip
 * exactly. Thread-safe.
 */
public final class GatewayEventJson {

  private enum Type {
    STRING,
    INTEGER,
    BOOLEAN,
    NUMBERS,
    STRINGS
  }

  /** Non-nullable fields of a query event and their JSON types. */
  private static final Map<String, Type> QUERY_REQUIRED = new LinkedHashMap<>();

  /** Non-nullable fields of a feedback event and their JSON types. */
  private static final Map<String, Type> FEEDBACK_REQUIRED = new LinkedHashMap<>();

  /** Nullable fields: if present and not null, they must have this type. */
  private static final Map<String, Type> ANSWER_REQUIRED = new LinkedHashMap<>();

  private static final Map<String, Type> NULLABLE =
      Map.of(
          "embedding",
          Type.NUMBERS,
          "embedder",
          Type.STRING,
          "adapter",
          Type.STRING,
          "comment",
          Type.STRING);

  static {
    QUERY_REQUIRED.put("queryId", Type.STRING);
    QUERY_REQUIRED.put("kind", Type.STRING);
    QUERY_REQUIRED.put("tenant", Type.STRING);
    QUERY_REQUIRED.put("subject", Type.STRING);
    QUERY_REQUIRED.put("query", Type.STRING);
    QUERY_REQUIRED.put("mode", Type.STRING);
    QUERY_REQUIRED.put("k", Type.INTEGER);
    QUERY_REQUIRED.put("topScores", Type.NUMBERS);
    QUERY_REQUIRED.put("documentIds", Type.STRINGS);
    QUERY_REQUIRED.put("latencyMs", Type.INTEGER);
    QUERY_REQUIRED.put("at", Type.INTEGER);
    ANSWER_REQUIRED.put("queryId", Type.STRING);
    ANSWER_REQUIRED.put("kind", Type.STRING);
    ANSWER_REQUIRED.put("tenant", Type.STRING);
    ANSWER_REQUIRED.put("subject", Type.STRING);
    ANSWER_REQUIRED.put("answer", Type.STRING);
    ANSWER_REQUIRED.put("model", Type.STRING);
    ANSWER_REQUIRED.put("at", Type.INTEGER);
    FEEDBACK_REQUIRED.put("queryId", Type.STRING);
    FEEDBACK_REQUIRED.put("documentId", Type.STRING);
    FEEDBACK_REQUIRED.put("relevant", Type.BOOLEAN);
    FEEDBACK_REQUIRED.put("tenant", Type.STRING);
    FEEDBACK_REQUIRED.put("subject", Type.STRING);
    FEEDBACK_REQUIRED.put("at", Type.INTEGER);
  }

  private static final ObjectReader READER =
      Json.mapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private GatewayEventJson() {}

  /** The UTF-8 JSON of a query event. */
  public static byte[] toJson(QueryEvent event) {
    return write(event);
  }

  /** The UTF-8 JSON of a feedback event. */
  public static byte[] toJson(FeedbackEvent event) {
    return write(event);
  }

  /** The UTF-8 JSON of an answer event. */
  public static byte[] toJson(AnswerEvent event) {
    return write(event);
  }

  /**
   * Parses an answer event from UTF-8 JSON.
   *
   * @throws IllegalArgumentException starting {@code malformed AnswerEvent: } and naming the field
   *     when the JSON is malformed, lacks a field or breaks a rule of {@link AnswerEvent}
   */
  public static AnswerEvent answerFromJson(byte[] json) {
    return read(json, AnswerEvent.class, ANSWER_REQUIRED);
  }

  /**
   * Parses a query event from UTF-8 JSON.
   *
   * @throws IllegalArgumentException starting {@code malformed QueryEvent: } and naming the field
   *     when the JSON is malformed, lacks a field, has a field of the wrong type or breaks a rule
   *     of {@link QueryEvent}
   */
  public static QueryEvent queryFromJson(byte[] json) {
    return read(json, QueryEvent.class, QUERY_REQUIRED);
  }

  /**
   * Parses a feedback event from UTF-8 JSON.
   *
   * @throws IllegalArgumentException starting {@code malformed FeedbackEvent: } and naming the
   *     field when the JSON is malformed, lacks a field, has a field of the wrong type or breaks a
   *     rule of {@link FeedbackEvent}
   */
  public static FeedbackEvent feedbackFromJson(byte[] json) {
    return read(json, FeedbackEvent.class, FEEDBACK_REQUIRED);
  }

  private static byte[] write(Object event) {
    try {
      return Json.mapper().writeValueAsBytes(event);
    } catch (JsonProcessingException e) {
      // Validated records of strings, numbers and arrays always serialize.
      throw new IllegalStateException("cannot serialize " + event.getClass().getSimpleName(), e);
    }
  }

  private static <T> T read(byte[] json, Class<T> type, Map<String, Type> required) {
    String what = type.getSimpleName();
    if (json == null) {
      throw new IllegalArgumentException("malformed " + what + ": no JSON (null)");
    }
    try {
      JsonNode root = READER.readTree(json);
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException("malformed " + what + ": not a JSON object");
      }
      for (Map.Entry<String, Type> field : required.entrySet()) {
        JsonNode node = root.get(field.getKey());
        if (node == null || node.isNull()) {
          throw new IllegalArgumentException(
              "malformed " + what + ": " + field.getKey() + " is required");
        }
        checkType(what, field.getKey(), node, field.getValue());
      }
      for (Map.Entry<String, Type> field : NULLABLE.entrySet()) {
        JsonNode node = root.get(field.getKey());
        if (node != null && !node.isNull()) {
          checkType(what, field.getKey(), node, field.getValue());
        }
      }
      // Bound from the bytes, not the tree: floats parse straight to float, not via double.
      return READER.readValue(json, type);
    } catch (IOException e) {
      Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
      throw new IllegalArgumentException("malformed " + what + ": " + cause.getMessage(), e);
    }
  }

  private static void checkType(String what, String field, JsonNode node, Type type) {
    String problem =
        switch (type) {
          case STRING -> node.isTextual() ? null : "must be a string, was " + kind(node);
          case INTEGER ->
              node.isIntegralNumber() && node.canConvertToLong()
                  ? null
                  : "must be an integer, was " + kind(node);
          case BOOLEAN -> node.isBoolean() ? null : "must be a boolean, was " + kind(node);
          case NUMBERS -> elements(node, JsonNode::isNumber, "numbers");
          case STRINGS -> elements(node, JsonNode::isTextual, "strings");
        };
    if (problem != null) {
      throw new IllegalArgumentException("malformed " + what + ": " + field + " " + problem);
    }
  }

  /** Null when {@code node} is an array whose elements all pass {@code test}, else the problem. */
  private static String elements(JsonNode node, Predicate<JsonNode> test, String plural) {
    if (!node.isArray()) {
      return "must be an array of " + plural + ", was " + kind(node);
    }
    for (int i = 0; i < node.size(); i++) {
      if (!test.test(node.get(i))) {
        return "must be an array of " + plural + ", element " + i + " was " + kind(node.get(i));
      }
    }
    return null;
  }

  private static String kind(JsonNode node) {
    return node.getNodeType().name().toLowerCase(Locale.ROOT);
  }
}
