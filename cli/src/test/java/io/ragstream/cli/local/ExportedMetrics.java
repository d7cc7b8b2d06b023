package io.ragstream.cli.local;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The series the local platform exports on {@code GET /metrics} that dashboards may name: checked
 * against a live scrape by {@link TelemetryIT} and against the Grafana dashboard by {@link
 * DashboardTest}, so a renamed metric breaks a test instead of a panel.
 */
final class ExportedMetrics {
  private ExportedMetrics() {}

  /** Series names (as scraped, with {@code _bucket}, {@code _count}, ... suffixes). */
  static final Set<String> NAMES =
      Set.of(
          // platform (PlatformMetrics)
          "ragstream_ready",
          "ragstream_kafka_consumer_lag_records",
          "ragstream_index_documents",
          "ragstream_index_points",
          "ragstream_index_tombstones",
          "ragstream_index_last_committed_age_seconds",
          "ragstream_index_last_committed_timestamp_seconds",
          "ragstream_dlq_records_total",
          // CDC slot (ReplicationSlotMetrics)
          "ragstream_cdc_slot_lag_bytes",
          "ragstream_cdc_slot_retained_wal_bytes",
          // freshness (FreshnessMetrics)
          "ragstream_freshness_seconds_bucket",
          "ragstream_freshness_seconds_count",
          "ragstream_freshness_seconds_sum",
          "ragstream_freshness_seconds_max",
          "ragstream_freshness_recent_seconds",
          "ragstream_freshness_stage_seconds_count",
          "ragstream_freshness_stage_seconds_sum",
          // indexing job (MicrometerReporter)
          "ragstream_index_updates_applied_total",
          "ragstream_index_updates_stale_total",
          "ragstream_indexer_reembed_skipped_total",
          "ragstream_embedder_chunks_total",
          "ragstream_embedder_batch_seconds_count",
          "ragstream_embedder_batch_seconds_sum",
          "ragstream_store_apply_seconds_count",
          "ragstream_store_apply_seconds_sum",
          "ragstream_indexer_checkpoint_duration_seconds",
          "ragstream_indexer_checkpoints_completed",
          "ragstream_indexer_checkpoints_failed",
          "ragstream_indexer_restarts",
          // gateway (GatewayMetrics)
          "ragstream_gateway_query_seconds_bucket",
          "ragstream_gateway_query_seconds_count",
          "ragstream_gateway_first_token_seconds_bucket",
          "ragstream_gateway_websocket_connections",
          "ragstream_gateway_events_dropped_total",
          "jvm_memory_used_bytes",
          "process_resident_memory_bytes");

  /**
   * The retraining loop's series (drift job, trainer trigger, trainer, gateway query adapters):
   * exported when query events are on ({@code gateway.events}); checked against a live scrape by
   * {@link RetrainingLoopIT}, which runs that loop.
   */
  static final Set<String> RETRAINING_NAMES =
      Set.of(
          // drift job (Flink gauges through MicrometerReporter)
          "ragstream_drift_value",
          // trainer trigger (TriggerMetrics)
          "ragstream_training_jobs_requested_total",
          "ragstream_trigger_labelled_pairs",
          "ragstream_trigger_running_jobs",
          // trainer (TrainingJobRunner)
          "ragstream_training_jobs_total",
          "ragstream_training_jobs_malformed_total",
          "ragstream_training_job_duration_seconds_count",
          "ragstream_training_job_duration_seconds_sum",
          "ragstream_training_job_duration_seconds_max",
          // gateway (QueryAdapters)
          "ragstream_query_adapter_info",
          "ragstream_query_adapter_swaps_total",
          "ragstream_query_adapter_load_failures_total");

  /**
   * Series a dashboard may name that no test run can be relied on to produce: the permutation
   * p-value exists only for MMD series, whose first window needs more embeddings than a test
   * indexes (docs/drift.md); MicrometerReporterTest checks its exported name.
   */
  static final Set<String> UNSCRAPED_NAMES = Set.of("ragstream_drift_p_value");

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*\\}");
  private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*\\]");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> KEYWORDS =
      Set.of(
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "bool",
          "and",
          "or",
          "unless",
          "offset",
          "inf",
          "nan",
          "e");

  /**
   * The metric names a PromQL expression selects: identifiers outside strings, label matchers,
   * ranges and grouping clauses that are not function calls, keywords or numbers.
   */
  static Set<String> metricNames(String promql) {
    String s = STRING.matcher(promql).replaceAll(" ");
    s = MATCHERS.matcher(s).replaceAll(" ");
    s = RANGE.matcher(s).replaceAll(" ");
    s = GROUPING.matcher(s).replaceAll(" ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENT.matcher(s);
    while (m.find()) {
      String id = m.group();
      int end = m.end();
      while (end < s.length() && Character.isWhitespace(s.charAt(end))) end++;
      boolean call = end < s.length() && s.charAt(end) == '(';
      boolean number = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
      if (!call && !number && !KEYWORDS.contains(id.toLowerCase(java.util.Locale.ROOT))) {
        names.add(id);
      }
    }
    return names;
  }

  /** Every {@code expr} of the dashboard's panel targets. */
  static List<String> expressions(com.fasterxml.jackson.databind.JsonNode dashboard) {
    List<String> out = new ArrayList<>();
    dashboard
        .findValues("targets")
        .forEach(
            t ->
                t.forEach(
                    target -> {
                      if (target.hasNonNull("expr")) out.add(target.get("expr").asText());
                    }));
    return out;
  }
}
