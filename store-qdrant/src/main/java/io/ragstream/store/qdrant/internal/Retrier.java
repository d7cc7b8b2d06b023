package io.ragstream.store.qdrant.internal;

import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.error.RetriableException;
import io.ragstream.core.error.StoreException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's one retry helper: runs a call up to {@code maxAttempts} times while it fails
 * retriably ({@link QdrantErrors#classify}), sleeping between attempts with exponential backoff and
 * full jitter ({@code sleep = random[0, 1) · min(maxBackoff, initialBackoff · 2^(attempt − 1))}, as
 * in AWS's "Exponential Backoff And Jitter"). The sleeper and the random source are injected, so
 * tests run without waiting.
 *
 * <p>A non-retriable failure is thrown at once; after the last attempt the retriable failure is
 * thrown. An interrupt during the backoff restores the interrupt flag and throws {@link
 * RetriableException}.
 */
public final class Retrier {
  private static final Logger LOG = LoggerFactory.getLogger(Retrier.class);

  /** Sleeps for a duration; {@link Thread#sleep} in production. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Sleeper sleeper;
  private final DoubleSupplier random;

  /**
   * @param maxAttempts >= 1
   * @param initialBackoff backoff bound before the second attempt, > 0
   * @param maxBackoff upper bound of one backoff, >= initialBackoff
   * @param sleeper how to wait
   * @param random uniform values in [0, 1) for the jitter
   */
  public Retrier(
      int maxAttempts,
      Duration initialBackoff,
      Duration maxBackoff,
      Sleeper sleeper,
      DoubleSupplier random) {
    if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be >= 1");
    this.maxAttempts = maxAttempts;
    this.initialBackoff = Objects.requireNonNull(initialBackoff, "initialBackoff");
    this.maxBackoff = Objects.requireNonNull(maxBackoff, "maxBackoff");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    this.random = Objects.requireNonNull(random, "random");
  }

  /** The production retrier: {@link Thread#sleep} and {@link Math#random()}. */
  public static Retrier withThreadSleep(
      int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    return new Retrier(
        maxAttempts, initialBackoff, maxBackoff, d -> Thread.sleep(d.toMillis()), Math::random);
  }

  /** The upper bound of the backoff after failed attempt {@code attempt} (from 1). */
  public Duration backoffBound(int attempt) {
    int shift = Math.min(attempt - 1, 30);
    long nanos = initialBackoff.toNanos();
    long bound = nanos > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : nanos << shift;
    return Duration.ofNanos(Math.min(bound, maxBackoff.toNanos()));
  }

  /**
   * Runs {@code call}, retrying retriable failures.
   *
   * @param what what the call does, for messages ("upsert 12 points of doc-1")
   * @throws RetriableException when every attempt failed retriably
   * @throws StoreException (or another {@link RagstreamException}) on the first non-retriable one
   */
  public <T> T call(String what, Callable<T> call) {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.call();
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
          throw new RetriableException("interrupted during Qdrant " + what, e);
        }
        RagstreamException classified = QdrantErrors.classify(what, e);
        if (!(classified instanceof RetriableException) || attempt >= maxAttempts) {
          throw classified;
        }
        Duration sleep =
            Duration.ofNanos((long) (random.getAsDouble() * backoffBound(attempt).toNanos()));
        LOG.debug(
            "Qdrant {} failed retriably (attempt {}/{}), retrying in {}: {}",
            what,
            attempt,
            maxAttempts,
            sleep,
            classified.getMessage());
        try {
          sleeper.sleep(sleep);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          RetriableException interrupted =
              new RetriableException("interrupted while retrying Qdrant " + what, ie);
          interrupted.addSuppressed(classified);
          throw interrupted;
        }
      }
    }
  }
}
