package io.ragstream.ingest.config;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Configuration of the binlog CDC source for MariaDB and MySQL ({@link
 * io.ragstream.ingest.cdc.MariaDbCdcSource}).
 *
 * <p>In MariaDB and MySQL a schema is a database: the {@link TableMapping#schema()} of every table
 * is the database that holds it, and the Debezium topics are {@code
 * <topicPrefix>.<database>.<table>}. {@code null} for {@code kind}, {@code topicPrefix}, {@code
 * password} or {@code schemaHistoryFile} means the default. Validation happens here, at
 * construction, and names the field and the bad value.
 *
 * @param kind which server and Debezium connector: {@link SourceKind#MARIADB} (default; Debezium's
 *     MariaDB connector, tested against MariaDB 10.11) or {@link SourceKind#MYSQL} (Debezium's
 *     MySQL connector; configured the same way, not tested: no MySQL server runs here)
 * @param host server host name or address
 * @param port server port, 1 to 65535 ({@value #DEFAULT_PORT} by default in {@link #defaults})
 * @param user database user; needs {@code SELECT}, {@code RELOAD}, {@code SHOW DATABASES}, {@code
 *     REPLICATION SLAVE} and {@code REPLICATION CLIENT} (MariaDB ≥ 10.5: {@code BINLOG MONITOR})
 * @param password password, masked in {@link #toString()}
 * @param database the database the JDBC checks connect to (usually the one holding the tables)
 * @param topicPrefix Debezium {@code topic.prefix}: raw events go to {@code
 *     <topicPrefix>.<database>.<table>} (default {@value
 *     PostgresSourceConfig#DEFAULT_TOPIC_PREFIX})
 * @param serverId the {@code database.server.id} Debezium uses as a replica; 1 to 2^32-1 and
 *     different from the server's own {@code server_id} and from every other replica's
 * @param tables the mapped tables ({@code schema} = database), at least one, no table twice
 * @param offsetsFile file of Debezium's {@code FileOffsetBackingStore} (binlog file, position, GTID
 *     set); keep it with the data dir: a restart with the same file resumes without a new snapshot
 * @param schemaHistoryFile file of Debezium's {@code FileSchemaHistory}: the DDL the connector has
 *     seen, needed to decode the binlog's rows after a restart (default: {@value
 *     #DEFAULT_SCHEMA_HISTORY_FILE} beside the offsets file)
 * @throws IllegalArgumentException naming the field when a value is invalid
 */
public record MariaDbSourceConfig(
    SourceKind kind,
    String host,
    int port,
    String user,
    Secret password,
    String database,
    String topicPrefix,
    long serverId,
    List<TableMapping> tables,
    Path offsetsFile,
    Path schemaHistoryFile)
    implements CdcSourceConfig {

  /** The default port of MariaDB and MySQL. */
  public static final int DEFAULT_PORT = 3306;

  /** Default host of {@link #defaults}. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** Default user of {@link #defaults}. */
  public static final String DEFAULT_USER = "root";

  /** Default database of {@link #defaults}. */
  public static final String DEFAULT_DATABASE = "test";

  /**
   * Default replica server id: any id no real server of the replication topology uses (Debezium's
   * documentation uses the same number).
   */
  public static final long DEFAULT_SERVER_ID = 184054;

  /** Default offsets file name inside the data dir ({@link #defaults}). */
  public static final String DEFAULT_OFFSETS_FILE = "debezium-binlog-offsets.dat";

  /** Default schema history file name, beside the offsets file. */
  public static final String DEFAULT_SCHEMA_HISTORY_FILE = "debezium-schema-history.dat";

  private static final long MAX_SERVER_ID = 4_294_967_295L;
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9_$]{1,64}");
  private static final Pattern TOPIC_PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,200}");

  public MariaDbSourceConfig {
    kind = kind == null ? SourceKind.MARIADB : kind;
    if (!kind.binlog()) {
      throw new IllegalArgumentException("source.kind must be mariadb or mysql, was " + kind);
    }
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("source.host must not be blank");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("source.port must be 1..65535, was " + port);
    }
    if (user == null || user.isBlank()) {
      throw new IllegalArgumentException("source.user must not be blank");
    }
    password = password == null ? Secret.none() : password;
    if (database == null || !IDENTIFIER.matcher(database).matches()) {
      throw new IllegalArgumentException(
          "source.database must match " + IDENTIFIER + ", was '" + database + "'");
    }
    topicPrefix = topicPrefix == null ? PostgresSourceConfig.DEFAULT_TOPIC_PREFIX : topicPrefix;
    if (!TOPIC_PREFIX.matcher(topicPrefix).matches()) {
      throw new IllegalArgumentException(
          "source.topicPrefix must match " + TOPIC_PREFIX + ", was '" + topicPrefix + "'");
    }
    if (serverId < 1 || serverId > MAX_SERVER_ID) {
      throw new IllegalArgumentException(
          "source.serverId must be 1.." + MAX_SERVER_ID + ", was " + serverId);
    }
    if (tables == null || tables.isEmpty()) {
      throw new IllegalArgumentException("source.tables must name at least one table");
    }
    tables = List.copyOf(tables);
    Set<String> seen = new HashSet<>();
    for (TableMapping t : tables) {
      if (!seen.add(t.qualifiedName())) {
        throw new IllegalArgumentException(
            "source.tables maps " + t.qualifiedName() + " more than once");
      }
      if (!IDENTIFIER.matcher(t.schema()).matches() || !IDENTIFIER.matcher(t.table()).matches()) {
        throw new IllegalArgumentException(
            "source.tables: "
                + t.qualifiedName()
                + " must be database.table with plain identifiers ("
                + IDENTIFIER
                + ")");
      }
    }
    Objects.requireNonNull(offsetsFile, "source.offsetsFile must not be null");
    schemaHistoryFile =
        schemaHistoryFile == null
            ? offsetsFile.resolveSibling(DEFAULT_SCHEMA_HISTORY_FILE)
            : schemaHistoryFile;
    if (schemaHistoryFile.toAbsolutePath().equals(offsetsFile.toAbsolutePath())) {
      throw new IllegalArgumentException(
          "source.schemaHistoryFile must differ from source.offsetsFile, both were " + offsetsFile);
    }
  }

  /**
   * MariaDB on {@value #DEFAULT_HOST}:{@value #DEFAULT_PORT} as {@value #DEFAULT_USER} without
   * password, database {@value #DEFAULT_DATABASE}, table {@code test.documents} with DESIGN's
   * column names, server id {@value #DEFAULT_SERVER_ID}, offsets and schema history in {@code
   * dataDir}.
   */
  public static MariaDbSourceConfig defaults(Path dataDir) {
    return new MariaDbSourceConfig(
        SourceKind.MARIADB,
        DEFAULT_HOST,
        DEFAULT_PORT,
        DEFAULT_USER,
        Secret.none(),
        DEFAULT_DATABASE,
        PostgresSourceConfig.DEFAULT_TOPIC_PREFIX,
        DEFAULT_SERVER_ID,
        List.of(TableMapping.forTable(DEFAULT_DATABASE, TableMapping.DEFAULT_TABLE)),
        dataDir.resolve(DEFAULT_OFFSETS_FILE),
        dataDir.resolve(DEFAULT_SCHEMA_HISTORY_FILE));
  }

  /** {@code jdbc:mariadb://host:port/database}: the MariaDB driver talks to MySQL servers too. */
  @Override
  public String jdbcUrl() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return "jdbc:mariadb://" + h + ":" + port + "/" + database;
  }

  /** The distinct databases of the mapped tables, in mapping order. */
  public List<String> databases() {
    return tables.stream().map(TableMapping::schema).distinct().toList();
  }

  /** The Debezium topics of all mapped tables, in mapping order. */
  public List<String> topics() {
    return tables.stream().map(t -> t.topic(topicPrefix)).toList();
  }
}
