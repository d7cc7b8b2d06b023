package io.ragstream.processors.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ragstream.core.model.Topics;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.junit.jupiter.api.Test;

class MicrometerReporterTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private static UnregisteredMetricsGroup group(Map<String, String> variables) {
    return new UnregisteredMetricsGroup() {
      @Override
      public Map<String, String> getAllVariables() {
        return variables;
      }
    };
  }

  private static MetricReporter reporter(String id) {
    Properties p = new Properties();
    p.setProperty("registry-id", id);
    return new MicrometerReporter.Factory().createMetricReporter(p);
  }

  @Test
  void sumsTheCountersOfAllSubtasksIntoOneSeries() throws Exception {
    try (AutoCloseable bound = MicrometerReporter.bind("t1", registry)) {
      assertThat(registry.get("ragstream.index.updates.applied").functionCounter().count())
          .as("registered before the job runs")
          .isZero();
      MetricReporter reporter = reporter("t1");
      Counter a = new SimpleCounter();
      Counter b = new SimpleCounter();
      reporter.notifyOfAddedMetric(a, "updatesApplied", group(Map.of()));
      reporter.notifyOfAddedMetric(b, "updatesApplied", group(Map.of()));
      a.inc(3);
      b.inc(4);
      assertThat(registry.get("ragstream.index.updates.applied").functionCounter().count())
          .isEqualTo(7);
      reporter.notifyOfRemovedMetric(b, "updatesApplied", group(Map.of()));
      assertThat(registry.get("ragstream.index.updates.applied").functionCounter().count())
          .isEqualTo(3);
    }
  }

  @Test
  void pairsCountAndNanosIntoATimerAndForwardsDeadLettersAndGauges() throws Exception {
    try (AutoCloseable bound = MicrometerReporter.bind("t2", registry)) {
      MetricReporter reporter = reporter("t2");
      Counter applies = new SimpleCounter();
      Counter nanos = new SimpleCounter();
      reporter.notifyOfAddedMetric(applies, "storeApplies", group(Map.of()));
      reporter.notifyOfAddedMetric(nanos, "storeApplyNanos", group(Map.of()));
      applies.inc(2);
      nanos.inc(3_000_000);
      FunctionTimer t = registry.get("ragstream.store.apply").functionTimer();
      assertThat(t.count()).isEqualTo(2);
      assertThat(t.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3.0);

      Counter dlq = new SimpleCounter();
      reporter.notifyOfAddedMetric(
          dlq,
          Topics.DLQ_METRIC,
          group(Map.of("<stage>", "indexer", "<reason>", "body_too_large")));
      dlq.inc();
      assertThat(
              registry
                  .get(MicrometerReporter.DLQ)
                  .tags("stage", "indexer", "reason", "body_too_large")
                  .functionCounter()
                  .count())
          .isEqualTo(1);

      reporter.notifyOfAddedMetric(
          (Gauge<Long>) () -> 1500L, "lastCheckpointDuration", group(Map.of()));
      assertThat(registry.get("ragstream.indexer.checkpoint.duration.seconds").gauge().value())
          .isEqualTo(1.5);
    }
  }

  @Test
  void forwardsTheDriftGaugesTaggedByKindAndMetricAsPrometheusSeries() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (AutoCloseable bound = MicrometerReporter.bind("t3", registry)) {
      MetricReporter reporter = reporter("t3");
      Map<String, String> mmd = Map.of("<kind>", "DOCUMENTS", "<metric>", "mmd_rbf");
      reporter.notifyOfAddedMetric((Gauge<Double>) () -> 0.07, "drift_value", group(mmd));
      reporter.notifyOfAddedMetric((Gauge<Double>) () -> 0.0099, "drift_p_value", group(mmd));
      reporter.notifyOfAddedMetric(
          (Gauge<Double>) () -> 0.2,
          "drift_value",
          group(Map.of("<kind>", "QUALITY", "<metric>", "no_answer_rate_dense")));
      assertThat(
              registry
                  .get(MicrometerReporter.DRIFT_VALUE)
                  .tags("kind", "DOCUMENTS", "metric", "mmd_rbf")
                  .gauge()
                  .value())
          .isEqualTo(0.07);
      assertThat(
              registry
                  .get(MicrometerReporter.DRIFT_P_VALUE)
                  .tags("kind", "DOCUMENTS", "metric", "mmd_rbf")
                  .gauge()
                  .value())
          .isEqualTo(0.0099);
      assertThat(
              registry
                  .get(MicrometerReporter.DRIFT_VALUE)
                  .tags("kind", "QUALITY", "metric", "no_answer_rate_dense")
                  .gauge()
                  .value())
          .isEqualTo(0.2);
      assertThat(registry.scrape())
          .contains("ragstream_drift_value{kind=\"DOCUMENTS\",metric=\"mmd_rbf\"} 0.07")
          .contains("ragstream_drift_p_value{kind=\"DOCUMENTS\",metric=\"mmd_rbf\"} 0.0099");
    }
  }

  @Test
  void anUnboundReporterForwardsNothing() {
    MetricReporter reporter = reporter("nobody");
    reporter.notifyOfAddedMetric(new SimpleCounter(), "updatesApplied", group(Map.of()));
    assertThat(registry.getMeters()).isEmpty();
  }
}
