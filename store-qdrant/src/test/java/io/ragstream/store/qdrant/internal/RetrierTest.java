package io.ragstream.store.qdrant.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.ragstream.core.error.RetriableException;
import io.ragstream.core.error.StoreException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RetrierTest {
  /** Max attempts 4, backoff 1 ms doubling up to 4 ms: real (short) delays. */
  private final Retrier retrier = Retrier.of(4, Duration.ofMillis(1), Duration.ofMillis(4));

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  private static ExecutionException grpc(Status status) {
    return new ExecutionException(status.asRuntimeException());
  }

  @Test
  void retriesTransientFailuresUntilSuccess() {
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
  }

  @Test
  void thePolicyBacksOffExponentiallyWithJitterUpToTheBound() {
    var config = Retrier.of(5, Duration.ofMillis(100), Duration.ofSeconds(2)).policy().getConfig();
    assertThat(config.getMaxAttempts()).isEqualTo(5);
    assertThat(config.getDelay()).isEqualTo(Duration.ofMillis(100));
    assertThat(config.getMaxDelay()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.getDelayFactor()).isEqualTo(2.0);
    assertThat(config.getJitterFactor()).isEqualTo(Retrier.JITTER);
    var constant = Retrier.of(2, Duration.ofMillis(50), Duration.ofMillis(50)).policy().getConfig();
    assertThat(constant.getDelay()).isEqualTo(Duration.ofMillis(50));
    assertThat(constant.getMaxDelay()).isNull();
  }

  @Test
  void refusesBoundsOutOfRange() {
    assertThatThrownBy(() -> Retrier.of(0, Duration.ofMillis(1), Duration.ofMillis(2)))
        .hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> Retrier.of(2, Duration.ZERO, Duration.ofMillis(2)))
        .hasMessageContaining("initialBackoff");
    assertThatThrownBy(() -> Retrier.of(2, Duration.ofMillis(5), Duration.ofMillis(2)))
        .hasMessageContaining("maxBackoff");
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
  }

  @Test
  void anInterruptStopsWithoutAnotherAttemptAndKeepsTheFlag() {
    AtomicInteger calls = new AtomicInteger();

    assertThatThrownBy(
            () ->
                retrier.call(
                    "read",
                    () -> {
                      calls.incrementAndGet();
                      throw new InterruptedException();
                    }))
        .isInstanceOf(RetriableException.class)
        .hasMessageContaining("interrupted");
    assertThat(calls).hasValue(1);
    assertThat(Thread.currentThread().isInterrupted()).isTrue();
  }

  @Test
  void anInterruptDuringTheDelayStopsAndKeepsTheFlag() {
    Retrier slow = Retrier.of(4, Duration.ofSeconds(5), Duration.ofSeconds(10));
    AtomicInteger calls = new AtomicInteger();
    Thread caller = Thread.currentThread();
    Thread interrupter =
        new Thread(
            () -> {
              while (calls.get() == 0) Thread.onSpinWait();
              try {
                Thread.sleep(100);
              } catch (InterruptedException e) {
                return;
              }
              caller.interrupt();
            });
    interrupter.start();
    long start = System.nanoTime();

    assertThatThrownBy(
            () ->
                slow.call(
                    "read",
                    () -> {
                      calls.incrementAndGet();
                      throw grpc(Status.UNAVAILABLE);
                    }))
        .isInstanceOf(RetriableException.class)
        .hasMessageContaining("interrupted");
    assertThat(calls).hasValue(1);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(Thread.currentThread().isInterrupted()).isTrue();
  }
}
