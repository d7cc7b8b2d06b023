package io.ragstream.ingest.normalize;

import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.model.DeadLetterReason;
import java.util.Objects;

/**
 * A Debezium record cannot be turned into a {@link io.ragstream.core.model.DocumentChange} (unknown
 * table, missing id or LSN, unsupported operation, missing column, ...). Not retriable: the record
 * goes to the dead-letter topic with {@link #reason()} as its code and this message as the
 * explanation.
 */
public class NormalizationException extends RagstreamException {
  private final DeadLetterReason reason;

  /** A rejection with the generic reason {@link DeadLetterReason#MAPPING_ERROR}. */
  public NormalizationException(String message) {
    this(DeadLetterReason.MAPPING_ERROR, message);
  }

  public NormalizationException(String message, Throwable cause) {
    this(DeadLetterReason.MAPPING_ERROR, message, cause);
  }

  public NormalizationException(DeadLetterReason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public NormalizationException(DeadLetterReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** The dead-letter reason code of this rejection. */
  public DeadLetterReason reason() {
    return reason;
  }
}
