package io.ragstream.core.error;

/** A failure that may succeed when retried (timeouts, unavailable remote systems). */
public class RetriableException extends RagstreamException {
  public RetriableException(String message, Throwable cause) {
    super(message, cause);
  }
}
