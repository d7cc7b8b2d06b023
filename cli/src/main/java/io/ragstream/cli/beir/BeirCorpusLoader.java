package io.ragstream.cli.beir;

import java.sql.Array;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongConsumer;

/**
 * Upserts BEIR corpus documents into the source table, which stands in for the enterprise database
 * that ragstream captures with Debezium.
 *
 * <p>The table has DESIGN.md's schema ({@code id text primary key, title text, body text, tenant
 * text, acl text[], updated_at timestamptz}) and is created when missing. A document becomes the
 * row (id = BEIR {@code _id}, title = BEIR title, body = BEIR text, the given tenant and ACL,
 * updated_at = now()). The upsert only writes rows whose title, body, tenant or ACL differ from the
 * stored ones, so re-loading unchanged data changes no row and produces no CDC event.
 *
 * <p>Documents are written in JDBC batches, one transaction per batch; a failed batch is rolled
 * back and the load stops (earlier batches stay committed; re-running is safe because the upsert is
 * idempotent). Not thread-safe; the caller owns the connection.
 */
public final class BeirCorpusLoader {
  static final Set<String> COLUMNS = Set.of("id", "title", "body", "tenant", "acl", "updated_at");

  private final SourceTable table;
  private final String tenant;
  private final List<String> acl;
  private final int batchSize;

  /**
   * @param table the target table
   * @param tenant the tenant written to every row; never blank
   * @param acl the principals written to every row's {@code acl}; non-empty, none blank
   * @param batchSize documents per JDBC batch and transaction, at least 1
   * @throws IllegalArgumentException naming the bad value
   */
  public BeirCorpusLoader(SourceTable table, String tenant, List<String> acl, int batchSize) {
    this.table = Objects.requireNonNull(table, "table");
    if (tenant == null || tenant.isBlank())
      throw new IllegalArgumentException("tenant must not be blank");
    if (acl == null || acl.isEmpty())
      throw new IllegalArgumentException("acl must name at least one principal");
    for (String principal : acl) {
      if (principal == null || principal.isBlank()) {
        throw new IllegalArgumentException("acl must not contain a blank principal, was " + acl);
      }
    }
    if (batchSize < 1)
      throw new IllegalArgumentException("batch size must be >= 1, was " + batchSize);
    this.tenant = tenant;
    this.acl = List.copyOf(acl);
    this.batchSize = batchSize;
  }

  /**
   * Creates the table if it does not exist and checks that it has the required columns.
   *
   * @return true if the table was created
   * @throws SQLException from the database, or with a message naming the missing columns
   */
  public boolean ensureTable(Connection connection) throws SQLException {
    boolean existed = !columns(connection).isEmpty();
    table.createIfMissing(connection);
    Set<String> missing = new TreeSet<>(COLUMNS);
    missing.removeAll(columns(connection));
    if (!missing.isEmpty()) {
      throw new SQLException(
          "table "
              + table
              + " exists but lacks the column(s) "
              + missing
              + "; expected (id text primary key, title text, body text, tenant text, acl text[],"
              + " updated_at timestamptz)");
    }
    return !existed;
  }

