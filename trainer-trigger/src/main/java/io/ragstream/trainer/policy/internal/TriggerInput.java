package io.ragstream.trainer.policy.internal;

import io.ragstream.core.event.DriftEvent;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.TrainingJobResult;
import java.util.Objects;

/**
 * One validated input of the policy, as it travels through the by-kind repartition topic (JSON by
 * {@link JsonSerde}): exactly one of {@code drift}, {@code feedback}, {@code result} is set, the
 * one that {@code type} names.
 *
 * @param type which input topic the event came from
 * @param partition the partition of the original record on its input topic, {@code >= 0}
 * @param offset the offset of the original record on its input topic, {@code >= 0}
 * @param drift the drift event when {@code type} is {@link Type#DRIFT}
 * @param feedback the feedback event when {@code type} is {@link Type#FEEDBACK}
 * @param result the training result when {@code type} is {@link Type#RESULT}
 */
public record TriggerInput(
    Type type,
    int partition,
    long offset,
    DriftEvent drift,
    FeedbackEvent feedback,
    TrainingJobResult result) {

  /** The input topic an event came from. */
  public enum Type {
    DRIFT,
    FEEDBACK,
    RESULT
  }

  public TriggerInput {
    Objects.requireNonNull(type, "type");
    if (partition < 0 || offset < 0) {
      throw new IllegalArgumentException(
          "partition and offset must be >= 0, were " + partition + ", " + offset);
    }
    int set = (drift == null ? 0 : 1) + (feedback == null ? 0 : 1) + (result == null ? 0 : 1);
    boolean matches =
        switch (type) {
          case DRIFT -> drift != null;
          case FEEDBACK -> feedback != null;
          case RESULT -> result != null;
        };
    if (set != 1 || !matches) {
      throw new IllegalArgumentException("exactly the " + type + " event must be set");
    }
  }

  static TriggerInput of(int partition, long offset, DriftEvent event) {
    return new TriggerInput(Type.DRIFT, partition, offset, event, null, null);
  }

  static TriggerInput of(int partition, long offset, FeedbackEvent event) {
    return new TriggerInput(Type.FEEDBACK, partition, offset, null, event, null);
  }

  static TriggerInput of(int partition, long offset, TrainingJobResult event) {
    return new TriggerInput(Type.RESULT, partition, offset, null, null, event);
  }
}
