package io.ragstream.ingest.config;

import java.util.List;

/**
 * What every CDC source configuration tells the rest of the platform: which database kind it
 * captures, the mapped tables and the Debezium topic prefix, and how to reach the database over
 * JDBC (to create a missing default table, or for checks).
 */
public sealed interface CdcSourceConfig permits PostgresSourceConfig, MariaDbSourceConfig {

  /** The database kind: connector, documentId prefix and version rule. */
  SourceKind kind();

  /** The mapped tables, at least one. */
  List<TableMapping> tables();

  /** Debezium {@code topic.prefix}: raw events go to {@code <topicPrefix>.<schema>.<table>}. */
  String topicPrefix();

  /** A JDBC URL of the source database. */
  String jdbcUrl();

  /** The database user. */
  String user();

  /** The user's password (masked in {@code toString()}). */
  Secret password();
}
