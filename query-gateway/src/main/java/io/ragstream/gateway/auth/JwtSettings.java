package io.ragstream.gateway.auth;

import io.ragstream.core.error.ConfigException;
import java.time.Duration;
import java.util.Objects;

/**
 * How JWT bearer tokens are verified (RFC 7519, signatures per RFC 7515), with vertx-auth-jwt.
 *
 * @param algorithm {@code HS256} (shared secret) or an asymmetric algorithm such as {@code RS256}
 *     or {@code ES256} (public key)
 * @param key the HS256 secret (at least 32 characters) or the PEM of the public key ({@code
 *     -----BEGIN PUBLIC KEY-----}); never logged
 * @param issuer required {@code iss}, or null to accept any
 * @param audience required {@code aud}, or null to accept any
 * @param tenantClaim claim holding the caller's tenant (a string); a token without it is rejected
 * @param groupsClaim claim holding the caller's groups (an array of strings, may be absent)
 * @param leeway clock skew allowed on {@code exp}/{@code nbf}/{@code iat}
 */
public record JwtSettings(
    String algorithm,
    String key,
    String issuer,
    String audience,
    String tenantClaim,
    String groupsClaim,
    Duration leeway) {

  /** Prefix of the configuration keys ({@code gateway.auth.jwt.secret}, ...). */
  public static final String KEY_PREFIX = "gateway.auth.jwt.";

  public JwtSettings {
    if (algorithm == null || !algorithm.matches("(HS|RS|PS|ES)(256|384|512)")) {
      throw new ConfigException(
          KEY_PREFIX + "algorithm", "must be HS256 or an RS/PS/ES algorithm, was " + algorithm);
    }
    if (key == null || key.isBlank()) {
      throw new ConfigException(
          algorithm.startsWith("HS") ? KEY_PREFIX + "secret" : KEY_PREFIX + "public-key-file",
          "must be set");
    }
    if (algorithm.startsWith("HS") && key.length() < 32) {
      throw new ConfigException(
          KEY_PREFIX + "secret", "must have at least 32 characters (RFC 7518 §3.2)");
    }
    if (!algorithm.startsWith("HS") && !key.contains("-----BEGIN PUBLIC KEY-----")) {
      throw new ConfigException(
          KEY_PREFIX + "public-key-file",
          "must hold a PEM public key (-----BEGIN PUBLIC KEY-----)");
    }
    tenantClaim = tenantClaim == null || tenantClaim.isBlank() ? "tenant" : tenantClaim;
    groupsClaim = groupsClaim == null || groupsClaim.isBlank() ? "groups" : groupsClaim;
    leeway = leeway == null ? Duration.ofSeconds(30) : leeway;
    Objects.requireNonNull(leeway);
  }

  /** HS256 with {@code secret}, claims {@code tenant} and {@code groups}, 30 s leeway. */
  public static JwtSettings hs256(String secret) {
    return new JwtSettings("HS256", secret, null, null, null, null, null);
  }

  @Override
  public String toString() {
    return "JwtSettings[algorithm="
        + algorithm
        + ", issuer="
        + issuer
        + ", audience="
        + audience
        + ", tenantClaim="
        + tenantClaim
        + ", groupsClaim="
        + groupsClaim
        + ", leeway="
        + leeway
        + "]";
  }
}
