package io.ragstream.ingest.cdc.internal;

import io.ragstream.ingest.config.MariaDbSourceConfig;
import io.ragstream.ingest.config.PostgresSourceConfig;
import io.ragstream.ingest.config.SourceKind;
import io.ragstream.ingest.config.TableMapping;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Builds the Debezium embedded-engine properties for a {@link PostgresSourceConfig} or a {@link
 * MariaDbSourceConfig}.
 */
public final class DebeziumProperties {
  /** Offset flush interval of the engine, ms (offsets are also committed after every batch). */
  public static final long OFFSET_FLUSH_INTERVAL_MS = 1000;

  private static final String TRANSACTION_TOPIC_SUFFIX = "ragstream-transactions";

  private DebeziumProperties() {}

  /** Topic of Debezium's snapshot notifications (consumed by the source, not sent to Kafka). */
  public static String notificationTopic(String topicPrefix) {
    return topicPrefix + ".ragstream-notifications";
  }

  /**
   * Topic of the binlog connectors' transaction metadata (BEGIN/END events); dropped by the source,
   * not sent to Kafka: only the {@code transaction} block inside each change event is used.
   */
  public static String transactionTopic(String topicPrefix) {
    return topicPrefix + "." + TRANSACTION_TOPIC_SUFFIX;
  }

  /** Engine name; also the key of the offsets in the offsets file, so it must stay stable. */
  public static String engineName(PostgresSourceConfig config) {
    return "ragstream-postgres-" + config.slotName();
  }

  /**
   * The engine properties: pgoutput, publication for exactly the mapped tables, initial snapshot,
   * file offsets, JSON without schemas, tombstones on delete, decimals as strings, snapshot
   * notifications on the {@code sink} channel.
   */
  public static Properties of(PostgresSourceConfig config) {
    Properties p = common(engineName(config), config.offsetsFile(), config.topicPrefix());
    p.setProperty("connector.class", SourceKind.POSTGRESQL.connectorClass());
    p.setProperty("database.hostname", config.host());
    p.setProperty("database.port", Integer.toString(config.port()));
    p.setProperty("database.user", config.user());
    p.setProperty("database.password", config.password().reveal());
    p.setProperty("database.dbname", config.database());
    String sslMode = config.jdbcParameters().get("sslmode");
    if (sslMode != null) {
      p.setProperty("database.sslmode", sslMode);
    }
    p.setProperty("plugin.name", "pgoutput");
    p.setProperty("slot.name", config.slotName());
    p.setProperty("publication.name", config.publicationName());
    p.setProperty("publication.autocreate.mode", "filtered");
    p.setProperty("table.include.list", tableIncludeList(config.tables()));

    // An UPDATE that leaves a TOASTed value (a body over ~2 KB) unchanged carries Debezium's
    // unavailable-value placeholder instead of it under REPLICA IDENTITY DEFAULT; the reselect
    // post processor reads the current value back by primary key, so an ACL or tenant change of a
    // large document is applied instead of dead-lettered (the crash harness found it).
    p.setProperty("post.processors", "reselector");
    p.setProperty(
        "reselector.type", "io.debezium.processors.reselect.ReselectColumnsPostProcessor");
    p.setProperty("reselector.reselect.columns.include.list", reselectColumns(config));
    p.setProperty("reselector.reselect.unavailable.values", "true");
    p.setProperty("reselector.reselect.null.values", "false");
    return p;
  }

  /** Engine name of a binlog source: {@code ragstream-<kind>-<topicPrefix>} (offsets key). */
  public static String engineName(MariaDbSourceConfig config) {
    return "ragstream-" + config.kind().connector() + "-" + config.topicPrefix();
  }

