package io.ragstream.gateway.auth;

import java.util.List;
import java.util.Set;

/**
 * How the gateway authenticates callers.
 *
 * @param apiKeys the accepted API keys (hashes only) and who they authenticate as; may be empty
 * @param jwt how bearer JWTs are verified, or null to accept none
 * @param anonymous the caller a request without credentials acts as, or null to reject such
 *     requests with 401. Requests with wrong credentials are always rejected.
 */
public record AuthSettings(List<ApiKey> apiKeys, JwtSettings jwt, Caller anonymous) {

  /** The anonymous caller of a gateway with no credentials configured. */
  public static final Caller PUBLIC_ANONYMOUS =
      new Caller("anonymous", "public", Set.of("public"), "anonymous");

  public AuthSettings {
    apiKeys = List.copyOf(apiKeys == null ? List.of() : apiKeys);
  }

  /**
   * No credentials: every request acts as {@link #PUBLIC_ANONYMOUS} (tenant {@code public}, group
   * {@code public}), so it sees only rows whose tenant is {@code public} and whose ACL holds {@code
   * public} — what {@code ragstream load beir} writes by default.
   */
  public static AuthSettings anonymousOnly() {
    return new AuthSettings(List.of(), null, PUBLIC_ANONYMOUS);
  }

  /** Whether any credential is configured. */
  public boolean hasCredentials() {
    return !apiKeys.isEmpty() || jwt != null;
  }
}
