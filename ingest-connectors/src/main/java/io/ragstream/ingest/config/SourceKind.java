package io.ragstream.ingest.config;

import java.util.Locale;

/**
 * The kind of source database: picks the Debezium connector, how a change's {@code version} is read
 * from its envelope and the prefix of its documentIds.
 */
public enum SourceKind {
  /** PostgreSQL (pgoutput); version = {@code source.lsn}; documentIds {@code pg:...}. */
  POSTGRESQL("postgresql", "pg:", "io.debezium.connector.postgresql.PostgresConnector"),
  /** MariaDB (binlog); version from binlog coordinates; documentIds {@code mariadb:...}. */
  MARIADB("mariadb", "mariadb:", "io.debezium.connector.mariadb.MariaDbConnector"),
  /** MySQL (binlog); version from binlog coordinates; documentIds {@code mysql:...}. */
  MYSQL("mysql", "mysql:", "io.debezium.connector.mysql.MySqlConnector");

  private final String connector;
  private final String documentIdPrefix;
  private final String connectorClass;

  SourceKind(String connector, String documentIdPrefix, String connectorClass) {
    this.connector = connector;
    this.documentIdPrefix = documentIdPrefix;
    this.connectorClass = connectorClass;
  }

  /**
   * Debezium's {@code source.connector} value: {@code postgresql}, {@code mariadb}, {@code mysql}.
   */
  public String connector() {
    return connector;
  }

  /** Prefix of documentIds: {@code pg:}, {@code mariadb:} or {@code mysql:}. */
  public String documentIdPrefix() {
    return documentIdPrefix;
  }

  /** The Debezium {@code connector.class}. */
  public String connectorClass() {
    return connectorClass;
  }

  /** True for MariaDB and MySQL, whose changes are read from the binlog. */
  public boolean binlog() {
    return this != POSTGRESQL;
  }

  /**
   * The kind whose {@link #connector()} is {@code name} (any case, surrounding blanks ignored).
   *
   * @throws IllegalArgumentException naming the value when there is none
   */
  public static SourceKind parse(String name) {
    String n = String.valueOf(name).strip().toLowerCase(Locale.ROOT);
    for (SourceKind k : values()) {
      if (k.connector.equals(n)) {
        return k;
      }
    }
    throw new IllegalArgumentException("must be postgresql, mariadb or mysql, was '" + name + "'");
  }
}
