package io.ragstream.core.model;

/** Kafka topic names of the DESIGN contract. */
public final class Topics {
  private Topics() {}

  /** Canonical {@link DocumentChange} JSON, key = documentId. */
  public static final String CHANGES = "ragstream.changes";

  /**
   * Records that could not be processed: original key/value plus {@code ragstream.error.*} headers.
   */
  public static final String DLQ = "ragstream.dlq";

  /** Freshness telemetry: documentId, version, committedAt, searchableAt. */
  public static final String INDEXED = "ragstream.indexed";

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
}
