package io.ragstream.store.qdrant.internal;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.error.RetriableException;
import io.ragstream.core.error.StoreException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's one retry policy, on Failsafe (the library the launcher's vLLM client retries with
 * too): a call runs up to {@code maxAttempts} times while it fails retriably ({@link
 * QdrantErrors#classify}); the delay before attempt {@code n + 1} is {@code min(maxBackoff,
 * initialBackoff · 2^(n − 1))}, randomised by ±{@value #JITTER} of itself so that clients retrying
 * together spread out.
 *
 * <p>A non-retriable failure is thrown at once, classified; after the last attempt the retriable
 * failure is thrown. An interrupt (of the call or of the delay) restores the interrupt flag and
 * throws {@link RetriableException} without a further attempt.
 */
public final class Retrier {
  private static final Logger LOG = LoggerFactory.getLogger(Retrier.class);

  /** Jitter factor of the delays. */
  public static final double JITTER = 0.25;

  private final RetryPolicy<Object> policy;

  private Retrier(RetryPolicy<Object> policy) {
    this.policy = policy;
  }

  /**
   * @param maxAttempts >= 1
   * @param initialBackoff delay before the second attempt, > 0
   * @param maxBackoff upper bound of one delay, >= initialBackoff
   * @throws IllegalArgumentException when a bound is out of range
   */
  public static Retrier of(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be >= 1");
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (initialBackoff.isNegative() || initialBackoff.isZero()) {
      throw new IllegalArgumentException("initialBackoff must be > 0, was " + initialBackoff);
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "maxBackoff " + maxBackoff + " must be >= initialBackoff " + initialBackoff);
    }
    var builder =
        RetryPolicy.builder()
            .handle(RetriableException.class)
            .abortIf((result, failure) -> Thread.currentThread().isInterrupted())
            .withMaxAttempts(maxAttempts);
    // Failsafe's backoff needs maxDelay > delay; equal bounds are a constant delay.
    builder =
        maxBackoff.equals(initialBackoff)
            ? builder.withDelay(initialBackoff)
            : builder.withBackoff(initialBackoff, maxBackoff);
    RetryPolicy<Object> policy =
        builder
            .withJitter(JITTER)
            .onRetry(
                e ->
                    LOG.debug(
                        "Qdrant call failed retriably (attempt {}), retrying: {}",
                        e.getAttemptCount(),
                        e.getLastException() == null ? null : e.getLastException().getMessage()))
            .build();
    return new Retrier(policy);
  }

  /** The Failsafe policy (attempts, delays, jitter), for inspection. */
  public RetryPolicy<Object> policy() {
    return policy;
  }

  /**
   * Runs {@code call}, retrying retriable failures.
   *
   * @param what what the call does, for messages ("upsert 12 points of doc-1")
   * @throws RetriableException when every attempt failed retriably, or on an interrupt
   * @throws StoreException (or another {@link RagstreamException}) on the first non-retriable one
   */
  public <T> T call(String what, Callable<T> call) {
    try {
      return Failsafe.with(policy)
          .get(
              () -> {
                try {
                  return call.call();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new RetriableException("interrupted during Qdrant " + what, e);
                } catch (Exception e) {
                  throw QdrantErrors.classify(what, e);
                }
              });
    } catch (FailsafeException e) {
      // Failsafe wraps only checked exceptions: here, an interrupt of the delay between attempts.
      if (e.getCause() instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        throw new RetriableException("interrupted while retrying Qdrant " + what, e.getCause());
      }
      throw new RetriableException("Qdrant " + what + " failed: " + e.getCause(), e.getCause());
    }
  }
}
