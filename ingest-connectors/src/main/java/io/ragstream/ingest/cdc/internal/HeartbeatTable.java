package io.ragstream.ingest.cdc.internal;

import io.ragstream.ingest.config.HeartbeatConfig;
import io.ragstream.ingest.config.PostgresSourceConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heartbeat table of {@link HeartbeatConfig}: its DDL, Debezium's heartbeat settings for it,
 * and its removal on teardown.
 *
 * <p>Table: {@code slot_name text PRIMARY KEY, beat_at timestamptz NOT NULL}, one row per
 * replication slot. A table this class created carries the comment {@value #OWNER_COMMENT}; only
 * such a table is ever dropped, and only when no other slot's row is left in it.
 */
public final class HeartbeatTable {
  private static final Logger LOG = LoggerFactory.getLogger(HeartbeatTable.class);

  /** Comment that marks a heartbeat table created by ragstream. */
  public static final String OWNER_COMMENT = "ragstream CDC heartbeat table (created by ragstream)";

  /** Prefix of Debezium's heartbeat topics ({@code topic.heartbeat.prefix}). */
  public static final String HEARTBEAT_TOPIC_PREFIX = "__debezium-heartbeat";

  private final HeartbeatConfig heartbeat;
  private final PostgresSourceConfig source;

  public HeartbeatTable(HeartbeatConfig heartbeat, PostgresSourceConfig source) {
    this.heartbeat = heartbeat;
    this.source = source;
  }

  /** Topic of Debezium's own heartbeat records ({@code __debezium-heartbeat.<topic prefix>}). */
  public String heartbeatTopic() {
    return HEARTBEAT_TOPIC_PREFIX + "." + source.topicPrefix();
  }

  /** Topic Debezium writes the heartbeat table's change events to. */
  public String tableTopic() {
    return source.topicPrefix() + "." + heartbeat.qualifiedName();
  }

  /**
   * The upsert Debezium runs every interval ({@code heartbeat.action.query}). The slot name is a
   * literal: slot names are {@code [a-z0-9_]} only ({@link PostgresSourceConfig}).
   */
  public String actionQuery() {
    return "INSERT INTO "
        + quotedName()
        + " (slot_name, beat_at) VALUES ('"
        + source.slotName()
        + "', now()) ON CONFLICT (slot_name) DO UPDATE SET beat_at = EXCLUDED.beat_at";
  }

  /**
   * Adds the heartbeat settings to Debezium's {@code properties}: interval, action query, the
   * heartbeat topic prefix, and the table in {@code table.include.list} (so Debezium's filtered
   * publication includes it and its changes reach the connector).
   */
  public void configure(Properties properties) {
    properties.setProperty("heartbeat.interval.ms", Long.toString(heartbeat.interval().toMillis()));
    properties.setProperty("heartbeat.action.query", actionQuery());
    properties.setProperty("topic.heartbeat.prefix", HEARTBEAT_TOPIC_PREFIX);
    String include = properties.getProperty("table.include.list", "");
    String self = heartbeat.schema() + "\\." + heartbeat.table();
    properties.setProperty("table.include.list", include.isEmpty() ? self : include + "," + self);
  }

  /**
   * Creates the table if it does not exist (marked with {@link #OWNER_COMMENT}) and writes this
   * slot's row, so the table holds data before the first heartbeat.
   *
   * @return true if the table was created now
   */
  public boolean createIfMissing(Connection c) throws SQLException {
    for (int attempt = 1; ; attempt++) {
      try {
        boolean created = false;
        if (!exists(c)) {
          try (Statement st = c.createStatement()) {
            st.execute(
                "CREATE TABLE "
                    + quotedName()
                    + " (slot_name text PRIMARY KEY, beat_at timestamptz NOT NULL)");
            st.execute("COMMENT ON TABLE " + quotedName() + " IS '" + OWNER_COMMENT + "'");
          }
          created = true;
          LOG.info("Created heartbeat table {}", heartbeat.qualifiedName());
        }
        try (Statement st = c.createStatement()) {
          st.execute(actionQuery());
        }
        return created;
      } catch (SQLException e) {
        // 42P07 / 23505: another source created it at the same moment; 42P01: another source's
        // teardown dropped it between our check and our insert. Look again.
        String state = String.valueOf(e.getSQLState());
        boolean race = state.equals("42P07") || state.equals("23505") || state.equals("42P01");
        if (!race || attempt >= 3) {
          throw e;
        }
      }
    }
  }

  /**
   * Teardown: deletes this slot's row and drops the table if ragstream created it and no other
   * slot's row is left. Does nothing when the table does not exist.
   *
   * @return true if the table was dropped
   */
  public boolean removeSlot(Connection c) throws SQLException {
    if (!exists(c)) {
      return false;
    }
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      try (PreparedStatement ps =
          c.prepareStatement("DELETE FROM " + quotedName() + " WHERE slot_name = ?")) {
        ps.setString(1, source.slotName());
        ps.executeUpdate();
      }
      boolean drop = false;
      if (OWNER_COMMENT.equals(comment(c))) {
        try (Statement st = c.createStatement()) {
          // Blocks other sources' first heartbeat until the decision is committed.
          st.execute("LOCK TABLE " + quotedName() + " IN ACCESS EXCLUSIVE MODE");
          try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + quotedName())) {
            rs.next();
            drop = rs.getLong(1) == 0;
          }
          if (drop) {
            st.execute("DROP TABLE " + quotedName());
          }
        }
      }
      c.commit();
      if (drop) {
        LOG.info("Dropped heartbeat table {}", heartbeat.qualifiedName());
      }
      return drop;
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /** Whether the table exists. */
  public boolean exists(Connection c) throws SQLException {
    return oid(c) != null;
  }

  private Long oid(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')")) {
      ps.setString(1, heartbeat.schema());
      ps.setString(2, heartbeat.table());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : null;
      }
    }
  }

  private String comment(Connection c) throws SQLException {
    Long oid = oid(c);
    if (oid == null) {
      return null;
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT obj_description(?::oid, 'pg_class')")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private String quotedName() {
    return quote(heartbeat.schema()) + "." + quote(heartbeat.table());
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
