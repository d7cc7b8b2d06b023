package io.ragstream.store.qdrant;

import java.util.Objects;

/**
 * A Qdrant API key whose {@link #toString()} is masked, so a {@link QdrantStoreConfig} can be
 * logged.
 *
 * <p>Same shape as {@code io.ragstream.ingest.config.Secret}; runtime modules do not depend on each
 * other, so both should move to {@code core} as one type.
 */
public final class ApiKey {
  private static final ApiKey NONE = new ApiKey("");
  private final String value;

  private ApiKey(String value) {
    this.value = Objects.requireNonNull(value, "value");
  }

  /** Wraps {@code value}; {@code null} or empty gives {@link #none()}. */
  public static ApiKey of(String value) {
    return value == null || value.isEmpty() ? NONE : new ApiKey(value);
  }

  /** No API key (a Qdrant without authentication). */
  public static ApiKey none() {
    return NONE;
  }

  /** The clear-text key; hand it only to the gRPC client, never to a log. */
  public String reveal() {
    return value;
  }

  /** True when there is no key. */
  public boolean isEmpty() {
    return value.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApiKey k && k.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  /** {@code ****}, or {@code <none>} when empty; never the key. */
  @Override
  public String toString() {
    return value.isEmpty() ? "<none>" : "****";
  }
}
