package io.ragstream.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ragstream.core.model.IndexedEvent;
import org.junit.jupiter.api.Test;

class FreshnessMetricsTest {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final FreshnessMetrics freshness = new FreshnessMetrics(registry);

  private static IndexedEvent event(String table, long committedAt, long searchableAt) {
    return new IndexedEvent(
        "pg:" + table + ":1",
        1,
        IndexedEvent.Op.UPSERT,
        table,
        committedAt,
        committedAt + 10,
        committedAt + 30,
        searchableAt - 5,
        searchableAt);
  }

  @Test
  void recordsCommitToSearchablePerTableInSloBuckets() {
    freshness.record(event("public.docs", 1_000, 1_400)); // 0.4 s
    freshness.record(event("public.docs", 1_000, 3_500)); // 2.5 s
    freshness.record(event("public.other", 1_000, 1_050));

    String text = registry.scrape();
    assertThat(text)
        .contains("ragstream_freshness_seconds_count{table=\"public.docs\"} 2")
        .contains("ragstream_freshness_seconds_bucket{table=\"public.docs\",le=\"0.5\"} 1")
        .contains("ragstream_freshness_seconds_bucket{table=\"public.docs\",le=\"3.0\"} 2")
        .contains("ragstream_freshness_seconds_count{table=\"public.other\"} 1")
        .containsPattern(
            "ragstream_freshness_recent_seconds\\{table=\"public.docs\",quantile=\"0.99\"\\} 2\\.5\\d*")
        .contains("ragstream_freshness_stage_seconds_count{stage=\"capture\"} 3")
        .contains("ragstream_freshness_stage_seconds_sum{stage=\"normalize\"} 0.06");
  }

  @Test
  void anEventWithoutACommitTimeCountsInNoHistogram() {
    freshness.record(event("public.docs", 0, 1_400));
    assertThat(registry.find(FreshnessMetrics.FRESHNESS).timers()).isEmpty();
  }
}
