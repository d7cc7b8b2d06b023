package io.ragstream.cli.beir;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A validated {@code schema.table} name of the source table, safe to put into SQL: both parts are
 * plain identifiers ({@code [A-Za-z_][A-Za-z0-9_]*}, at most 63 characters, PostgreSQL's limit) and
 * are always double-quoted, so they are matched case-sensitively.
 *
 * @param schema the schema, for example {@code public}
 * @param table the table, for example {@code documents}
 */
public record SourceTable(String schema, String table) {
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

  public SourceTable {
    requireIdentifier(schema, "schema");
    requireIdentifier(table, "table");
  }

  /**
   * Parses {@code schema.table}, or {@code table} in schema {@code public}.
   *
   * @throws IllegalArgumentException naming the value when it is not of that form
   */
  public static SourceTable parse(String name) {
    if (name == null) throw new IllegalArgumentException("table name must not be null");
    String[] parts = name.split("\\.", -1);
    try {
      if (parts.length == 1) return new SourceTable("public", parts[0]);
      if (parts.length == 2) return new SourceTable(parts[0], parts[1]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "table must be schema.table with plain identifiers, was '" + name + "'", e);
    }
    throw new IllegalArgumentException(
        "table must be schema.table with plain identifiers, was '" + name + "'");
  }

  /** DESIGN's source table schema, the columns the default mapping reads. */
  public static final String DEFAULT_COLUMNS =
      "(id text PRIMARY KEY, title text, body text, tenant text, acl text[], updated_at timestamptz)";

  /**
   * DESIGN's columns in MariaDB/MySQL (the schema is the database): the ACL is a JSON array of
   * strings, {@code updated_at} a {@code TIMESTAMP(6)} (Debezium sends it as ISO-8601 UTC text).
   */
  public static final String DEFAULT_BINLOG_COLUMNS =
      "(id varchar(255) PRIMARY KEY, title text, body longtext, tenant varchar(255), acl json,"
          + " updated_at timestamp(6) NULL DEFAULT NULL)";

  /**
   * Creates the table with {@link #DEFAULT_COLUMNS} (on MariaDB or MySQL, as told by the
   * connection's metadata: {@link #DEFAULT_BINLOG_COLUMNS}) if it does not exist (autocommit); an
   * existing table is left as it is.
   */
  public void createIfMissing(Connection connection) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    String product = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
    boolean binlog = product.contains("mariadb") || product.contains("mysql");
    try (Statement statement = connection.createStatement()) {
      connection.setAutoCommit(true);
      statement.execute(
          binlog
              ? "CREATE TABLE IF NOT EXISTS `"
                  + schema
                  + "`.`"
                  + table
                  + "` "
                  + DEFAULT_BINLOG_COLUMNS
              : "CREATE TABLE IF NOT EXISTS " + quoted() + " " + DEFAULT_COLUMNS);
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  /** The name for SQL: {@code "schema"."table"}. */
  public String quoted() {
    return '"' + schema + "\".\"" + table + '"';
  }

  /** {@code schema.table}, unquoted, for messages. */
  @Override
  public String toString() {
    return schema + "." + table;
  }

  private static void requireIdentifier(String value, String what) {
    if (value == null || !IDENTIFIER.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what + " must match [A-Za-z_][A-Za-z0-9_]* (at most 63 characters), was '" + value + "'");
    }
  }
}
