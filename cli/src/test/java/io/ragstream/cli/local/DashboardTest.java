package io.ragstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** {@code infra/grafana/ragstream.json} parses and queries only metrics the platform exports. */
class DashboardTest {
  static final Path DASHBOARD = Path.of("..", "infra", "grafana", "ragstream.json");

  @Test
  void everyQueryNamesOnlyExportedMetrics() throws Exception {
    JsonNode dashboard = Json.mapper().readTree(Files.readString(DASHBOARD));
    assertThat(dashboard.path("title").asText()).isEqualTo("ragstream");
    List<String> exprs = ExportedMetrics.expressions(dashboard);
    assertThat(exprs).hasSizeGreaterThan(20);
    Set<String> exported = new TreeSet<>(ExportedMetrics.NAMES);
    exported.addAll(ExportedMetrics.RETRAINING_NAMES);
    exported.addAll(ExportedMetrics.UNSCRAPED_NAMES);
    Set<String> used = new TreeSet<>();
    for (String expr : exprs) {
      Set<String> names = ExportedMetrics.metricNames(expr);
      assertThat(names).as("metrics of %s", expr).isNotEmpty();
      assertThat(exported).as("exported, for %s", expr).containsAll(names);
      used.addAll(names);
    }
    assertThat(used)
        .as(
            "the dashboard covers freshness, lag, DLQ, embedding, store, queries, TTFT, drift,"
                + " training jobs and adapter versions")
        .contains(
            "ragstream_freshness_seconds_bucket",
            "ragstream_kafka_consumer_lag_records",
            "ragstream_dlq_records_total",
            "ragstream_embedder_chunks_total",
            "ragstream_store_apply_seconds_sum",
            "ragstream_gateway_query_seconds_bucket",
            "ragstream_gateway_first_token_seconds_bucket",
            "ragstream_index_last_committed_age_seconds",
            "ragstream_drift_value",
            "ragstream_drift_p_value",
            "ragstream_training_jobs_requested_total",
            "ragstream_training_jobs_total",
            "ragstream_query_adapter_info",
            "ragstream_query_adapter_swaps_total");
  }

  @Test
  void extractsMetricNamesFromPromQl() {
    assertThat(
            ExportedMetrics.metricNames(
                "histogram_quantile(0.99, sum by (le, table) (rate(a_bucket{le=\"1.0\","
                    + "x=~\"y|z\"}[$__rate_interval]))) / on(job) b_total offset 5m + 1e3"))
        .containsExactly("a_bucket", "b_total");
  }
}
