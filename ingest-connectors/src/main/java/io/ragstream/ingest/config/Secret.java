package io.ragstream.ingest.config;

import java.util.Objects;

/**
 * A secret string (a password) whose {@link #toString()} is masked, so configs can be logged.
 *
 * <p>Meant to move to {@code core} once a second module needs it.
 */
public final class Secret {
  private static final Secret EMPTY = new Secret("");
  private final String value;

  private Secret(String value) {
    this.value = Objects.requireNonNull(value, "value");
  }

  /** Wraps {@code value}; {@code null} gives the empty secret. */
  public static Secret of(String value) {
    return value == null || value.isEmpty() ? EMPTY : new Secret(value);
  }

  /** No secret (e.g. PostgreSQL trust authentication). */
  public static Secret none() {
    return EMPTY;
  }

  /** The clear-text value; hand it only to the client that needs it, never to a log. */
  public String reveal() {
    return value;
  }

  /** True when there is no secret. */
  public boolean isEmpty() {
    return value.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && s.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  /** {@code ****}, or {@code <none>} when empty; never the value. */
  @Override
  public String toString() {
    return value.isEmpty() ? "<none>" : "****";
  }
}
