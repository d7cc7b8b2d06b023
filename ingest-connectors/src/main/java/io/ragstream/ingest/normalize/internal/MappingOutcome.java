package io.ragstream.ingest.normalize.internal;

import io.ragstream.core.model.DeadLetterReason;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.ingest.normalize.NormalizationException;
import java.util.Objects;

/** What one Debezium record becomes: a change, a tombstone, or a rejection for the DLQ. */
public sealed interface MappingOutcome {

  /** An UPSERT or DELETE for {@code ragstream.changes}, keyed by its documentId. */
  record Change(DocumentChange change) implements MappingOutcome {
    public Change {
      Objects.requireNonNull(change, "change");
    }
  }

  /** A Kafka tombstone (null value) for {@code documentId}, so the changes topic compacts. */
  record Tombstone(String documentId) implements MappingOutcome {
    public Tombstone {
      if (documentId == null || documentId.isBlank()) {
        throw new IllegalArgumentException("documentId must not be blank");
      }
    }
  }

  /**
   * The record cannot be mapped; it goes to the DLQ with {@code code} and the human-readable {@code
   * reason}.
   */
  record Rejected(DeadLetterReason code, String reason, Throwable cause) implements MappingOutcome {
    public Rejected {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(cause, "cause");
    }

    /**
     * A rejection whose code is that of {@code cause} when it is a {@link NormalizationException},
     * else {@link DeadLetterReason#MAPPING_ERROR}.
     */
    public Rejected(String reason, Throwable cause) {
      this(
          cause instanceof NormalizationException n ? n.reason() : DeadLetterReason.MAPPING_ERROR,
          reason,
          cause);
    }
  }
}
