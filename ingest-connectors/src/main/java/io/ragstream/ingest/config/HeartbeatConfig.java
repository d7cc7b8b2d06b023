package io.ragstream.ingest.config;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Heartbeats of the PostgreSQL CDC source: every {@code interval} Debezium runs {@code
 * heartbeat.action.query}, an upsert of this slot's row in a small heartbeat table that is part of
 * the publication. The resulting change event lets the connector acknowledge (flush) the current
 * WAL position to the replication slot even when the mapped tables are quiet while other tables of
 * the database are busy; without it the slot's {@code confirmed_flush_lsn} stays where the last
 * mapped change was and PostgreSQL keeps all WAL written since.
 *
 * <p>The table ({@code slot_name text primary key, beat_at timestamptz}) is created if missing, one
 * row per replication slot, so several sources may share it. Its change events are consumed inside
 * the source and never written to Kafka.
 *
 * @param enabled whether heartbeats run (default true)
 * @param interval time between heartbeats, at least {@value #MIN_INTERVAL_MS} ms (default {@link
 *     #DEFAULT_INTERVAL})
 * @param schema schema of the heartbeat table (default {@value #DEFAULT_SCHEMA})
 * @param table heartbeat table name (default {@value #DEFAULT_TABLE})
 * @throws IllegalArgumentException naming the field when a value is invalid
 */
public record HeartbeatConfig(boolean enabled, Duration interval, String schema, String table) {

  /** Default time between heartbeats. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

  /** Default schema of the heartbeat table. */
  public static final String DEFAULT_SCHEMA = "public";

  /** Default heartbeat table name. */
  public static final String DEFAULT_TABLE = "ragstream_heartbeat";

  /** Smallest accepted interval, ms. */
  public static final long MIN_INTERVAL_MS = 100;

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

  public HeartbeatConfig {
    Objects.requireNonNull(interval, "source.heartbeat.interval must not be null");
    schema = schema == null ? DEFAULT_SCHEMA : schema;
    table = table == null ? DEFAULT_TABLE : table;
    if (interval.toMillis() < MIN_INTERVAL_MS) {
      throw new IllegalArgumentException(
          "source.heartbeat.interval must be at least " + MIN_INTERVAL_MS + "ms, was " + interval);
    }
    if (!IDENTIFIER.matcher(schema).matches()) {
      throw new IllegalArgumentException(
          "source.heartbeat.table schema must match " + IDENTIFIER + ", was '" + schema + "'");
    }
    if (!IDENTIFIER.matcher(table).matches()) {
      throw new IllegalArgumentException(
          "source.heartbeat.table name must match " + IDENTIFIER + ", was '" + table + "'");
    }
  }

  /** Heartbeats on, every {@link #DEFAULT_INTERVAL}, into {@code public.ragstream_heartbeat}. */
  public static HeartbeatConfig defaults() {
    return new HeartbeatConfig(true, DEFAULT_INTERVAL, DEFAULT_SCHEMA, DEFAULT_TABLE);
  }

  /** No heartbeats (the slot advances only with changes of the mapped tables). */
  public static HeartbeatConfig disabled() {
    return new HeartbeatConfig(false, DEFAULT_INTERVAL, DEFAULT_SCHEMA, DEFAULT_TABLE);
  }

  /**
   * Parses {@code schema.table} (or a bare table name in {@value #DEFAULT_SCHEMA}).
   *
   * @throws IllegalArgumentException when the name is not one or two identifiers
   */
  public static HeartbeatConfig of(boolean enabled, Duration interval, String qualifiedTable) {
    String q = qualifiedTable == null ? DEFAULT_SCHEMA + "." + DEFAULT_TABLE : qualifiedTable;
    int dot = q.indexOf('.');
    return dot < 0
        ? new HeartbeatConfig(enabled, interval, DEFAULT_SCHEMA, q)
        : new HeartbeatConfig(enabled, interval, q.substring(0, dot), q.substring(dot + 1));
  }

  /** {@code schema.table}. */
  public String qualifiedName() {
    return schema + "." + table;
  }
}
