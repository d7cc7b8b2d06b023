package io.ragstream.core.model;

import java.util.Locale;

/**
 * Why a record went to {@code ragstream.dlq}: the closed set of machine-readable reason codes
 * written in the {@link Topics#DLQ_HEADER_CODE} header, used as the {@code reason} label of the
 * {@code ragstream_dlq_records_total} metric and by {@code ragstream dlq list|replay --reason}. The
 * human-readable explanation travels in {@link Topics#DLQ_HEADER_REASON}. docs/bad-data.md lists
 * which case gives which code.
 */
public enum DeadLetterReason {
  /** The record is not valid JSON, not a Debezium envelope or not a DocumentChange. */
  MALFORMED_RECORD,
  /** No table mapping for the record's table or topic. */
  UNKNOWN_TABLE,
  /** The id column or the record key is missing, null or blank. */
  MISSING_ID,
  /** The change carries no usable version (PostgreSQL: {@code source.lsn}). */
  MISSING_VERSION,
  /** An operation ragstream cannot apply row by row (a TRUNCATE) or an unknown op. */
  UNSUPPORTED_OPERATION,
  /** A mapped column is absent from the change: dropped or renamed in the source. */
  COLUMN_MISSING,
  /** A mapped column holds a value that cannot become text (an array, a struct). */
  UNSUPPORTED_TYPE,
  /**
   * A mapped column's value was not sent by the source (PostgreSQL TOAST placeholder of an
   * unchanged large value under REPLICA IDENTITY DEFAULT).
   */
  VALUE_UNAVAILABLE,
  /** The body is larger than {@code indexing.max-body-size}. */
  BODY_TOO_LARGE,
  /** The body gives more chunks than {@code indexing.max-chunks}. */
  TOO_MANY_CHUNKS,
  /** The Kafka key differs from the record's documentId. */
  KEY_MISMATCH,
  /** Chunking or embedding failed. */
  EMBEDDING_FAILED,
  /** Anything else (a bug or an unexpected value); the message says what. */
  MAPPING_ERROR;

  /** The code as written in headers and metric labels, e.g. {@code body_too_large}. */
  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The reason of {@code code} ({@link #code()}, case-insensitive).
   *
   * @throws IllegalArgumentException listing the known codes
   */
  public static DeadLetterReason ofCode(String code) {
    for (DeadLetterReason r : values()) {
      if (r.code().equalsIgnoreCase(code == null ? "" : code.strip())) {
        return r;
      }
    }
    StringBuilder known = new StringBuilder();
    for (DeadLetterReason r : values()) {
      known.append(known.length() == 0 ? "" : ", ").append(r.code());
    }
    throw new IllegalArgumentException(
        "unknown dead-letter reason '" + code + "' (known: " + known + ")");
  }
}
