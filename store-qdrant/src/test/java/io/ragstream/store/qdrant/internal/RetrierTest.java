package io.ragstream.store.qdrant.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.ragstream.core.error.RetriableException;
import io.ragstream.core.error.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RetrierTest {
  private final List<Duration> sleeps = new ArrayList<>();

  /** Max attempts 4, backoff 100 ms doubling up to 250 ms, jitter fixed at 0.5. */
  private final Retrier retrier =
      new Retrier(4, Duration.ofMillis(100), Duration.ofMillis(250), sleeps::add, () -> 0.5);

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  private static ExecutionException grpc(Status status) {
    return new ExecutionException(status.asRuntimeException());
  }

  @Test
  void retriesTransientFailuresWithJitteredExponentialBackoffUntilSuccess() {
    AtomicInteger calls = new AtomicInteger();

    String result =
        retrier.call(
            "read",
            () -> {
              if (calls.incrementAndGet() < 4) throw grpc(Status.UNAVAILABLE);
              return "ok";
            });

    assertThat(result).isEqualTo("ok");
    assertThat(calls).hasValue(4);
    // 0.5 × min(250, 100·2^(n−1)) ms
    assertThat(sleeps)
        .containsExactly(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(125));
  }

  @Test
  void backoffBoundDoublesAndIsCapped() {
    assertThat(retrier.backoffBound(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(retrier.backoffBound(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(retrier.backoffBound(3)).isEqualTo(Duration.ofMillis(250));
    assertThat(retrier.backoffBound(200)).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void givesUpAfterMaxAttemptsWithARetriableException() {
    AtomicInteger calls = new AtomicInteger();

    assertThatThrownBy(
            () ->
                retrier.call(
                    "upsert",
                    () -> {
                      calls.incrementAndGet();
                      throw grpc(Status.DEADLINE_EXCEEDED);
                    }))
        .isInstanceOf(RetriableException.class)
        .hasMessageContaining("DEADLINE_EXCEEDED");
    assertThat(calls).hasValue(4);
    assertThat(sleeps).hasSize(3);
  }

  @Test
  void nonRetriableFailureIsThrownAtOnce() {
    AtomicInteger calls = new AtomicInteger();

    assertThatThrownBy(
            () ->
                retrier.call(
                    "query",
                    () -> {
                      calls.incrementAndGet();
                      throw grpc(Status.INVALID_ARGUMENT);
                    }))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("INVALID_ARGUMENT");
    assertThat(calls).hasValue(1);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void interruptDuringBackoffStopsAndKeepsTheFlag() {
    Retrier interrupted =
        new Retrier(
            4,
            Duration.ofMillis(100),
            Duration.ofMillis(250),
            d -> {
              throw new InterruptedException();
            },
            () -> 0.5);

    assertThatThrownBy(
            () ->
                interrupted.call(
                    "read",
                    () -> {
                      throw grpc(Status.UNAVAILABLE);
                    }))
        .isInstanceOf(RetriableException.class)
        .hasMessageContaining("interrupted");
    assertThat(Thread.currentThread().isInterrupted()).isTrue();
  }
}
