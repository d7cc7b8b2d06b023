package io.ragstream.cli.beir;

import io.ragstream.core.error.RagstreamException;

/**
 * The gateway answered a search with a status other than 200, or with a body that is not a search
 * response. Not retriable: evaluation fails rather than skipping a query.
 */
public class GatewayException extends RagstreamException {
  private final int status;

  /**
   * @param status the HTTP status, or 0 when the failure is not an HTTP status (unreachable,
   *     malformed response)
   */
  public GatewayException(int status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** The HTTP status the gateway answered with; 0 when there was no HTTP error status. */
  public int status() {
    return status;
  }
}
