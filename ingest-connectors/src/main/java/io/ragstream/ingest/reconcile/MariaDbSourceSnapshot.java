package io.ragstream.ingest.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.SourceInfo;
import io.ragstream.ingest.cdc.internal.MariaDbCatalog;
import io.ragstream.ingest.config.MariaDbSourceConfig;
import io.ragstream.ingest.config.TableMapping;
import io.ragstream.ingest.normalize.internal.BinlogVersion;
import io.ragstream.ingest.normalize.internal.DebeziumChangeMapper;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@link SourceSnapshot} of a MariaDB source: a {@code START TRANSACTION WITH CONSISTENT
 * SNAPSHOT} read-only transaction and, as its repair horizon, the binlog position that MariaDB
 * reports for exactly that snapshot ({@code binlog_snapshot_file} / {@code
 * binlog_snapshot_position}, MariaDB's consistent-snapshot status variables), packed like every
 * change version ({@link BinlogVersion#horizon}).
 *
 * <p>The binlog is written in commit order and a transaction's events follow its position, so every
 * change the snapshot shows sits before the horizon and every change it does not show at or after
 * it; repairs carry {@code base - 2} and {@code base - 1} (no rows event is one or two bytes long,
 * so no change version lies in between). No lock and no waiting is needed, unlike PostgreSQL.
 * Before the snapshot it writes one row to {@value #MARKER_TABLE} (created if missing), so the
 * horizon also lies after the versions of Debezium's own snapshot reads, which carry the binlog
 * position of their snapshot: on a quiet server that is still the current position. MySQL has no
 * such status variables: it is refused with a clear message.
 *
 * <p>Rows are read with the mapper's rendering: id, title, body and tenant as text ({@code CAST(...
 * AS CHAR)}), the ACL as a JSON array of strings (NULL elements dropped), metadata as text.
 */
public final class MariaDbSourceSnapshot extends JdbcSourceSnapshot {
  /**
   * A one-row table in the source database that every snapshot writes first, so its horizon lies
   * after every change already indexed (not a mapped table: Debezium does not capture it).
   */
  public static final String MARKER_TABLE = "ragstream_reconcile_horizon";

  private final MariaDbSourceConfig config;

  private MariaDbSourceSnapshot(
      MariaDbSourceConfig config, Connection connection, long base, long snapshotAt) {
    super(connection, base, snapshotAt);
    this.config = config;
  }

  /**
   * Opens the snapshot and reads its binlog position.
   *
   * @throws RagstreamException when the database cannot be read or reports no snapshot position
   */
  public static MariaDbSourceSnapshot open(MariaDbSourceConfig config) {
    Connection c = null;
    try {
      c = new MariaDbCatalog(config).connect();
      c.setAutoCommit(true);
      try (Statement st = c.createStatement()) {
        // Move the binlog past every version already indexed: snapshot reads carry the binlog
        // position of their snapshot, which on a quiet server is still the current position.
        String marker = "`" + config.database().replace("`", "``") + "`." + MARKER_TABLE;
        st.execute(
            "CREATE TABLE IF NOT EXISTS " + marker + " (id INT PRIMARY KEY, at TIMESTAMP(3) NULL)");
        st.execute("REPLACE INTO " + marker + " VALUES (1, NOW(3))");
        st.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
        st.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
      }
      String file = null;
      long position = -1;
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SHOW STATUS LIKE 'binlog_snapshot_%'")) {
        while (rs.next()) {
          switch (rs.getString(1).toLowerCase()) {
            case "binlog_snapshot_file" -> file = rs.getString(2);
            case "binlog_snapshot_position" -> position = Long.parseLong(rs.getString(2));
            default -> {}
          }
        }
      }
      if (file == null || file.isBlank() || position < 0) {
        throw new RagstreamException(
            "the source reports no binlog_snapshot_file/position: reconcile needs MariaDB with"
                + " log_bin on (MySQL has no consistent-snapshot binlog position)");
      }
      long snapshotAt;
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)")) {
        rs.next();
        snapshotAt = rs.getLong(1);
      }
      return new MariaDbSourceSnapshot(
          config, c, BinlogVersion.horizon(file, position), snapshotAt);
    } catch (SQLException e) {
      closeQuietly(c);
      throw new RagstreamException(
          "cannot open a snapshot of " + config.jdbcUrl() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  @Override
  public SourceInfo sourceInfo(TableMapping table) {
    return new SourceInfo(config.kind().connector(), table.schema(), table.schema(), table.table());
  }

  @Override
  public String documentIdPrefix(TableMapping table) {
    return DebeziumChangeMapper.documentId(config.kind(), table, "");
  }

  @Override
  List<String> readAcl(TableMapping table, ResultSet rs, int index) throws SQLException {
    String json = rs.getString(index);
    List<String> acl = new ArrayList<>();
    if (json == null) {
      return acl;
    }
    try {
      JsonNode n = Json.mapper().readTree(json);
      if (n != null && n.isArray()) {
        for (JsonNode p : n) {
          if (p.isTextual()) {
            acl.add(p.asText());
          }
        }
      }
      return acl;
    } catch (IOException e) {
      throw new RagstreamException(
          "acl column of " + table.qualifiedName() + " holds no JSON array: " + e.getMessage(), e);
    }
  }

  @Override
  public Set<String> existing(TableMapping table, Collection<String> ids) {
    if (ids.isEmpty()) {
      return Set.of();
    }
    String marks = String.join(", ", java.util.Collections.nCopies(ids.size(), "?"));
    String sql =
        "SELECT "
            + text(table.idColumn())
            + " FROM "
            + qualified(table)
            + " WHERE "
            + quote(table.idColumn())
            + " IN ("
            + marks
            + ")";
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      int i = 1;
      for (String id : ids) {
        ps.setString(i++, id);
      }
      Set<String> found = new HashSet<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(rs.getString(1));
        }
      }
      return found;
    } catch (SQLException e) {
      throw new RagstreamException(
          "cannot look up ids in " + table.qualifiedName() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try (Statement st = connection.createStatement()) {
      st.execute("ROLLBACK");
    } catch (SQLException e) {
      // closing anyway
    }
    closeQuietly(connection);
  }

  @Override
  String text(String column) {
    return "CAST(" + quote(column) + " AS CHAR)";
  }

  @Override
  String acl(String column) {
    return text(column);
  }

  @Override
  String qualified(TableMapping table) {
    return quote(table.schema()) + "." + quote(table.table());
  }

  @Override
  String documentId(TableMapping table, String id) {
    return DebeziumChangeMapper.documentId(config.kind(), table, id);
  }

  private static String quote(String identifier) {
    return "`" + identifier.replace("`", "``") + "`";
  }
}
