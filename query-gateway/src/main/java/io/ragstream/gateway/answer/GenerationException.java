package io.ragstream.gateway.answer;

/**
 * A generation that failed, with a code clients can switch on.
 *
 * <ul>
 *   <li>{@code llm_unavailable}: the LLM server could not be reached (connect failure, refused)
 *   <li>{@code llm_timeout}: no first token, or no further token, within the configured timeout
 *   <li>{@code llm_error}: the server answered with an error status or a malformed stream, or the
 *       stream broke off before its end
 * </ul>
 */
public final class GenerationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  public GenerationException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public GenerationException(String code, String message) {
    this(code, message, null);
  }

  /** {@code llm_unavailable}, {@code llm_timeout} or {@code llm_error}. */
  public String code() {
    return code;
  }
}
