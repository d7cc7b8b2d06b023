package io.ragstream.core.model;

/** Kafka topic names of the DESIGN contract. */
public final class Topics {
  private Topics() {}

  /**
   * One {@link io.ragstream.core.event.QueryEvent} JSON per retrieval the gateway served, key =
   * queryId (docs/contracts.md).
   */
  public static final String QUERIES = "ragstream.queries";

  /**
   * One {@link io.ragstream.core.event.FeedbackEvent} JSON per judged hit, key = queryId
   * (docs/contracts.md).
   */
  public static final String FEEDBACK = "ragstream.feedback";

  /**
   * One {@link io.ragstream.core.event.DriftEvent} JSON per metric per window, key = kind:metric.
   */
  public static final String DRIFT = "ragstream.drift";

  /**
   * One {@link io.ragstream.core.event.TrainingJobRequest} JSON per decision to train, key = kind.
   */
  public static final String TRAINING_JOBS = "ragstream.training-jobs";

  /**
   * One {@link io.ragstream.core.event.TrainingJobResult} JSON per finished training job, key =
   * kind.
   */
  public static final String TRAINING_RESULTS = "ragstream.training-results";

  /** One {@link io.ragstream.core.event.AnswerEvent} JSON per generated answer, key = queryId. */
  public static final String ANSWERS = "ragstream.answers";

  /**
   * {@link io.ragstream.core.event.AdapterEvent} JSON: candidates, rejections, promotions; key =
   * kind:embedder.
   */
  public static final String ADAPTERS = "ragstream.adapters";

  /** Canonical {@link DocumentChange} JSON, key = documentId. */
  public static final String CHANGES = "ragstream.changes";

  /**
   * Records that could not be processed: original key/value plus {@code ragstream.error.*} headers.
   */
  public static final String DLQ = "ragstream.dlq";

  /**
   * Freshness telemetry: one {@link IndexedEvent} JSON per applied change, key = documentId
   * (docs/contracts.md).
   */
  public static final String INDEXED = "ragstream.indexed";

  /**
   * Header the normalizer puts on every {@code ragstream.changes} record: when it wrote it, epoch
   * ms as decimal text (the record's Kafka timestamp stays the source record's).
   */
  public static final String NORMALIZED_AT_HEADER = "ragstream.normalized-at";

  /** DLQ header: why the record failed. */
  public static final String DLQ_HEADER_REASON = "ragstream.error.reason";

  /** DLQ header: the exception class. */
  public static final String DLQ_HEADER_EXCEPTION = "ragstream.error.exception";

  /** DLQ header: topic of the original record. */
  public static final String DLQ_HEADER_TOPIC = "ragstream.error.topic";

  /** DLQ header: partition of the original record. */
  public static final String DLQ_HEADER_PARTITION = "ragstream.error.partition";

  /** DLQ header: offset of the original record. */
  public static final String DLQ_HEADER_OFFSET = "ragstream.error.offset";

  /** DLQ header: the stage that failed ({@code normalizer}, {@code indexer}). */
  public static final String DLQ_HEADER_STAGE = "ragstream.error.stage";

  /** DLQ header: the machine-readable reason code ({@link DeadLetterReason#code()}). */
  public static final String DLQ_HEADER_CODE = "ragstream.error.code";

  /** DLQ header: when the record was dead-lettered, epoch ms as decimal text. */
  public static final String DLQ_HEADER_TIME = "ragstream.error.time";

  /** Prefix of every DLQ error header; {@code dlq replay} strips these before re-publishing. */
  public static final String DLQ_HEADER_PREFIX = "ragstream.error.";

  /**
   * Header set by {@code dlq replay} on a re-published record: the DLQ position it came from,
   * {@code partition@offset}.
   */
  public static final String REPLAYED_FROM_HEADER = "ragstream.replayed-from";

  /** Name of the dead-letter counter in every stage ({@code stage} and {@code reason} labels). */
  public static final String DLQ_METRIC = "ragstream_dlq_records_total";
}
