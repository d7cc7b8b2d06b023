package io.ragstream.trainer.policy;

import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.event.DriftEvent;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.GatewayEventJson;
import io.ragstream.core.event.TrainingJobRequest;
import io.ragstream.core.event.TrainingJobResult;
import io.ragstream.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/** Events and a settable clock for the trigger tests. */
final class TriggerEvents {
  /** Start of the first drift window, epoch ms (2026-11-23T00:00:00Z). */
  static final long T0 = 1_795_392_000_000L;

  /** Length of a drift window. */
  static final Duration WINDOW = Duration.ofMinutes(5);

  private TriggerEvents() {}

  /**
   * Window {@code index} (0-based) of the series {@code kind:metric}; value 0.2 vs threshold 0.1
   * when drifted.
   */
  static DriftEvent drift(DriftEvent.Kind kind, String metric, int index, boolean drifted) {
    long start = T0 + index * WINDOW.toMillis();
    long end = start + WINDOW.toMillis();
    return new DriftEvent(
        uuid("drift/" + kind + "/" + metric + "/" + index),
        kind,
        metric,
        drifted ? 0.2 : 0.05,
        0.1,
        null,
        drifted,
        start,
        end,
        200,
        1000,
        "rolling",
        "bge-small-en-v1.5-q",
        end);
  }

  static FeedbackEvent feedback(String queryKey, String documentId, boolean relevant, long at) {
    return new FeedbackEvent(
        uuid("query/" + queryKey), documentId, relevant, "acme", "alice", at, null);
  }

  static TrainingJobResult result(TrainingJobRequest request, TrainingJobResult.Outcome outcome) {
    return new TrainingJobResult(
        request.jobId(),
        request.kind(),
        outcome,
        outcome == TrainingJobResult.Outcome.SUCCEEDED ? "adapter-" + request.jobId() : null,
        "done: " + outcome,
        request.requestedAt(),
        request.requestedAt());
  }

  static TrainingJobResult result(String jobId, AdapterKind kind) {
    return new TrainingJobResult(
        jobId, kind, TrainingJobResult.Outcome.FAILED, null, "exit 1", 0, 0);
  }

  static byte[] json(Object event) {
    if (event instanceof FeedbackEvent f) {
      return GatewayEventJson.toJson(f);
    }
    return Json.write(event).getBytes(StandardCharsets.UTF_8);
  }

  static TrainingJobRequest request(byte[] json) {
    try {
      return Json.mapper().readValue(json, TrainingJobRequest.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String uuid(String name) {
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /** A clock the test moves by hand. */
  static final class TestClock extends Clock {
    private final AtomicLong millis;

    TestClock(long millis) {
      this.millis = new AtomicLong(millis);
    }

    void advance(Duration d) {
      millis.addAndGet(d.toMillis());
    }

    @Override
    public long millis() {
      return millis.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