  /**
   * The engine properties of a MariaDB/MySQL source: the kind's connector as a replica with {@code
   * serverId}, only the mapped databases and tables, the schema history in a file ({@code
   * FileSchemaHistory}, captured tables only), no schema-change topic, transaction metadata on (the
   * mapper orders the events of one transaction by it), and the settings every source shares.
   */
  public static Properties of(MariaDbSourceConfig config) {
    Properties p = common(engineName(config), config.offsetsFile(), config.topicPrefix());
    p.setProperty("connector.class", config.kind().connectorClass());
    p.setProperty("database.hostname", config.host());
    p.setProperty("database.port", Integer.toString(config.port()));
    p.setProperty("database.user", config.user());
    p.setProperty("database.password", config.password().reveal());
    p.setProperty("database.server.id", Long.toString(config.serverId()));
    p.setProperty(
        "database.include.list",
        config.databases().stream()
            .map(DebeziumProperties::literalRegex)
            .collect(Collectors.joining(",")));
    p.setProperty("table.include.list", tableIncludeList(config.tables()));
    p.setProperty("schema.history.internal", "io.debezium.storage.file.history.FileSchemaHistory");
    p.setProperty(
        "schema.history.internal.file.filename",
        config.schemaHistoryFile().toAbsolutePath().toString());
    p.setProperty("schema.history.internal.store.only.captured.tables.ddl", "true");
    p.setProperty("include.schema.changes", "false");
    // Besides the transaction block of each change, the BEGIN/END events of every transaction in
    // the captured databases (dropped by the source) carry offsets: the stored binlog position
    // follows the server while the mapped tables are quiet (MariaDbCdcSourceIT).
    p.setProperty("provide.transaction.metadata", "true");
    p.setProperty("topic.transaction", TRANSACTION_TOPIC_SUFFIX);
    return p;
  }

  /**
   * What every source shares: file offsets, initial snapshot, JSON without schemas, tombstones on
   * delete, decimals as strings, a short poll interval, snapshot notifications on the {@code sink}
   * channel.
   */
  private static Properties common(String name, Path offsetsFile, String topicPrefix) {
    Properties p = new Properties();
    p.setProperty("name", name);
    p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
    p.setProperty("offset.storage.file.filename", offsetsFile.toAbsolutePath().toString());
    p.setProperty("offset.flush.interval.ms", Long.toString(OFFSET_FLUSH_INTERVAL_MS));
    p.setProperty("offset.flush.timeout.ms", "10000");
    // Debezium 3.5's async engine builds a Kafka Connect WorkerConfig, which requires
    // bootstrap.servers on Kafka 4.x even with file offsets; nothing connects to it.
    p.setProperty("bootstrap.servers", "unused.invalid:9092");
    p.setProperty("topic.prefix", topicPrefix);
    p.setProperty("snapshot.mode", "initial");
    p.setProperty("tombstones.on.delete", "true");
    p.setProperty("decimal.handling.mode", "string");
    p.setProperty("converter.schemas.enable", "false");
    // How long the engine waits for more change events before handing over a batch (default
    // 500 ms): part of every change's freshness budget.
    p.setProperty("poll.interval.ms", "50");
    p.setProperty("notification.enabled.channels", "sink");
    p.setProperty("notification.sink.topic.name", notificationTopic(topicPrefix));
    return p;
  }

  /** The mapped text columns of every table as {@code schema.table:column}, comma-separated. */
  static String reselectColumns(PostgresSourceConfig config) {
    return config.tables().stream()
        .flatMap(
            t ->
                java.util.stream.Stream.of(
                        t.titleColumn(), t.bodyColumn(), t.tenantColumn(), t.aclColumn())
                    .filter(java.util.Objects::nonNull)
                    .map(c -> t.qualifiedName() + ":" + c))
        .collect(Collectors.joining(","));
  }

  /** {@code table.include.list}: anchored regexes of the exact {@code schema.table} names. */
  static String tableIncludeList(List<TableMapping> tables) {
    return tables.stream()
        .map(TableMapping::qualifiedName)
        .map(DebeziumProperties::literalRegex)
        .collect(Collectors.joining(","));
  }

  private static String literalRegex(String name) {
    // Debezium splits the list on commas and compiles each entry as a Java regex.
    StringBuilder sb = new StringBuilder();
    for (char ch : name.toCharArray()) {
      if (Character.isLetterOrDigit(ch) || ch == '_') {
        sb.append(ch);
      } else if (ch == '.') {
        sb.append("\\.");
      } else {
        sb.append(Pattern.quote(String.valueOf(ch)));
      }
    }
    return sb.toString();
  }
}
