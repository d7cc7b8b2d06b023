package io.ragstream.processors.indexing;

import java.io.Serializable;
import java.time.Duration;

/**
 * Caps on what one document may cost the indexing job. A change above a cap goes to {@code
 * ragstream.dlq} ({@code body_too_large} or {@code too_many_chunks}) and the document's earlier
 * version is withdrawn from the index, so no stale text stays searchable (docs/bad-data.md).
 *
 * @param maxBodyBytes largest body, in UTF-8 bytes, that is chunked and embedded; at least 1
 * @param maxChunks most chunks one document may have; at least 1
 * @param tombstoneRetention how long a deleted document is remembered (its version in the job's
 *     state and its tombstone in the store) so that a late older change cannot resurrect it; {@link
 *     Duration#ZERO} = forever. Must exceed the longest replay of the changes (the retention of the
 *     CDC topics and {@code delete.retention.ms} of {@code ragstream.changes}).
 * @throws IllegalArgumentException naming the field when a value is out of range
 */
public record IndexingLimits(long maxBodyBytes, int maxChunks, Duration tombstoneRetention)
    implements Serializable {

  /** Default {@link #tombstoneRetention()}: 7 days (Kafka's default log retention). */
  public static final Duration DEFAULT_TOMBSTONE_RETENTION = Duration.ofDays(7);

  /** Caps with the default {@link #tombstoneRetention()}. */
  public IndexingLimits(long maxBodyBytes, int maxChunks) {
    this(maxBodyBytes, maxChunks, DEFAULT_TOMBSTONE_RETENTION);
  }

  /** Default {@link #maxBodyBytes()}: 1 MiB. */
  public static final long DEFAULT_MAX_BODY_BYTES = 1L << 20;

  /**
   * Default {@link #maxChunks()}: 256 chunks (about 100,000 tokens; some 35 s of embedding on two
   * cores, during which the job's partition waits).
   */
  public static final int DEFAULT_MAX_CHUNKS = 256;

  public IndexingLimits {
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes must be >= 1, was " + maxBodyBytes);
    }
    if (maxChunks < 1) {
      throw new IllegalArgumentException("maxChunks must be >= 1, was " + maxChunks);
    }
    if (tombstoneRetention == null || tombstoneRetention.isNegative()) {
      throw new IllegalArgumentException(
          "tombstoneRetention must be >= 0 (0 = forever), was " + tombstoneRetention);
    }
  }

  /** The defaults. */
  public static IndexingLimits defaults() {
    return new IndexingLimits(DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CHUNKS);
  }
}
