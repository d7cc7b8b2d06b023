package io.ragstream.ingest.cdc.internal;

import io.ragstream.ingest.cdc.SlotState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * Reads one logical replication slot from {@code pg_replication_slots}, with the positions that
 * matter for operating CDC. Blocking JDBC; the caller owns the connection and its timeouts.
 */
public final class ReplicationSlots {
  private ReplicationSlots() {}

  /**
   * The slot named {@code slotName}, or empty if it does not exist.
   *
   * @throws SQLException as the driver reports it
   */
  public static Optional<SlotState> read(Connection c, String slotName) throws SQLException {
    return read(c, slotName, null);
  }

  /**
   * The slot named {@code slotName}, or empty if it does not exist; the query is cancelled after
   * {@code queryTimeout} (whole seconds, at least 1; null = no limit).
   *
   * @throws SQLException as the driver reports it (SQLState 57014 on timeout)
   */
  public static Optional<SlotState> read(Connection c, String slotName, Duration queryTimeout)
      throws SQLException {
    boolean walStatus = c.getMetaData().getDatabaseMajorVersion() >= 13;
    String sql =
        "SELECT slot_name, active, active_pid, "
            + (walStatus ? "wal_status, safe_wal_size, " : "NULL::text, NULL::bigint, ")
            + "pg_wal_lsn_diff(restart_lsn, '0/0')::bigint,"
            + " pg_wal_lsn_diff(confirmed_flush_lsn, '0/0')::bigint,"
            + " pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint,"
            + " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint"
            + " FROM pg_replication_slots WHERE slot_name = ?";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (queryTimeout != null) {
        ps.setQueryTimeout((int) Math.max(1, queryTimeout.toSeconds()));
      }
      ps.setString(1, slotName);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new SlotState(
                rs.getString(1),
                rs.getBoolean(2),
                (Integer) rs.getObject(3),
                rs.getString(4),
                longOrNull(rs, 6),
                longOrNull(rs, 7),
                longOrNull(rs, 8),
                longOrNull(rs, 9),
                longOrNull(rs, 5)));
      }
    }
  }

  /** {@code X/Y} text form of an LSN given as a 64-bit position. */
  public static String format(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase()
        + "/"
        + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
  }

  private static Long longOrNull(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }
}
