package io.ragstream.core.error;

/** Root of ragstream's exceptions; see {@link RetriableException} for what may be retried. */
public class RagstreamException extends RuntimeException {
  public RagstreamException(String message) {
    super(message);
  }

  public RagstreamException(String message, Throwable cause) {
    super(message, cause);
  }
}
