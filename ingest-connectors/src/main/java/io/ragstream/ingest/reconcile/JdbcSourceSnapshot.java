package io.ragstream.ingest.reconcile;

import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.core.model.SourceInfo;
import io.ragstream.ingest.config.TableMapping;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the PostgreSQL and MariaDB snapshots share: the repair versions below the horizon, and the
 * streaming of a table's rows through its mapping ({@value #FETCH_SIZE} rows per fetch) as the
 * UPSERTs the pipeline would index. A dialect gives the SQL text form of a column, the ACL column's
 * expression and reading, identifier quoting and the document ids.
 */
abstract class JdbcSourceSnapshot implements SourceSnapshot {
  /** Rows fetched per round trip. */
  static final int FETCH_SIZE = 1_000;

  protected final Connection connection;
  private final long base;
  private final long snapshotAt;

  JdbcSourceSnapshot(Connection connection, long base, long snapshotAt) {
    this.connection = connection;
    this.base = base;
    this.snapshotAt = snapshotAt;
  }

  @Override
  public long base() {
    return base;
  }

  /** {@code base - 2}. */
  @Override
  public long deleteVersion() {
    return base - 2;
  }

  /** {@code base - 1}. */
  @Override
  public long upsertVersion() {
    return base - 1;
  }

  @Override
  public long snapshotAt() {
    return snapshotAt;
  }

  /** The SQL expression of {@code column} as text. */
  abstract String text(String column);

  /** The SQL expression of the ACL column (never null: the column is mapped). */
  abstract String acl(String column);

  /** The ACL principals at {@code index} of {@code rs}, NULL elements dropped. */
  abstract List<String> readAcl(TableMapping table, ResultSet rs, int index) throws SQLException;

  /** {@code table} quoted for SQL. */
  abstract String qualified(TableMapping table);

  /** The documentId of row {@code id} of {@code table}. */
  abstract String documentId(TableMapping table, String id);

  /**
   * Streams every row of {@code table} as the UPSERT the pipeline would index for it, with version
   * {@link #upsertVersion()} and committedAt {@link #snapshotAt()}.
   */
  @Override
  public void forEachRow(TableMapping table, Consumer<DocumentChange> action) {
    List<String> columns = new ArrayList<>();
    columns.add(text(table.idColumn()));
    columns.add(table.titleColumn() == null ? "NULL" : text(table.titleColumn()));
    columns.add(table.bodyColumn() == null ? "NULL" : text(table.bodyColumn()));
    columns.add(table.tenantColumn() == null ? "NULL" : text(table.tenantColumn()));
    columns.add(table.aclColumn() == null ? "NULL" : acl(table.aclColumn()));
    for (String m : table.metadataColumns()) {
      columns.add(text(m));
    }
    String sql = "SELECT " + String.join(", ", columns) + " FROM " + qualified(table);
    SourceInfo source = sourceInfo(table);
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      ps.setFetchSize(FETCH_SIZE);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Map<String, String> metadata = new LinkedHashMap<>();
          int i = 6;
          for (String m : table.metadataColumns()) {
            String v = rs.getString(i++);
            if (v != null) {
              metadata.put(m, v);
            }
          }
          action.accept(
              new DocumentChange(
                  DocumentChange.Op.UPSERT,
                  documentId(table, rs.getString(1)),
                  upsertVersion(),
                  snapshotAt,
                  System.currentTimeMillis(),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  table.aclColumn() == null ? List.of() : readAcl(table, rs, 5),
                  metadata,
                  source));
        }
      }
    } catch (SQLException e) {
      throw new RagstreamException(
          "cannot read " + table.qualifiedName() + ": " + e.getMessage(), e);
    }
  }

  /** Ends the snapshot's transaction and closes the connection. */
  @Override
  public void close() {
    try {
      connection.rollback();
    } catch (SQLException e) {
      // closing anyway
    }
    closeQuietly(connection);
  }

  static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // nothing left to do
      }
    }
  }
}
