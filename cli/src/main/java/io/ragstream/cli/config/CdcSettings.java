package io.ragstream.cli.config;

import io.ragstream.ingest.cdc.ReplicationSlotMetrics;
import io.ragstream.ingest.config.HeartbeatConfig;
import java.time.Duration;
import java.util.List;

/**
 * How the CDC source is operated: heartbeats ({@code source.heartbeat.*}) and the replication-slot
 * metrics poll ({@code source.slot-metrics.interval}). See docs/operations.md.
 *
 * @param heartbeat heartbeat settings
 * @param slotMetricsInterval time between polls of {@code pg_replication_slots}
 */
public record CdcSettings(HeartbeatConfig heartbeat, Duration slotMetricsInterval) {

  /** The keys {@link #from} reads. */
  public static final List<String> KEYS =
      List.of(
          "source.heartbeat.enabled",
          "source.heartbeat.interval",
          "source.heartbeat.table",
          "source.slot-metrics.interval");

  /**
   * Reads and validates the keys.
   *
   * @throws io.ragstream.core.error.ConfigException naming the key whose value is wrong
   */
  public static CdcSettings from(Settings s) {
    boolean enabled = s.bool("source.heartbeat.enabled", true);
    Duration interval = s.duration("source.heartbeat.interval", HeartbeatConfig.DEFAULT_INTERVAL);
    if (interval.toMillis() < HeartbeatConfig.MIN_INTERVAL_MS) {
      throw s.fail(
          "source.heartbeat.interval",
          interval.toString(),
          "must be at least " + HeartbeatConfig.MIN_INTERVAL_MS + "ms");
    }
    String table =
        s.string(
            "source.heartbeat.table",
            HeartbeatConfig.DEFAULT_SCHEMA + "." + HeartbeatConfig.DEFAULT_TABLE);
    HeartbeatConfig heartbeat;
    try {
      heartbeat = HeartbeatConfig.of(enabled, interval, table.strip());
    } catch (IllegalArgumentException e) {
      throw s.fail("source.heartbeat.table", table, "is not schema.table: " + e.getMessage());
    }
    Duration poll =
        s.duration("source.slot-metrics.interval", ReplicationSlotMetrics.DEFAULT_POLL_INTERVAL);
    if (poll.toMillis() < 100) {
      throw s.fail("source.slot-metrics.interval", poll.toString(), "must be at least 100ms");
    }
    return new CdcSettings(heartbeat, poll);
  }
}