  /**
   * Upserts {@code documents} in batches.
   *
   * @param progress called after each committed batch with the number of documents in it
   * @return counts and elapsed time
   * @throws SQLException from the database (the current batch is rolled back); for a failed batch
   *     the message carries the server's reason
   * @throws IllegalArgumentException if a document contains a NUL character, which PostgreSQL text
   *     cannot store
   */
  public LoadResult load(
      Connection connection, Iterator<BeirDocument> documents, LongConsumer progress)
      throws SQLException {
    long start = System.nanoTime();
    String sql =
        "INSERT INTO "
            + table.quoted()
            + " AS t (id, title, body, tenant, acl, updated_at)"
            + " VALUES (?, ?, ?, ?, ?, now())"
            + " ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body,"
            + " tenant = EXCLUDED.tenant, acl = EXCLUDED.acl, updated_at = now()"
            + " WHERE (t.title, t.body, t.tenant, t.acl)"
            + " IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.body, EXCLUDED.tenant, EXCLUDED.acl)";
    boolean autoCommit = connection.getAutoCommit();
    long total = 0;
    long changed = 0;
    connection.setAutoCommit(false);
    try (PreparedStatement upsert = connection.prepareStatement(sql)) {
      Array aclArray = connection.createArrayOf("text", acl.toArray(String[]::new));
      List<String> batchIds = new ArrayList<>(batchSize);
      while (documents.hasNext()) {
        BeirDocument document = documents.next();
        requireNoNul(document);
        upsert.setString(1, document.id());
        upsert.setString(2, document.title());
        upsert.setString(3, document.text());
        upsert.setString(4, tenant);
        upsert.setArray(5, aclArray);
        upsert.addBatch();
        batchIds.add(document.id());
        if (batchIds.size() == batchSize) {
          changed += executeBatch(connection, upsert, batchIds);
          total += batchIds.size();
          progress.accept(batchIds.size());
          batchIds.clear();
        }
      }
      if (!batchIds.isEmpty()) {
        changed += executeBatch(connection, upsert, batchIds);
        total += batchIds.size();
        progress.accept(batchIds.size());
      }
    } catch (RuntimeException | SQLException e) {
      // e.g. a malformed corpus line mid-batch: leave nothing half-done before restoring
      // auto-commit (which would commit an open transaction).
      rollbackQuietly(connection, e);
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
    return new LoadResult(total, changed, Duration.ofNanos(System.nanoTime() - start));
  }

  private static long executeBatch(
      Connection connection, PreparedStatement upsert, List<String> ids) throws SQLException {
    try {
      int[] counts = upsert.executeBatch();
      connection.commit();
      long changed = 0;
      for (int count : counts) {
        // 1 = inserted or updated, 0 = unchanged (the WHERE clause skipped it);
        // SUCCESS_NO_INFO (-2) means the driver does not know, count it as changed.
        if (count != 0) changed++;
      }
      return changed;
    } catch (SQLException e) {
      rollbackQuietly(connection, e);
      SQLException reason =
          e instanceof BatchUpdateException && e.getNextException() != null
              ? e.getNextException()
              : e;
      throw new SQLException(
          "batch of "
              + ids.size()
              + " documents (ids "
              + ids.get(0)
              + " .. "
              + ids.get(ids.size() - 1)
              + ") failed and was rolled back: "
              + reason.getMessage(),
          reason.getSQLState(),
          e);
    }
  }

  private static void rollbackQuietly(Connection connection, Exception failure) {
    try {
      connection.rollback();
    } catch (SQLException rollbackFailure) {
      failure.addSuppressed(rollbackFailure);
    }
  }

  private Set<String> columns(Connection connection) throws SQLException {
    Set<String> columns = new TreeSet<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND"
                + " table_name = ?")) {
      query.setString(1, table.schema());
      query.setString(2, table.table());
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) columns.add(rows.getString(1));
      }
    }
    return columns;
  }

  private static void requireNoNul(BeirDocument document) {
    if (document.id().indexOf('\0') >= 0
        || document.title().indexOf('\0') >= 0
        || document.text().indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "document "
              + document.id().replace("\0", "\\0")
              + " contains a NUL character, which PostgreSQL text cannot store");
    }
  }

  /**
   * What a load did.
   *
   * @param documents documents sent
   * @param changed rows inserted or updated; the rest were identical and left untouched
   * @param elapsed wall time of the load
   */
  public record LoadResult(long documents, long changed, Duration elapsed) {
    /** Rows left untouched because they were identical. */
    public long unchanged() {
      return documents - changed;
    }

    /** Documents per second over the elapsed time. */
    public double documentsPerSecond() {
      double seconds = elapsed.toNanos() / 1e9;
      return seconds > 0 ? documents / seconds : 0.0;
    }
  }
}
