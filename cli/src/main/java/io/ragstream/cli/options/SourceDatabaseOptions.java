package io.ragstream.cli.options;

import io.ragstream.cli.beir.SourceTable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Option;

/** The source database and table, shared by the commands that write to it (picocli mixin). */
public final class SourceDatabaseOptions {
  /** DESIGN.md's default source database. */
  public static final String DEFAULT_JDBC_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";

  @Option(
      names = "--jdbc-url",
      paramLabel = "URL",
      defaultValue = "${env:RAGSTREAM_SOURCE_JDBC_URL:-" + DEFAULT_JDBC_URL + "}",
      description =
          "Source database JDBC URL (env RAGSTREAM_SOURCE_JDBC_URL). Default: ${DEFAULT-VALUE}.")
  private String jdbcUrl;

  @Option(
      names = "--user",
      paramLabel = "USER",
      defaultValue = "${env:RAGSTREAM_SOURCE_USER:-postgres}",
      description = "Database user (env RAGSTREAM_SOURCE_USER). Default: ${DEFAULT-VALUE}.")
  private String user;

  @Option(
      names = "--password",
      paramLabel = "PASSWORD",
      defaultValue = "${env:RAGSTREAM_SOURCE_PASSWORD:-}",
      showDefaultValue = Visibility.NEVER,
      description = "Database password (env RAGSTREAM_SOURCE_PASSWORD). Default: empty.")
  private String password;

  @Option(
      names = "--table",
      paramLabel = "SCHEMA.TABLE",
      defaultValue = "public.documents",
      description =
          "Source table, plain identifiers, matched case-sensitively. Default: ${DEFAULT-VALUE}.")
  private String table;

  /** The JDBC URL. */
  public String jdbcUrl() {
    return jdbcUrl;
  }

  /** The database user. */
  public String user() {
    return user;
  }

  /** A new connection; the caller closes it. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl, user, password == null ? "" : password);
  }

  /**
   * The validated table.
   *
   * @throws IllegalArgumentException naming the value when it is not {@code schema.table}
   */
  public SourceTable sourceTable() {
    return SourceTable.parse(table);
  }
}
