package io.ragstream.ingest.cdc.internal;

import io.ragstream.core.error.RetriableException;
import io.ragstream.ingest.cdc.CdcSetupException;
import io.ragstream.ingest.config.PostgresSourceConfig;
import io.ragstream.ingest.config.TableMapping;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads PostgreSQL's catalog over JDBC to check that the source is fit for CDC before Debezium
 * starts, and drops the replication slot and publication on teardown.
 */
public final class PostgresCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresCatalog.class);

  private final PostgresSourceConfig config;

  public PostgresCatalog(PostgresSourceConfig config) {
    this.config = config;
  }

  /**
   * Checks {@code wal_level = logical} and, per mapped table: it exists, it has a primary key, the
   * primary key is exactly the mapping's id column, its replica identity carries that key, and
   * every mapped column exists.
   *
   * @throws CdcSetupException naming the table and what to change
   * @throws RetriableException when the database cannot be reached
   */
  public void validate() {
    try (Connection c = connect()) {
      String walLevel = walLevel(c);
      if (!"logical".equals(walLevel)) {
        throw new CdcSetupException(
            "PostgreSQL at "
                + where()
                + " has wal_level="
                + walLevel
                + "; change data capture needs wal_level=logical (ALTER SYSTEM SET wal_level ="
                + " logical; then restart PostgreSQL)");
      }
      for (TableMapping t : config.tables()) {
        validate(c, t);
      }
    } catch (SQLException e) {
      throw classify("cannot check the CDC source at " + where(), e);
    }
  }

  /** {@code SHOW wal_level} of the source. */
  public String walLevel() {
    try (Connection c = connect()) {
      return walLevel(c);
    } catch (SQLException e) {
      throw classify("cannot read wal_level at " + where(), e);
    }
  }

  /**
   * Drops the replication slot and the publication if they exist. Waits up to {@code timeout} for
   * the slot to become inactive (a stopping walsender releases it asynchronously).
   *
   * @throws CdcSetupException if the slot is still in use after {@code timeout}
   */
  public void dropSlotAndPublication(Duration timeout) throws InterruptedException {
    try (Connection c = connect()) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        Boolean active = slotActive(c);
        if (active == null) {
          break;
        }
        if (!active) {
          try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
            ps.setString(1, config.slotName());
            ps.execute();
            LOG.info("Dropped replication slot {} at {}", config.slotName(), where());
            break;
          } catch (SQLException e) {
            // 55006 object_in_use: the walsender grabbed it again between check and drop
            if (!"55006".equals(e.getSQLState())) {
              throw e;
            }
          }
        }
        if (System.nanoTime() > deadline) {
          throw new CdcSetupException(
              "replication slot "
                  + config.slotName()
                  + " at "
                  + where()
                  + " is still in use after "
                  + timeout
                  + "; stop the CDC source that uses it first");
        }
        Thread.sleep(100); // bounded poll of the server's slot state; no notification exists
      }
      try (Statement st = c.createStatement()) {
        st.execute("DROP PUBLICATION IF EXISTS " + quoteIdentifier(config.publicationName()));
        LOG.info("Dropped publication {} at {}", config.publicationName(), where());
      }
    } catch (SQLException e) {
      throw classify("cannot drop slot/publication at " + where(), e);
    }
  }

  /** A new JDBC connection to the source (the caller closes it). */
  public Connection connect() throws SQLException {
    Properties props = new Properties();
    props.putAll(config.jdbcParameters());
    props.setProperty("user", config.user());
    if (!config.password().isEmpty()) {
      props.setProperty("password", config.password().reveal());
    }
    return DriverManager.getConnection(config.jdbcUrl(), props);
  }

  private void validate(Connection c, TableMapping t) throws SQLException {
    String name = t.qualifiedName();
    long oid;
    char replicaIdentity;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT c.oid, c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid ="
                + " c.relnamespace WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN"
                + " ('r', 'p')")) {
      ps.setString(1, t.schema());
      ps.setString(2, t.table());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new CdcSetupException(
              "mapped table "
                  + name
                  + " does not exist in database "
                  + config.database()
                  + " at "
                  + where());
        }
        oid = rs.getLong(1);
        replicaIdentity = rs.getString(2).charAt(0);
      }
    }
    Set<String> columns = new LinkedHashSet<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT attname FROM pg_attribute WHERE attrelid = ?::oid AND attnum > 0 AND NOT"
                + " attisdropped ORDER BY attnum")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          columns.add(rs.getString(1));
        }
      }
    }
    List<String> primaryKey = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND"
                + " a.attnum = ANY(i.indkey) WHERE i.indrelid = ?::oid AND i.indisprimary ORDER BY"
                + " array_position(i.indkey::int2[], a.attnum)")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          primaryKey.add(rs.getString(1));
        }
      }
    }
    TableChecks.primaryKeyIsIdColumn(
        t,
        primaryKey,
        "Debezium emits no usable deletes for it (a delete event would carry no row id)");
    if (replicaIdentity != 'd' && replicaIdentity != 'f') {
      throw new CdcSetupException(
          "table "
              + name
              + " has REPLICA IDENTITY "
              + replicaIdentityName(replicaIdentity)
              + ": its deletes would not carry the primary key. Use ALTER TABLE "
              + name
              + " REPLICA IDENTITY DEFAULT");
    }
    TableChecks.mappedColumnsExist(t, columns);
  }

  private Boolean slotActive(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, config.slotName());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getBoolean(1) : null;
      }
    }
  }

  private static String walLevel(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SHOW wal_level")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static String replicaIdentityName(char code) {
    return switch (code) {
      case 'n' -> "NOTHING";
      case 'i' -> "USING INDEX";
      case 'f' -> "FULL";
      default -> "DEFAULT";
    };
  }

  private static String quoteIdentifier(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private String where() {
    return config.host() + ":" + config.port() + "/" + config.database();
  }

  /**
   * SQLState class 08 (connection exception) and 57P (operator intervention, e.g. the server is
   * starting or shutting down) are retriable; everything else (28 = bad credentials, 42 = missing
   * privilege) needs a person.
   */
  static RuntimeException classify(String message, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String full = message + ": " + e.getMessage() + " (SQLState " + state + ")";
    if (state.startsWith("08") || state.startsWith("57P")) {
      return new RetriableException(full, e);
    }
    return new CdcSetupException(full, e);
  }
}
