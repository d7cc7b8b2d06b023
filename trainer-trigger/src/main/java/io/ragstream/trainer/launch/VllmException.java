package io.ragstream.trainer.launch;

import io.ragstream.core.error.RagstreamException;

/**
 * vLLM refused a request for a reason retrying does not fix (a 4xx status, a name it already
 * serves, a malformed answer). Retriable failures are {@link
 * io.ragstream.core.error.RetriableException}s.
 */
public class VllmException extends RagstreamException {
  private final int status;

  /**
   * @param status the HTTP status, or 0 when the refusal is not an HTTP error
   * @param message what vLLM said or what was wrong
   */
  public VllmException(int status, String message) {
    super(message);
    this.status = status;
  }

  /** The HTTP status, or 0 when the refusal is not an HTTP error. */
  public int status() {
    return status;
  }
}
