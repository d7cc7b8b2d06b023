package io.ragstream.ingest.cdc.internal;

import io.ragstream.core.error.RetriableException;
import io.ragstream.ingest.cdc.CdcSetupException;
import io.ragstream.ingest.config.MariaDbSourceConfig;
import io.ragstream.ingest.config.SourceKind;
import io.ragstream.ingest.config.TableMapping;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * Reads a MariaDB or MySQL server's settings and {@code information_schema} over JDBC to check that
 * the source is fit for binlog CDC before Debezium starts.
 */
public final class MariaDbCatalog {
  private final MariaDbSourceConfig config;

  public MariaDbCatalog(MariaDbSourceConfig config) {
    this.config = config;
  }

  /**
   * Checks the binlog settings ({@code log_bin} on, {@code binlog_format = ROW}, {@code
   * binlog_row_image = FULL}: Debezium needs every column of every changed row) and, per mapped
   * table: it exists, it has a primary key, the primary key is exactly the mapping's id column, and
   * every mapped column exists.
   *
   * @throws CdcSetupException naming the setting or table and what to change
   * @throws RetriableException when the server cannot be reached
   */
  public void validate() {
    try (Connection c = connect()) {
      checkBinlog(c);
      for (TableMapping t : config.tables()) {
        validate(c, t);
      }
    } catch (SQLException e) {
      throw classify("cannot check the CDC source at " + where(), e);
    }
  }

  /** A new JDBC connection to the source (the caller closes it). */
  public Connection connect() throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", config.user());
    if (!config.password().isEmpty()) {
      props.setProperty("password", config.password().reveal());
    }
    return DriverManager.getConnection(config.jdbcUrl(), props);
  }

  private void checkBinlog(Connection c) throws SQLException {
    String logBin;
    String format;
    String rowImage;
    long serverId;
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT @@GLOBAL.log_bin, @@GLOBAL.binlog_format, @@GLOBAL.binlog_row_image,"
                    + " @@GLOBAL.server_id")) {
      rs.next();
      logBin = rs.getString(1);
      format = rs.getString(2);
      rowImage = rs.getString(3);
      serverId = rs.getLong(4);
    }
    String server = config.kind() == SourceKind.MYSQL ? "MySQL" : "MariaDB";
    if (!"1".equals(logBin) && !"ON".equalsIgnoreCase(logBin)) {
      throw new CdcSetupException(
          server
              + " at "
              + where()
              + " has the binary log off (log_bin=OFF); change data capture reads the binlog."
              + " Set log_bin, binlog_format=ROW, binlog_row_image=FULL and a server_id in the"
              + " [mysqld] section of the server's configuration and restart it");
    }
    if (!"ROW".equalsIgnoreCase(format)) {
      throw new CdcSetupException(
          server
              + " at "
              + where()
              + " has binlog_format="
              + format
              + "; change data capture needs binlog_format=ROW (SET GLOBAL binlog_format = 'ROW'"
              + " takes effect for new sessions; put binlog_format=ROW in the server's"
              + " configuration to keep it after a restart)");
    }
    if (!"FULL".equalsIgnoreCase(rowImage)) {
      throw new CdcSetupException(
          server
              + " at "
              + where()
              + " has binlog_row_image="
              + rowImage
              + "; change data capture needs every column of a changed row: binlog_row_image=FULL"
              + " (SET GLOBAL binlog_row_image = 'FULL', and in the server's configuration)");
    }
    if (serverId == config.serverId()) {
      throw new CdcSetupException(
          server
              + " at "
              + where()
              + " has server_id="
              + serverId
              + ", the same id the CDC source was configured to use as a replica; choose another"
              + " source server id");
    }
  }

  private void validate(Connection c, TableMapping t) throws SQLException {
    String name = t.qualifiedName();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND"
                + " table_name = ?")) {
      ps.setString(1, t.schema());
      ps.setString(2, t.table());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new CdcSetupException(
              "mapped table " + name + " does not exist at " + where() + " (database.table)");
        }
        if (!"BASE TABLE".equals(rs.getString(1))) {
          throw new CdcSetupException(
              "mapped table "
                  + name
                  + " is a "
                  + rs.getString(1)
                  + ", not a table: the binlog records changes of base tables only");
        }
      }
    }
    Set<String> columns = new LinkedHashSet<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND"
                + " table_name = ? ORDER BY ordinal_position")) {
      ps.setString(1, t.schema());
      ps.setString(2, t.table());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          columns.add(rs.getString(1));
        }
      }
    }
    List<String> primaryKey = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT column_name FROM information_schema.key_column_usage WHERE table_schema = ?"
                + " AND table_name = ? AND constraint_name = 'PRIMARY' ORDER BY"
                + " ordinal_position")) {
      ps.setString(1, t.schema());
      ps.setString(2, t.table());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          primaryKey.add(rs.getString(1));
        }
      }
    }
    TableChecks.primaryKeyIsIdColumn(
        t,
        primaryKey,
        "its change events would carry no key, so deletes and primary-key changes could not be matched to a document");
    TableChecks.mappedColumnsExist(t, columns);
  }

  private String where() {
    return config.host() + ":" + config.port() + "/" + config.database();
  }

  /**
   * SQLState class 08 (connection exception) and the server's "shutting down" / "too many
   * connections" errors (MariaDB error codes 1053, 1040) are retriable; everything else (28000 bad
   * credentials, 42000 missing privilege or database) needs a person.
   */
  static RuntimeException classify(String message, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String full = message + ": " + e.getMessage() + " (SQLState " + state + ")";
    if (state.startsWith("08") || e.getErrorCode() == 1053 || e.getErrorCode() == 1040) {
      return new RetriableException(full, e);
    }
    return new CdcSetupException(full, e);
  }
}
