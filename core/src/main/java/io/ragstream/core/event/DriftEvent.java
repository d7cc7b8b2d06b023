package io.ragstream.core.event;

import static io.ragstream.core.event.QueryEvent.requireNotBlank;

import java.util.Objects;

/**
 * One drift measurement over one window, as published on {@code ragstream.drift} (Kafka key =
 * {@code kind + ":" + metric}; JSON by {@link io.ragstream.core.json.Json}; contract in
 * docs/contracts.md). The drift job emits one event per metric per closed window, drifted or not,
 * so that consumers see the series, not only the alarms; the trainer trigger decides what to do
 * with it.
 *
 * @param driftId id of this measurement, a random UUID in canonical lowercase form
 * @param kind what drifted: the indexed {@link Kind#DOCUMENTS}, the {@link Kind#QUERIES} or the
 *     answer {@link Kind#QUALITY}
 * @param metric the statistic, e.g. {@code centroid_cosine_distance}, {@code mmd_rbf}, {@code
 *     top_score_mean_drop}, {@code no_answer_rate}, {@code negative_feedback_rate}; never blank
 * @param value the statistic's value on this window, finite
 * @param threshold the value at or beyond which the window counts as drifted, finite
 * @param pValue the permutation-test p-value where the metric has one (MMD), in [0, 1]; {@code
 *     null} otherwise
 * @param drifted whether this window crossed the threshold (and, with a p-value, was significant)
 * @param windowStart start of the window, epoch ms, inclusive
 * @param windowEnd end of the window, epoch ms, exclusive; {@code >= windowStart}
 * @param sampleSize number of samples (chunks, queries or feedback events) in the window, {@code >=
 *     0}
 * @param referenceSize number of samples in the reference it was compared with, {@code >= 0}
 * @param reference which reference: {@code initial} (the first samples seen, frozen) or {@code
 *     rolling} (the preceding windows); never blank
 * @param embedder id of the model whose embeddings were compared; {@code null} for metrics that do
 *     not use embeddings
 * @param at when the event was emitted, epoch ms, {@code >= 0}
 * @throws IllegalArgumentException from the constructor, naming the field, when a value breaks the
 *     rules above
 */
public record DriftEvent(
    String driftId,
    Kind kind,
    String metric,
    double value,
    double threshold,
    Double pValue,
    boolean drifted,
    long windowStart,
    long windowEnd,
    int sampleSize,
    int referenceSize,
    String reference,
    String embedder,
    long at) {

  /** What a drift event measures. */
  public enum Kind {
    /** The distribution of indexed chunk embeddings. */
    DOCUMENTS,
    /** The distribution of query embeddings. */
    QUERIES,
    /** Retrieval and answer quality: top scores, no-answer rate, negative feedback. */
    QUALITY
  }

  public DriftEvent {
    QueryEvent.requireQueryId(driftId);
    Objects.requireNonNull(kind, "kind");
    requireNotBlank("metric", metric);
    requireNotBlank("reference", reference);
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("value must be finite, was " + value);
    }
    if (!Double.isFinite(threshold)) {
      throw new IllegalArgumentException("threshold must be finite, was " + threshold);
    }
    if (pValue != null && !(pValue >= 0 && pValue <= 1)) {
      throw new IllegalArgumentException("pValue must be in [0, 1], was " + pValue);
    }
    if (windowEnd < windowStart) {
      throw new IllegalArgumentException(
          "windowEnd must be >= windowStart, was " + windowEnd + " < " + windowStart);
    }
    if (sampleSize < 0) {
      throw new IllegalArgumentException("sampleSize must be >= 0, was " + sampleSize);
    }
    if (referenceSize < 0) {
      throw new IllegalArgumentException("referenceSize must be >= 0, was " + referenceSize);
    }
    if (embedder != null && embedder.isBlank()) {
      throw new IllegalArgumentException("embedder must not be blank");
    }
    if (at < 0) {
      throw new IllegalArgumentException("at must be >= 0, was " + at);
    }
  }

  /** The Kafka key: {@code kind:metric}, so one metric's series stays in order on a partition. */
  public String key() {
    return kind + ":" + metric;
  }
}
