package io.ragstream.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayMetricsTest {
  @TempDir Path dir;

  @Test
  void readsTheResidentSetSizeInBytesFromProcStatus() throws Exception {
    Path status = dir.resolve("status");
    Files.writeString(
        status, "Name:\tjava\nVmPeak:\t 9999 kB\nVmRSS:\t    2048 kB\nRssAnon:\t 1000 kB\n");
    assertThat(GatewayMetrics.residentSetBytes(status)).isEqualTo(2048 * 1024.0);
    try (GatewayMetrics metrics = GatewayMetrics.create(status)) {
      assertThat(metrics.scrape()).contains("process_resident_memory_bytes 2097152.0");
    }
  }

  @Test
  void leavesTheResidentSetSizeOutWhereProcIsUnavailable() throws Exception {
    Path missing = dir.resolve("missing");
    assertThat(GatewayMetrics.residentSetBytes(missing)).isNaN();
    Path noRss = dir.resolve("status");
    Files.writeString(noRss, "Name:\tjava\n");
    assertThat(GatewayMetrics.residentSetBytes(noRss)).isNaN();
    try (GatewayMetrics metrics = GatewayMetrics.create(missing)) {
      assertThat(metrics.scrape())
          .doesNotContain("process_resident_memory_bytes")
          .contains("jvm_memory_used_bytes");
    }
  }

  @Test
  void recordsQueryLatencyByKindAndModeAndTimeToFirstToken() {
    try (GatewayMetrics metrics = GatewayMetrics.create()) {
      metrics.recordQuery("search", io.ragstream.core.store.SearchMode.BM25, 3_000_000);
      metrics.recordQuery("search", io.ragstream.core.store.SearchMode.HYBRID, 30_000_000);
      metrics.recordFirstToken("chat", 150);
      assertThat(metrics.scrape())
          .contains(
              "ragstream_gateway_query_seconds_bucket{kind=\"search\",mode=\"bm25\",le=\"0.005\"} 1")
          .contains(
              "ragstream_gateway_query_seconds_bucket{kind=\"search\",mode=\"hybrid\",le=\"0.02\"} 0")
          .contains("ragstream_gateway_query_seconds_count{kind=\"search\",mode=\"hybrid\"} 1")
          .contains("ragstream_gateway_first_token_seconds_bucket{kind=\"chat\",le=\"0.2\"} 1");
    }
  }

  @Test
  void servesTheJvmSeriesAndTheOwnGauges() {
    try (GatewayMetrics metrics = GatewayMetrics.create()) {
      assertThat(metrics.scrape())
          .as("no chat served yet (ingest, trainer)")
          .doesNotContain("ragstream_gateway_websocket_connections");
      metrics.chatConnections();
      String text = metrics.scrape();
      assertThat(text)
          .contains("jvm_memory_used_bytes{area=\"heap\"")
          .contains("jvm_gc_memory_allocated_bytes_total")
          .contains("jvm_threads_live_threads")
          .contains("process_cpu_usage")
          .contains("process_uptime_seconds")
          .contains("ragstream_gateway_websocket_connections 0.0");
      if (Files.isReadable(GatewayMetrics.PROC_SELF_STATUS)) {
        assertThat(GatewayMetrics.residentSetBytes(GatewayMetrics.PROC_SELF_STATUS)).isPositive();
        assertThat(text).contains("process_resident_memory_bytes");
      }
    }
  }

  @Test
  void websocketGaugeCountsOpenedMinusClosed() {
    try (GatewayMetrics metrics = GatewayMetrics.create()) {
      metrics.chatConnections().opened();
      metrics.chatConnections().opened();
      metrics.chatConnections().opened();
      metrics.chatConnections().closed();
      assertThat(metrics.scrape()).contains("ragstream_gateway_websocket_connections 2.0");
    }
  }
}
