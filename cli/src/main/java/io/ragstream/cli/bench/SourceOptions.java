package io.ragstream.cli.bench;

import io.ragstream.cli.beir.SourceTable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import picocli.CommandLine.Option;

/** Options naming the source database and table (picocli mixin). */
final class SourceOptions {
  @Option(names = "--jdbc-url", defaultValue = "${env:RAGSTREAM_SOURCE_JDBC_URL:-jdbc:postgresql://127.0.0.1:5432/postgres}",
      description = "Source database (default ${DEFAULT-VALUE}).")
  String jdbcUrl;

  @Option(names = "--user", defaultValue = "${env:RAGSTREAM_SOURCE_USER:-postgres}", description = "Database user.")
  String user;

  @Option(names = "--password", defaultValue = "${env:RAGSTREAM_SOURCE_PASSWORD:-}", description = "Database password.")
  String password;

  @Option(names = "--table", defaultValue = "public.documents", description = "Source table (default ${DEFAULT-VALUE}).")
  String table;

  @Option(names = "--gateway", defaultValue = "${env:RAGSTREAM_GATEWAY_URL:-http://127.0.0.1:8080}",
      description = "Gateway URL (default ${DEFAULT-VALUE}).")
  String gateway;

  Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl, user, password == null ? "" : password);
  }

  SourceTable sourceTable() {
    return SourceTable.parse(table);
  }
}
