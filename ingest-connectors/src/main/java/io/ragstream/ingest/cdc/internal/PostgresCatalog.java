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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  /**
   * Types (besides the string, numeric, boolean, enum and network categories) that a title, body or
   * tenant column may have: Debezium sends them as text. Others are refused at start: {@code bytea}
   * (sent as base64), arrays, geometric types, and date/time types other than these two (sent as
   * epoch numbers).
   */
  public static final Set<String> TEXT_TYPES =
      Set.of("json", "jsonb", "xml", "uuid", "timestamp with time zone", "time with time zone");

  private final PostgresSourceConfig config;

  public PostgresCatalog(PostgresSourceConfig config) {
    this.config = config;
  }

  /**
   * Checks {@code wal_level = logical} and, per mapped table: it exists, it has a primary key, the
   * primary key is exactly the mapping's id column, its replica identity carries that key, every
   * mapped column exists, the title, body and tenant columns have a type whose Debezium value is
   * meaningful text ({@link #TEXT_TYPES}) and the ACL column is an array of a text type.
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
    return DriverManager.getConnection(config.jdbcUrl(), connectionProperties());
  }

  /**
   * A new JDBC connection whose connect and socket reads time out after {@code timeout} (pgjdbc
   * {@code connectTimeout}, {@code socketTimeout}; whole seconds, at least 1), for background
   * checks that must never hang (the caller closes it).
   */
  public Connection connect(Duration timeout) throws SQLException {
    Properties props = connectionProperties();
    String seconds = Long.toString(Math.max(1, timeout.toSeconds()));
    props.setProperty("connectTimeout", seconds);
    props.setProperty("socketTimeout", seconds);
    props.setProperty("loginTimeout", seconds);
    props.setProperty("ApplicationName", "ragstream-cdc-monitor");
    return DriverManager.getConnection(config.jdbcUrl(), props);
  }

  private Properties connectionProperties() {
    Properties props = new Properties();
    props.putAll(config.jdbcParameters());
    props.setProperty("user", config.user());
    if (!config.password().isEmpty()) {
      props.setProperty("password", config.password().reveal());
    }
    return props;
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
    Map<String, ColumnType> types = new LinkedHashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT a.attname, format_type(a.atttypid, NULL), t.typcategory,"
                + " coalesce(e.typcategory, '') FROM pg_attribute a JOIN pg_type t ON t.oid ="
                + " a.atttypid LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'"
                + " WHERE a.attrelid = ?::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY"
                + " a.attnum")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          types.put(
              rs.getString(1), new ColumnType(rs.getString(2), rs.getString(3), rs.getString(4)));
        }
      }
    }
    Set<String> columns = types.keySet();
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
    checkTextType(t, "title-column", t.titleColumn(), types);
    checkTextType(t, "body-column", t.bodyColumn(), types);
    checkTextType(t, "tenant-column", t.tenantColumn(), types);
    if (t.aclColumn() != null) {
      ColumnType acl = types.get(t.aclColumn());
      if (!acl.category().equals("A") || !acl.elementCategory().equals("S")) {
        throw new CdcSetupException(
            "mapped column '"
                + t.aclColumn()
                + "' (acl-column of table "
                + name
                + ") has type "
                + acl.name()
                + "; the ACL column must be an array of a text type (text[] or varchar[])");
      }
    }
  }

  /** The type of one column: its name, pg_type.typcategory, and the element's for an array. */
  private record ColumnType(String name, String category, String elementCategory) {}

  private static void checkTextType(
      TableMapping t, String mappingKey, String column, Map<String, ColumnType> types) {
    if (column == null) {
      return;
    }
    ColumnType type = types.get(column);
    // pg_type.typcategory: S string, N numeric, B boolean, E enum, I network address.
    boolean ok = "SNBEI".contains(type.category()) || TEXT_TYPES.contains(type.name());
    if (!ok) {
      throw new CdcSetupException(
          "mapped column '"
              + column
              + "' ("
              + mappingKey
              + " of table "
              + t.qualifiedName()
              + ") has type "
              + type.name()
              + ", which ragstream cannot index as text (Debezium sends "
              + (type.name().equals("bytea")
                  ? "it as base64; store UTF-8 text in a text column, e.g. ALTER TABLE "
                      + t.qualifiedName()
                      + " ALTER COLUMN "
                      + column
                      + " TYPE text USING convert_from("
                      + column
                      + ", 'UTF8'), which also rejects invalid UTF-8"
                  : "it as a number, an array or a structure")
              + "). Map a column of a text type, json, jsonb, xml, uuid, an enum, a number,"
              + " boolean or timestamptz, or list it under metadata-columns instead");
    }
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
