package io.ragstream.processors.drift;

import io.ragstream.core.event.DriftEvent;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * The latest value (and p-value) of each drift metric of one operator subtask as Flink gauges
 * {@value EmbeddingDriftFunction#VALUE_GAUGE} and {@value EmbeddingDriftFunction#P_VALUE_GAUGE} in
 * the key-value groups {@code kind} and {@code metric}; a gauge is registered when its metric is
 * first set, and reads NaN until then. Not thread-safe (used from the task thread; gauges read
 * volatile values).
 */
final class DriftGauges {
  private final MetricGroup group;
  private final Map<String, Latest> latest = new HashMap<>();

  DriftGauges(MetricGroup group) {
    this.group = group;
  }

  /** Sets the latest value of {@code kind}/{@code metric}; {@code pValue} null when it has none. */
  void set(DriftEvent.Kind kind, String metric, double value, Double pValue) {
    Latest l =
        latest.computeIfAbsent(
            kind + "|" + metric,
            k -> {
              Latest fresh = new Latest();
              MetricGroup g = group.addGroup("kind", kind.name()).addGroup("metric", metric);
              g.gauge(EmbeddingDriftFunction.VALUE_GAUGE, (Gauge<Double>) () -> fresh.value);
              if (pValue != null) {
                g.gauge(EmbeddingDriftFunction.P_VALUE_GAUGE, (Gauge<Double>) () -> fresh.pValue);
              }
              return fresh;
            });
    l.value = value;
    if (pValue != null) l.pValue = pValue;
  }

  private static final class Latest {
    volatile double value = Double.NaN;
    volatile double pValue = Double.NaN;
  }
}
