package io.ragstream.gateway.auth;

/** Missing or wrong credentials: HTTP 401 (or a refused WebSocket handshake). */
public final class AuthenticationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AuthenticationException(String message) {
    super(message, null, false, false);
  }
}
