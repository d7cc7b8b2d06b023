package io.ragstream.ingest.normalize;

import io.ragstream.core.error.RagstreamException;

/**
 * A Debezium record cannot be turned into a {@link io.ragstream.core.model.DocumentChange} (unknown
 * table, missing id or LSN, unsupported operation). Not retriable: the record goes to the
 * dead-letter topic with this message as the reason.
 */
public class NormalizationException extends RagstreamException {
  public NormalizationException(String message) {
    super(message);
  }

  public NormalizationException(String message, Throwable cause) {
    super(message, cause);
  }
}
