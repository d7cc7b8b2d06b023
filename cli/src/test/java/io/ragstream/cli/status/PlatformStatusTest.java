package io.ragstream.cli.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class PlatformStatusTest {
  private static final String SCRAPE =
      """
      # HELP ragstream_kafka_consumer_lag_records Records not yet consumed
      # TYPE ragstream_kafka_consumer_lag_records gauge
      ragstream_kafka_consumer_lag_records{group="ragstream-indexer",topic="ragstream.changes"} 12.0
      ragstream_kafka_consumer_lag_records{group="ragstream-normalizer",topic="rs.public.docs"} 3.0
      ragstream_cdc_slot_lag_bytes{slot="s"} 2048.0
      ragstream_freshness_seconds_count{table="public.docs"} 40
      ragstream_freshness_seconds_max{table="public.docs"} 2.25
      ragstream_freshness_recent_seconds{table="public.docs",quantile="0.5"} 0.42
      ragstream_freshness_recent_seconds{table="public.docs",quantile="0.99"} 1.9
      ragstream_index_documents 5183.0
      ragstream_index_points 6120.0
      ragstream_index_last_committed_age_seconds 3.5
      ragstream_dlq_records_total{reason="body_too_large",stage="indexer"} 2.0
      ragstream_dlq_records_total{reason="column_missing",stage="normalizer"} 1.0
      ragstream_dlq_records_total{reason="malformed_record",stage="normalizer"} 4.0
      """;

  @Test
  void readsLagBacklogFreshnessAndIndexSizeFromAScrape() {
    PlatformStatus s = PlatformStatus.from("http://h:1", true, false, PrometheusText.parse(SCRAPE));
    assertThat(s.backlogRecords()).isEqualTo(15);
    assertThat(s.lags().get("ragstream-indexer")).containsEntry("ragstream.changes", 12L);
    assertThat(s.slotLagBytes()).isEqualTo(2048.0);
    assertThat(s.freshness())
        .containsExactly(new PlatformStatus.TableFreshness("public.docs", 0.42, 1.9, 2.25, 40));
    assertThat(s.documents()).isEqualTo(5183.0);
    assertThat(s.deadLetters()).containsEntry("indexer", 2.0).containsEntry("normalizer", 5.0);

    StringWriter text = new StringWriter();
    StatusCommand.print(new PrintWriter(text), s);
    assertThat(text.toString())
        .contains("catching up (not ready)")
        .contains("15 changes not yet indexed")
        .contains("2.0 KiB")
        .contains("p50 420 ms  p99 1.90 s  max 2.25 s  (40 changes since start)")
        .contains("5183 documents, 6120 points");
  }

  @Test
  void parsesEscapedLabelValuesAndSpecialFloats() {
    PrometheusText t =
        PrometheusText.parse(
            "m{a=\"x\\\"y\",b=\"z\"} +Inf\nn NaN 1700000000\n# c\nnot a sample line\n");
    assertThat(t.series("m").get(0).labels()).containsEntry("a", "x\"y").containsEntry("b", "z");
    assertThat(t.series("m").get(0).value()).isInfinite();
    assertThat(t.series("n").get(0).value()).isNaN();
    assertThat(t.names()).containsExactly("m", "n");
  }
}
