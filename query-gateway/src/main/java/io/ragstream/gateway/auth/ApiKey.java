package io.ragstream.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A configured API key: the SHA-256 of the key (the key itself is never kept) and the caller it
 * authenticates.
 *
 * @param sha256 lower-case hex SHA-256 of the key's UTF-8 bytes (64 characters)
 * @param caller who the key authenticates as
 */
public record ApiKey(String sha256, Caller caller) {

  public ApiKey {
    if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("sha256 must be 64 lower-case hex characters");
    }
    Objects.requireNonNull(caller, "caller");
  }

  /** Lower-case hex SHA-256 of {@code key}'s UTF-8 bytes. */
  public static String hash(String key) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** An entry for a plain-text key (hashed here). */
  public static ApiKey of(String key, Caller caller) {
    if (key == null || key.length() < 16) {
      throw new IllegalArgumentException("an API key must have at least 16 characters");
    }
    return new ApiKey(hash(key), caller);
  }

  @Override
  public String toString() {
    return "ApiKey[sha256=" + sha256.substring(0, 8) + "..., caller=" + caller + "]";
  }
}
