package io.ragstream.cli.status;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code ragstream status} reports, read from the platform's {@code GET /metrics}, {@code
 * /ready} and {@code /health}. A figure is NaN when its series is absent.
 *
 * @param url the gateway
 * @param live {@code GET /health} answered 200
 * @param ready {@code GET /ready} answered 200 (the index has caught up with the source)
 * @param lags consumer lag in records per {@code group → topic} ({@code
 *     ragstream_kafka_consumer_lag_records})
 * @param backlogRecords the sum of {@code lags}: changes captured but not yet indexed (up to one
 *     checkpoint interval of them may already be searchable, the indexer commits on checkpoints)
 * @param slotLagBytes WAL the replication slot has not confirmed yet ({@code
 *     ragstream_cdc_slot_lag_bytes}, summed over slots): changes not yet captured
 * @param freshness per source table, commit → searchable over the last minutes
 * @param documents live documents in the index
 * @param points live points
 * @param lastCommittedAgeSeconds age of the newest source commit applied (the {@code asOf})
 * @param deadLetters dead letters per stage ({@code ragstream_dlq_records_total})
 */
public record PlatformStatus(
    String url,
    boolean live,
    boolean ready,
    Map<String, Map<String, Long>> lags,
    long backlogRecords,
    double slotLagBytes,
    List<TableFreshness> freshness,
    double documents,
    double points,
    double lastCommittedAgeSeconds,
    Map<String, Double> deadLetters) {

  /**
   * Freshness of one table: quantiles of commit → searchable over the window of {@code
   * ragstream_freshness_recent_seconds} (5 minutes), and the count since start.
   *
   * @param table {@code schema.table}
   * @param p50Seconds median, NaN when no change was indexed in the window
   * @param p99Seconds 99th percentile, NaN likewise
   * @param maxSeconds the largest in the window ({@code ragstream_freshness_seconds_max})
   * @param changes changes indexed since the platform started
   */
  public record TableFreshness(
      String table, double p50Seconds, double p99Seconds, double maxSeconds, long changes) {}

  /**
   * The status from a scrape of {@code /metrics} and the answers of {@code /health}, {@code
   * /ready}.
   */
  public static PlatformStatus from(String url, boolean live, boolean ready, PrometheusText m) {
    Map<String, Map<String, Long>> lags = new TreeMap<>();
    long backlog = 0;
    for (var s : m.series("ragstream_kafka_consumer_lag_records")) {
      long v = (long) s.value();
      lags.computeIfAbsent(s.label("group"), g -> new TreeMap<>()).put(s.label("topic"), v);
      backlog += v;
    }
    Map<String, TableFreshness> tables = new TreeMap<>();
    for (var s : m.series("ragstream_freshness_seconds_count")) {
      String table = s.label("table");
      tables.put(
          table,
          new TableFreshness(
              table,
              quantile(m, table, "0.5"),
              quantile(m, table, "0.99"),
              first(
                  m.series("ragstream_freshness_seconds_max", x -> x.label("table").equals(table))),
              (long) s.value()));
    }
    Map<String, Double> dlq = new TreeMap<>();
    m.series("ragstream_dlq_records_total")
        .forEach(s -> dlq.merge(s.label("stage"), s.value(), Double::sum));
    return new PlatformStatus(
        url,
        live,
        ready,
        lags,
        backlog,
        m.sum("ragstream_cdc_slot_lag_bytes"),
        List.copyOf(tables.values()),
        m.sum("ragstream_index_documents"),
        m.sum("ragstream_index_points"),
        m.sum("ragstream_index_last_committed_age_seconds"),
        dlq);
  }

  private static double quantile(PrometheusText m, String table, String q) {
    return first(
        m.series(
            "ragstream_freshness_recent_seconds",
            s -> s.label("table").equals(table) && s.label("quantile").equals(q)));
  }

  private static double first(List<PrometheusText.Sample> samples) {
    return samples.isEmpty() ? Double.NaN : samples.get(0).value();
  }
}
