package io.ragstream.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * Reads a question ({@code question}, {@code k}, {@code conversationId}, {@code model}, {@code
 * filters}) from a JSON object, for {@code POST /v1/answer} and the chat's {@code ask}. Errors are
 * {@link IllegalArgumentException}s whose message names the field.
 */
final class AskParser {
  static final int MAX_QUESTION_CHARS = 2000;
  static final int DEFAULT_K = 5;
  private static final Set<String> FIELDS =
      Set.of("question", "conversationId", "k", "model", "filters");

  private AskParser() {}

  /**
   * @param extraFields fields the caller handles itself (the chat's {@code type} and {@code id})
   */
  static AnswerService.Ask parse(JsonNode node, int maxK, Set<String> extraFields) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("body must be a JSON object");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field) && !extraFields.contains(field)) {
        throw new IllegalArgumentException(
            "unknown field '" + echo(field) + "'; known fields: " + String.join(", ", FIELDS));
      }
    }
    JsonNode q = node.get("question");
    if (q == null || !q.isTextual() || q.asText().isBlank()) {
      throw new IllegalArgumentException("question must be a non-blank string");
    }
    if (q.asText().length() > MAX_QUESTION_CHARS) {
      throw new IllegalArgumentException(
          "question is longer than " + MAX_QUESTION_CHARS + " characters");
    }
    int k = DEFAULT_K;
    JsonNode kNode = node.get("k");
    if (kNode != null && !kNode.isNull()) {
      if (!kNode.isIntegralNumber()
          || !kNode.canConvertToInt()
          || kNode.intValue() < 1
          || kNode.intValue() > maxK) {
        throw new IllegalArgumentException("k must be an integer in 1.." + maxK);
      }
      k = kNode.intValue();
    }
    String conversationId = optionalText(node, "conversationId");
    String model = optionalText(node, "model");
    Set<String> documentIds = null;
    JsonNode filters = node.get("filters");
    if (filters != null && !filters.isNull()) {
      JsonNode ids = filters.get("documentIds");
      if (!filters.isObject()
          || filters.size() != 1
          || ids == null
          || !ids.isArray()
          || ids.isEmpty()) {
        throw new IllegalArgumentException("filters must be {\"documentIds\": [\"...\", ...]}");
      }
      documentIds = new HashSet<>();
      for (JsonNode d : ids) {
        if (!d.isTextual())
          throw new IllegalArgumentException("filters.documentIds must hold strings");
        documentIds.add(d.asText());
      }
    }
    return new AnswerService.Ask(q.asText(), k, conversationId, model, documentIds);
  }

  private static String optionalText(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) return null;
    if (!v.isTextual() || v.asText().isBlank() || v.asText().length() > 128) {
      throw new IllegalArgumentException(field + " must be a string of 1..128 characters");
    }
    return v.asText();
  }

  static String echo(String value) {
    return value.length() <= 40 ? value : value.substring(0, 40) + "...";
  }
}
