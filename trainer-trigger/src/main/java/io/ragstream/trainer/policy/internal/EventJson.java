package io.ragstream.trainer.policy.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.ragstream.core.event.DriftEvent;
import io.ragstream.core.event.TrainingJobResult;
import io.ragstream.core.json.Json;
import java.io.IOException;
import java.util.List;

/**
 * Strict reading of the {@link DriftEvent} and {@link TrainingJobResult} JSON the trigger consumes.
 * Jackson alone would read an absent primitive ({@code drifted}, {@code windowEnd}) as its zero
 * value; here every non-nullable component must be present and non-null. Unknown fields are
 * ignored. Thread-safe.
 */
public final class EventJson {
  private static final ObjectReader READER =
      Json.mapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static final List<String> DRIFT_REQUIRED =
      List.of(
          "driftId",
          "kind",
          "metric",
          "value",
          "threshold",
          "drifted",
          "windowStart",
          "windowEnd",
          "sampleSize",
          "referenceSize",
          "reference",
          "at");

  private static final List<String> RESULT_REQUIRED =
      List.of("jobId", "kind", "outcome", "message", "startedAt", "endedAt");

  private EventJson() {}

  /**
   * Reads a drift event.
   *
   * @throws IllegalArgumentException starting {@code malformed DriftEvent: } and naming the field
   *     when the JSON is malformed, lacks a field or breaks a rule of {@link DriftEvent}
   */
  public static DriftEvent drift(byte[] json) {
    return read(json, DriftEvent.class, DRIFT_REQUIRED);
  }

  /**
   * Reads a training job result.
   *
   * @throws IllegalArgumentException starting {@code malformed TrainingJobResult: } and naming the
   *     field when the JSON is malformed, lacks a field or breaks a rule of {@link
   *     TrainingJobResult}
   */
  public static TrainingJobResult result(byte[] json) {
    return read(json, TrainingJobResult.class, RESULT_REQUIRED);
  }

  private static <T> T read(byte[] json, Class<T> type, List<String> required) {
    String what = type.getSimpleName();
    if (json == null) {
      throw new IllegalArgumentException("malformed " + what + ": no JSON (null)");
    }
    try {
      JsonNode root = READER.readTree(json);
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException("malformed " + what + ": not a JSON object");
      }
      for (String field : required) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
          throw new IllegalArgumentException("malformed " + what + ": " + field + " is required");
        }
      }
      return READER.treeToValue(root, type);
    } catch (IOException e) {
      Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
      throw new IllegalArgumentException("malformed " + what + ": " + cause.getMessage(), e);
    }
  }
}
