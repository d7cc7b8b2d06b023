package io.ragstream.trainer.policy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.model.DeadLetterReason;
import io.ragstream.core.model.Topics;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The trigger's Micrometer meters, per adapter kind (tag {@code kind}, the {@link AdapterKind}
 * name):
 *
 * <ul>
 *   <li>{@value #REQUESTED} counter: training jobs requested;
 *   <li>{@value #LABELLED_PAIRS} gauge: labelled pairs since the kind's last request;
 *   <li>{@value #RUNNING_JOBS} gauge: running jobs (0 or 1);
 *   <li>{@value Topics#DLQ_METRIC} counter with {@code stage=}{@value #STAGE} and {@code reason}:
 *       input records sent to the dead-letter topic.
 * </ul>
 *
 * <p>The gauges are set from the state stores when a task starts, so after a restart they show the
 * restored state. Updated from Kafka Streams' stream thread; read from any thread.
 */
public final class TriggerMetrics {
  /** Counter of requested training jobs. */
  public static final String REQUESTED = "ragstream_training_jobs_requested_total";

  /** Gauge of labelled pairs since the last request. */
  public static final String LABELLED_PAIRS = "ragstream_trigger_labelled_pairs";

  /** Gauge of running jobs. */
  public static final String RUNNING_JOBS = "ragstream_trigger_running_jobs";

  /** The {@code stage} tag of dead letters and the DLQ stage header. */
  public static final String STAGE = "trainer-trigger";

  private final MeterRegistry registry;
  private final Map<AdapterKind, Counter> requested = new EnumMap<>(AdapterKind.class);
  private final Map<AdapterKind, AtomicLong> pairs = new EnumMap<>(AdapterKind.class);
  private final Map<AdapterKind, AtomicLong> running = new EnumMap<>(AdapterKind.class);

  /**
   * Registers the meters of {@code kinds} in {@code registry}.
   *
   * @param registry where to register; {@code null} = a private {@link SimpleMeterRegistry} (the
   *     counts are still kept, for {@link #registry()})
   * @param kinds the enabled adapter kinds
   */
  public TriggerMetrics(MeterRegistry registry, Set<AdapterKind> kinds) {
    this.registry = registry == null ? new SimpleMeterRegistry() : registry;
    for (AdapterKind kind : kinds) {
      String tag = kind.name();
      requested.put(
          kind,
          Counter.builder(REQUESTED)
              .description("Training jobs the trainer trigger requested")
              .tag("kind", tag)
              .register(this.registry));
      pairs.put(
          kind,
          gauge(
              LABELLED_PAIRS,
              tag,
              "Labelled (query, relevant document) pairs since the last request"));
      running.put(
          kind, gauge(RUNNING_JOBS, tag, "Training jobs requested and not yet ended or timed out"));
    }
  }

  /**
   * A gauge over a new value. A gauge of the same name and kind left in the registry by an earlier
   * trigger in this JVM is replaced, so that a restarted trigger reports its own (restored) state:
   * Micrometer would otherwise keep returning the first registration.
   */
  private AtomicLong gauge(String name, String kind, String description) {
    registry.find(name).tag("kind", kind).gauges().forEach(registry::remove);
    AtomicLong value = new AtomicLong();
    Gauge.builder(name, value, AtomicLong::get)
        .description(description)
        .tag("kind", kind)
        .strongReference(true)
        .register(registry);
    return value;
  }

  /** The registry the meters are in. */
  public MeterRegistry registry() {
    return registry;
  }

  /** Counts one request of {@code kind}. */
  public void requested(AdapterKind kind) {
    Counter c = requested.get(kind);
    if (c != null) {
      c.increment();
    }
  }

  /** Sets the labelled pairs since the last request of {@code kind}. */
  public void labelledPairs(AdapterKind kind, long value) {
    AtomicLong g = pairs.get(kind);
    if (g != null) {
      g.set(value);
    }
  }

  /** Sets the running jobs of {@code kind}. */
  public void runningJobs(AdapterKind kind, long value) {
    AtomicLong g = running.get(kind);
    if (g != null) {
      g.set(value);
    }
  }

  /** Counts one input record sent to the dead-letter topic. */
  public void deadLetter(DeadLetterReason reason) {
    Counter.builder(Topics.DLQ_METRIC)
        .description("Records sent to the dead-letter topic, by stage and reason")
        .tag("stage", STAGE)
        .tag("reason", reason.code())
        .register(registry)
        .increment();
  }

  /** Dead letters sent with {@code reason} since this object was created. */
  public double deadLetters(DeadLetterReason reason) {
    Counter c =
        registry.find(Topics.DLQ_METRIC).tags("stage", STAGE, "reason", reason.code()).counter();
    return c == null ? 0 : c.count();
  }
}
