package io.ragstream.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;

/**
 * Per-caller token buckets (Bucket4j): each caller (tenant + subject) may make {@code burst}
 * requests at once and {@code perSecond} per second on average. Buckets of callers idle for ten
 * minutes are dropped (Caffeine), so memory is bounded by the active callers (at most 100,000).
 * Thread-safe.
 */
public final class RateLimiter {

  private final long perSecond;
  private final long burst;
  private final Cache<String, Bucket> buckets =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofMinutes(10)).build();

  /**
   * @param perSecond average requests per second per caller, >= 1
   * @param burst bucket capacity, >= 1
   */
  public RateLimiter(long perSecond, long burst) {
    if (perSecond < 1) throw new IllegalArgumentException("perSecond must be >= 1");
    if (burst < 1) throw new IllegalArgumentException("burst must be >= 1");
    this.perSecond = perSecond;
    this.burst = burst;
  }

  /**
   * Takes one token for {@code caller}.
   *
   * @return 0 when the request may go ahead, otherwise the nanoseconds until a token is free
   */
  public long tryAcquire(Caller caller) {
    Bucket bucket =
        buckets.get(
            caller.rateLimitKey(),
            key ->
                Bucket.builder()
                    .addLimit(l -> l.capacity(burst).refillGreedy(perSecond, Duration.ofSeconds(1)))
                    .build());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    return probe.isConsumed() ? 0 : Math.max(1, probe.getNanosToWaitForRefill());
  }

  /** Average requests per second per caller. */
  public long perSecond() {
    return perSecond;
  }

  /** Bucket capacity per caller. */
  public long burst() {
    return burst;
  }
}
