package io.ragstream.ingest.reconcile;

import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.model.SourceInfo;
import io.ragstream.ingest.cdc.internal.PostgresCatalog;
import io.ragstream.ingest.config.PostgresSourceConfig;
import io.ragstream.ingest.config.TableMapping;
import io.ragstream.ingest.normalize.internal.DebeziumChangeMapper;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A consistent, read-only view of the mapped PostgreSQL tables for {@code reconcile}, and the
 * versions that let its repairs take part in the indexing job's version guard safely.
 *
 * <p><b>Repair horizon.</b> {@link #open} reads {@code base = pg_current_wal_insert_lsn()}, then
 * waits until every transaction that was running at that moment has ended, then opens a {@code
 * REPEATABLE READ READ ONLY} transaction. Every change record written before {@code base} belongs
 * to a transaction that has ended by then, so the snapshot shows it (or it rolled back); every
 * change the snapshot does not show is written at or after {@code base}. Repair changes therefore
 * carry versions just below {@code base} ({@link #deleteVersion()} = base - 2 and {@link
 * #upsertVersion()} = base - 1): newer than every change the snapshot shows (WAL records start 8
 * bytes apart and are at least 24 bytes long, so no record starts at base - 2 or base - 1), and
 * older than every change it does not show, which the pipeline therefore still applies after the
 * repair. The same idea as the consistent point of PostgreSQL's logical decoding snapshot builder
 * ({@code snapbuild.c}) and the watermarks of DBLog (Andreas Andreakis, Ioannis Papapanagiotou,
 * 2020).
 *
 * <p>Rows are read through the table's mapping with the rendering of {@link DebeziumChangeMapper}:
 * the id, title, body and tenant as text, the ACL as {@code text[]} without NULL elements, metadata
 * columns as text (PostgreSQL's text form, which for non-text types such as timestamps differs from
 * Debezium's JSON form). Rows are streamed with a cursor ({@value #FETCH_SIZE} at a time), never
 * loaded at once. Not thread-safe; close it to end the transaction.
 */
public final class PostgresSourceSnapshot extends JdbcSourceSnapshot {
  private static final String CONNECTOR = "postgresql";

  private final PostgresSourceConfig config;
  private final Map<String, String> idTypes = new HashMap<>();

  private PostgresSourceSnapshot(
      PostgresSourceConfig config, Connection connection, long base, long snapshotAt) {
    super(connection, base, snapshotAt);
    this.config = config;
  }

  /**
   * Takes the repair horizon, waits for the transactions running at it (at most {@code
   * maxWaitForTransactions}), and opens the snapshot.
   *
   * @throws RagstreamException when the database cannot be read, or a transaction that was running
   *     at the horizon is still running after {@code maxWaitForTransactions} (named in the message)
   */
  public static PostgresSourceSnapshot open(
      PostgresSourceConfig config, Duration maxWaitForTransactions) throws InterruptedException {
    Connection c = null;
    try {
      c = new PostgresCatalog(config).connect();
      c.setAutoCommit(true);
      long base;
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("select pg_current_wal_insert_lsn() - '0/0'::pg_lsn")) {
        rs.next();
        base = rs.getBigDecimal(1).longValueExact();
      }
      List<String> running = new ArrayList<>();
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("select pg_snapshot_xip(pg_current_snapshot())::text")) {
        while (rs.next()) {
          running.add(rs.getString(1));
        }
      }
      awaitEnd(c, running, maxWaitForTransactions);
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      long snapshotAt;
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("select (extract(epoch from now()) * 1000)::bigint")) {
        rs.next(); // the first statement fixes the transaction's snapshot
        snapshotAt = rs.getLong(1);
      }
      return new PostgresSourceSnapshot(config, c, base, snapshotAt);
    } catch (SQLException e) {
      closeQuietly(c);
      throw new RagstreamException(
          "cannot open a snapshot of " + config.jdbcUrl() + ": " + e.getMessage(), e);
    } catch (RuntimeException | InterruptedException e) {
      closeQuietly(c);
      throw e;
    }
  }

  private static void awaitEnd(Connection c, List<String> xids, Duration maxWait)
      throws SQLException, InterruptedException {
    if (xids.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + maxWait.toNanos();
    try (PreparedStatement ps =
        c.prepareStatement(
            "select x::text from unnest(?::xid8[]) x where pg_xact_status(x) = 'in progress'")) {
      ps.setArray(1, c.createArrayOf("text", xids.toArray()));
      while (true) {
        List<String> still = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            still.add(rs.getString(1));
          }
        }
        if (still.isEmpty()) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new RagstreamException(
              "transactions "
                  + still
                  + " have been running since before the reconcile started and are still running"
                  + " after "
                  + maxWait
                  + "; a repair must not race them (see pg_stat_activity.backend_xid), retry"
                  + " when they have ended or raise --wait-for-transactions");
        }
        Thread.sleep(50); // polling pg_xact_status: PostgreSQL has no wait-for-xid function
      }
    }
  }

  @Override
  public SourceInfo sourceInfo(TableMapping table) {
    return new SourceInfo(CONNECTOR, config.database(), table.schema(), table.table());
  }

  @Override
  public String documentIdPrefix(TableMapping table) {
    return DebeziumChangeMapper.documentId(table, "");
  }

  /**
   * The ids among {@code ids} (the text form of {@code table}'s id column) that the snapshot has a
   * row for; one indexed lookup per call.
   */
  @Override
  public Set<String> existing(TableMapping table, Collection<String> ids) {
    if (ids.isEmpty()) {
      return Set.of();
    }
    try (PreparedStatement ps =
        connection.prepareStatement(
            "select "
                + quote(table.idColumn())
                + "::text from "
                + qualified(table)
                + " where "
                + quote(table.idColumn())
                + " = any(?::text[]::"
                + idType(table)
                + "[])")) {
      ps.setArray(1, connection.createArrayOf("text", ids.toArray()));
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

  /** The SQL type of the id column, e.g. {@code bigint} or {@code text}. */
  private String idType(TableMapping table) throws SQLException {
    String cached = idTypes.get(table.qualifiedName());
    if (cached != null) {
      return cached;
    }
    try (PreparedStatement ps =
        connection.prepareStatement(
            "select format_type(a.atttypid, a.atttypmod) from pg_attribute a"
                + " where a.attrelid = ?::regclass and a.attname = ? and not a.attisdropped")) {
      ps.setString(1, qualified(table));
      ps.setString(2, table.idColumn());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new RagstreamException(
              "id column '" + table.idColumn() + "' not found in " + table.qualifiedName());
        }
        idTypes.put(table.qualifiedName(), rs.getString(1));
        return rs.getString(1);
      }
    }
  }

  @Override
  String text(String column) {
    return quote(column) + "::text";
  }

  @Override
  String acl(String column) {
    return quote(column) + "::text[]";
  }

  @Override
  List<String> readAcl(TableMapping table, ResultSet rs, int index) throws SQLException {
    List<String> acl = new ArrayList<>();
    Array array = rs.getArray(index);
    if (array != null) {
      for (Object principal : (Object[]) array.getArray()) {
        if (principal != null) {
          acl.add(principal.toString());
        }
      }
    }
    return acl;
  }

  @Override
  String qualified(TableMapping table) {
    return quote(table.schema()) + "." + quote(table.table());
  }

  @Override
  String documentId(TableMapping table, String id) {
    return DebeziumChangeMapper.documentId(table, id);
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
