package io.ragstream.gateway.http;

import java.util.Objects;

/**
 * The body of every error response: {@code {"error": {"code": "bad_request", "message": "..."}}}.
 *
 * @param error what went wrong
 */
public record ErrorResponse(Error error) {

  public ErrorResponse {
    Objects.requireNonNull(error, "error");
  }

  /** An error response with {@code code} and {@code message}. */
  public static ErrorResponse of(String code, String message) {
    return new ErrorResponse(new Error(code, message));
  }

  /**
   * @param code stable machine-readable code derived from the status, e.g. {@code bad_request},
   *     {@code not_found}, {@code method_not_allowed}, {@code payload_too_large}, {@code
   *     unsupported_media_type}, {@code internal_error}, {@code unavailable}
   * @param message human-readable reason; for 400 it names the offending field
   */
  public record Error(String code, String message) {
    public Error {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
    }
  }
}
