package io.ragstream.processors.local;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.ragstream.core.model.DeadLetterReason;
import io.ragstream.core.model.Topics;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * A Flink {@link MetricReporter} that forwards the indexing job's own metrics into a Micrometer
 * {@link MeterRegistry} of the same JVM, so that in local mode (MiniCluster) they appear on the
 * platform's {@code GET /metrics} beside the gateway's, under Prometheus names.
 *
 * <p>Flink creates reporters itself from the configuration ({@code metrics.reporter.<name>.factory
 * .class}, found by {@link java.util.ServiceLoader}), so the registry is handed over through a
 * static binding: {@link #bind} registers a registry under an id and {@link #configure} puts that
 * id into the Flink configuration. A reporter whose id is not bound forwards nothing. In a
 * distributed deployment use Flink's own Prometheus reporter instead; the Flink metric names are
 * listed in {@link #COUNTERS} and {@link #TIMERS}.
 *
 * <p>Only a fixed set of metrics is forwarded (Flink registers hundreds per task): the counters of
 * {@link #COUNTERS}, the count/time pairs of {@link #TIMERS} as Micrometer function timers ({@code
 * _count} and {@code _sum} in seconds), the dead-letter counter {@value Topics#DLQ_METRIC} with its
 * {@code stage} and {@code reason} groups, the checkpoint gauges of {@link #GAUGES}, and the drift
 * gauges {@code drift_value} / {@code drift_p_value} of the drift functions as {@value
 * #DRIFT_VALUE} / {@value #DRIFT_P_VALUE} with their {@code kind} and {@code metric} groups as tags
 * (registered when a drift metric first appears; the subtask that reported it last wins). The same
 * metric of several subtasks is summed into one series. Every series is registered at {@link #bind}
 * time with 0, so dashboards see it before the job runs; when the job restarts its counters start
 * again from 0, which Prometheus' {@code rate()} treats as a counter reset.
 */
public final class MicrometerReporter implements MetricReporter {
  /** Flink counter name → Micrometer counter name (Prometheus adds {@code _total}). */
  public static final Map<String, String> COUNTERS =
      Map.of(
          "updatesApplied", "ragstream.index.updates.applied",
          "updatesStale", "ragstream.index.updates.stale",
          "pointsWritten", "ragstream.index.points.written",
          "tombstonesPurged", "ragstream.index.tombstones.purged",
          "staleChanges", "ragstream.indexer.changes.stale",
          "reembedSkipped", "ragstream.indexer.reembed.skipped",
          "tombstonesExpired", "ragstream.indexer.tombstones.expired",
          "chunksEmbedded", "ragstream.embedder.chunks");

  /**
   * Micrometer timer name → Flink counters {count, total nanoseconds}: {@code
   * ragstream_embedder_batch_seconds} (one batch = the chunks of one document) and {@code
   * ragstream_store_apply_seconds}.
   */
  public static final Map<String, List<String>> TIMERS =
      Map.of(
          "ragstream.embedder.batch", List.of("embedBatches", "embedNanos"),
          "ragstream.store.apply", List.of("storeApplies", "storeApplyNanos"));

  /** Flink gauge name → Micrometer gauge name, with the factor to base units. */
  public static final Map<String, Map.Entry<String, Double>> GAUGES =
      Map.of(
          "lastCheckpointDuration",
              Map.entry("ragstream.indexer.checkpoint.duration.seconds", 1e-3),
          "numberOfCompletedCheckpoints", Map.entry("ragstream.indexer.checkpoints.completed", 1.0),
          "numberOfFailedCheckpoints", Map.entry("ragstream.indexer.checkpoints.failed", 1.0),
          "numRestarts", Map.entry("ragstream.indexer.restarts", 1.0));

  /**
   * Micrometer name of the latest drift value per kind and metric ({@code ragstream_drift_value}).
   */
  public static final String DRIFT_VALUE = "ragstream.drift.value";

  /** Micrometer name of the latest drift p-value per kind and metric. */
  public static final String DRIFT_P_VALUE = "ragstream.drift.p.value";

  /** Flink gauge name → Micrometer name of the drift gauges. */
  private static final Map<String, String> DRIFT_GAUGES =
      Map.of("drift_value", DRIFT_VALUE, "drift_p_value", DRIFT_P_VALUE);

  /** Micrometer name of the forwarded dead-letter counter ({@value Topics#DLQ_METRIC}). */
  public static final String DLQ = "ragstream.dlq.records";

  private static final Map<String, Binding> BINDINGS = new ConcurrentHashMap<>();

  private volatile Binding binding;

  /**
   * Registers the forwarded series in {@code registry} and binds it to {@code id} until the
   * returned handle is closed.
   */
  public static AutoCloseable bind(String id, MeterRegistry registry) {
    Binding b = new Binding(registry);
    if (BINDINGS.putIfAbsent(id, b) != null) {
      throw new IllegalStateException("a registry is already bound to " + id);
    }
    return () -> BINDINGS.remove(id, b);
  }

  /**
   * Sets the Flink options that make the MiniCluster report to the registry bound to {@code id}.
   */
  public static void configure(org.apache.flink.configuration.Configuration conf, String id) {
    conf.setString("metrics.reporter.micrometer.factory.class", Factory.class.getName());
    conf.setString("metrics.reporter.micrometer.registry-id", id);
  }

  private MicrometerReporter(Binding binding) {
    this.binding = binding;
  }

  @Override
  public void open(MetricConfig config) {}

  @Override
  public void close() {
    binding = null;
  }

  @Override
  public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
    Binding b = binding;
    if (b != null) b.added(metric, name, group);
  }

  @Override
  public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
    Binding b = binding;
    if (b != null) b.removed(metric);
  }

  /**
   * Creates {@link MicrometerReporter}s for the registry id in the {@code registry-id} property.
   */
  public static final class Factory implements MetricReporterFactory {
    @Override
    public MetricReporter createMetricReporter(Properties properties) {
      String id = properties.getProperty("registry-id", "");
      return new MicrometerReporter(BINDINGS.get(id));
    }
  }

  /** The series of one registry and the Flink metrics currently summed into each. */
  private static final class Binding {
    private final MeterRegistry registry;

    /** Flink metric name (+ "|stage|reason" for the DLQ) → the counters summed. */
    private final Map<String, Set<Counter>> counters = new ConcurrentHashMap<>();

    private final Map<String, AtomicReference<org.apache.flink.metrics.Gauge<?>>> gauges =
        new ConcurrentHashMap<>();

    Binding(MeterRegistry registry) {
      this.registry = registry;
      COUNTERS.forEach(
          (flink, name) ->
              FunctionCounter.builder(name, set(flink), Binding::sum)
                  .description("Flink counter " + flink + " of the indexing job")
                  .register(registry));
      TIMERS.forEach(
          (name, pair) ->
              FunctionTimer.builder(
                      name,
                      this,
                      b -> (long) sum(b.set(pair.get(0))),
                      b -> sum(b.set(pair.get(1))),
                      TimeUnit.NANOSECONDS)
                  .description("Flink counters " + pair + " of the indexing job")
                  .register(registry));
      GAUGES.forEach(
          (flink, target) -> {
            AtomicReference<org.apache.flink.metrics.Gauge<?>> ref =
                gauges.computeIfAbsent(flink, k -> new AtomicReference<>());
            Gauge.builder(target.getKey(), ref, r -> value(r.get()) * target.getValue())
                .description("Flink gauge " + flink + " of the indexing job")
                .strongReference(true)
                .register(registry);
          });
      for (DeadLetterReason reason : DeadLetterReason.values()) {
        dlq("indexer", reason.code());
      }
    }

    private Set<Counter> set(String key) {
      return counters.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet());
    }

    private Set<Counter> dlq(String stage, String reason) {
      String key = Topics.DLQ_METRIC + "|" + stage + "|" + reason;
      boolean fresh = !counters.containsKey(key);
      Set<Counter> set = set(key);
      if (fresh) {
        FunctionCounter.builder(DLQ, set, Binding::sum)
            .description("Records sent to the dead-letter topic, by stage and reason")
            .tags(Tags.of("stage", stage, "reason", reason))
            .register(registry);
      }
      return set;
    }

    void added(Metric metric, String name, MetricGroup group) {
      if (metric instanceof Counter c) {
        if (name.equals(Topics.DLQ_METRIC)) {
          Map<String, String> vars = group.getAllVariables();
          dlq(vars.getOrDefault("<stage>", "indexer"), vars.getOrDefault("<reason>", "unknown"))
              .add(c);
        } else if (COUNTERS.containsKey(name) || isTimerPart(name)) {
          set(name).add(c);
        }
      } else if (metric instanceof org.apache.flink.metrics.Gauge<?> g
          && GAUGES.containsKey(name)) {
        gauges.get(name).set(g);
      } else if (metric instanceof org.apache.flink.metrics.Gauge<?> g
          && DRIFT_GAUGES.containsKey(name)) {
        Map<String, String> vars = group.getAllVariables();
        String kind = vars.getOrDefault("<kind>", "unknown");
        String driftMetric = vars.getOrDefault("<metric>", "unknown");
        gauges
            .computeIfAbsent(
                name + "|" + kind + "|" + driftMetric,
                k -> {
                  AtomicReference<org.apache.flink.metrics.Gauge<?>> ref = new AtomicReference<>();
                  Gauge.builder(DRIFT_GAUGES.get(name), ref, r -> value(r.get()))
                      .description("Latest " + name + " of the drift job, by kind and metric")
                      .tags(Tags.of("kind", kind, "metric", driftMetric))
                      .strongReference(true)
                      .register(registry);
                  return ref;
                })
            .set(g);
      }
    }

    void removed(Metric metric) {
      counters.values().forEach(s -> s.remove(metric));
      gauges
          .values()
          .forEach(
              r -> {
                if (r.get() == metric) r.set(null);
              });
    }

    private static boolean isTimerPart(String name) {
      return TIMERS.values().stream().anyMatch(p -> p.contains(name));
    }

    private static double sum(Set<Counter> set) {
      long s = 0;
      for (Counter c : set) s += c.getCount();
      return s;
    }

    private static double value(org.apache.flink.metrics.Gauge<?> g) {
      if (g == null) return Double.NaN;
      Object v = g.getValue();
      return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }
  }
}
