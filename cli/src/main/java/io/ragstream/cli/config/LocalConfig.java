package io.ragstream.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.error.ConfigException;
import io.ragstream.core.store.Fusion;
import io.ragstream.embedding.Embedders;
import io.ragstream.embedding.TokenChunker;
import io.ragstream.ingest.config.CdcSourceConfig;
import io.ragstream.ingest.config.MariaDbSourceConfig;
import io.ragstream.ingest.config.PostgresSourceConfig;
import io.ragstream.ingest.config.Secret;
import io.ragstream.ingest.config.SourceKind;
import io.ragstream.ingest.config.TableMapping;
import io.ragstream.processors.indexing.IndexingLimits;
import io.ragstream.store.lucene.Bm25Fields;
import io.ragstream.store.lucene.LuceneStoreOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Configuration of {@code ragstream local}: every part of the platform in one JVM.
 *
 * @param dataDir where Kafka, Debezium offsets, Flink checkpoints and the Lucene index live
 * @param source the database and tables to capture: PostgreSQL ({@code source.kind} {@code
 *     postgresql}, the default) or MariaDB / MySQL ({@code mariadb} / {@code mysql})
 * @param kafkaBootstrapServers external Kafka, or null to start the embedded broker
 * @param kafkaPort embedded broker port (0 = a free port)
 * @param embedder embedding model name
 * @param chunkMaxTokens tokens per chunk
 * @param chunkOverlapTokens tokens shared by consecutive chunks
 * @param checkpointInterval Flink checkpoint interval (offsets committed, index flushed)
 * @param parallelism Flink parallelism and partitions of the local topics
 * @param limits body-size and chunk-count caps ({@code indexing.max-body-size}, {@code
 *     indexing.max-chunks}); docs/bad-data.md says what happens above them
 * @param gatewayHost gateway bind address
 * @param gatewayPort gateway port (0 = a free port)
 * @param queryEmbedderThreads ONNX Runtime intra-op threads of the gateway's query embedder; each
 *     concurrent search runs its own model call, so 1 lets the cores serve searches in parallel
 * @param storeOptions Lucene store options: hybrid fusion ({@code search.fusion}, {@code
 *     search.rrf-k}, {@code search.alpha}) and BM25 fields ({@code search.bm25-fields})
 * @param gateway authentication, chat, rate limits, feedback, events and LLM ({@link
 *     GatewaySettings#KEYS})
 * @param cdc heartbeats and the replication-slot metrics ({@link CdcSettings#KEYS})
 * @param retraining drift detection, trigger and trainer ({@link RetrainingSettings#KEYS})
 * @param store the vector store ({@link StoreSettings#KEYS}); {@code ragstream local} runs on
 *     Lucene only
 * @param llmLora external LLM LoRA training ({@link LlmLoraSettings#KEYS}); {@code null} when it is
 *     off (the default)
 */
public record LocalConfig(
    Path dataDir,
    CdcSourceConfig source,
    String kafkaBootstrapServers,
    int kafkaPort,
    String embedder,
    int chunkMaxTokens,
    int chunkOverlapTokens,
    Duration checkpointInterval,
    int parallelism,
    IndexingLimits limits,
    String gatewayHost,
    int gatewayPort,
    int queryEmbedderThreads,
    LuceneStoreOptions storeOptions,
    GatewaySettings gateway,
    CdcSettings cdc,
    RetrainingSettings retraining,
    StoreSettings store,
    LlmLoraSettings llmLora) {

  /** Every key {@link #from} reads (for environment lookup and documentation). */
  public static final List<String> KEYS =
      java.util.stream.Stream.concat(
              java.util.stream.Stream.of(
                  "data-dir",
                  "source.kind",
                  "source.jdbc-url",
                  "source.user",
                  "source.password",
                  "source.topic-prefix",
                  "source.slot",
                  "source.publication",
                  "source.server-id",
                  "source.table",
                  "kafka.bootstrap-servers",
                  "kafka.port",
                  "indexing.embedder",
                  "indexing.chunk.max-tokens",
                  "indexing.chunk.overlap-tokens",
                  "indexing.checkpoint-interval",
                  "indexing.parallelism",
                  "indexing.max-body-size",
                  "indexing.max-chunks",
                  "indexing.tombstone-retention",
                  "gateway.host",
                  "gateway.port",
                  "gateway.query-embedder-threads",
                  "search.fusion",
                  "search.rrf-k",
                  "search.alpha",
                  "search.bm25-fields"),
              java.util.stream.Stream.of(
                      GatewaySettings.KEYS,
                      CdcSettings.KEYS,
                      RetrainingSettings.KEYS,
                      StoreSettings.KEYS,
                      LlmLoraSettings.KEYS)
                  .flatMap(List::stream))
          .toList();

  /**
   * Builds and validates the configuration.
   *
   * @throws ConfigException naming the key whose value is wrong
   */
  public static LocalConfig from(Settings s) {
    Path dataDir = Path.of(s.string("data-dir", "data")).toAbsolutePath().normalize();
    CdcSourceConfig source = source(s, dataDir);
    String bootstrap =
        s.string("kafka.bootstrap-servers", "").isBlank()
            ? null
            : s.string("kafka.bootstrap-servers", null);
    String embedder = s.string("indexing.embedder", Embedders.DEFAULT_NAME);
    int chunkLimit;
    try {
      chunkLimit = Embedders.maxPassageTokens(embedder);
    } catch (IllegalArgumentException e) {
      throw s.fail("indexing.embedder", embedder, e.getMessage());
    }
    // Default: 400 tokens, or less when the model reads fewer (all-MiniLM-L6-v2: 254).
    int maxTokens =
        s.integer(
            "indexing.chunk.max-tokens",
            Math.min(TokenChunker.DEFAULT_MAX_TOKENS, chunkLimit),
            16,
            chunkLimit);
    int overlap = s.integer("indexing.chunk.overlap-tokens", 40, 0, 500);
    if (overlap >= maxTokens) {
      throw s.fail(
          "indexing.chunk.overlap-tokens",
          Integer.toString(overlap),
          "must be smaller than indexing.chunk.max-tokens (" + maxTokens + ")");
    }
    Duration checkpoint = s.duration("indexing.checkpoint-interval", Duration.ofSeconds(5));
    if (checkpoint.toMillis() < 100) {
      throw s.fail("indexing.checkpoint-interval", checkpoint.toString(), "must be at least 100ms");
    }
    LuceneStoreOptions storeOptions = storeOptions(s);
    return new LocalConfig(
        dataDir,
        source,
        bootstrap,
        s.integer("kafka.port", 0, 0, 65535),
        embedder,
        maxTokens,
        overlap,
        checkpoint,
        s.integer("indexing.parallelism", 1, 1, 64),
        new IndexingLimits(
            s.size("indexing.max-body-size", IndexingLimits.DEFAULT_MAX_BODY_BYTES, 1, 1L << 30),
            s.integer("indexing.max-chunks", IndexingLimits.DEFAULT_MAX_CHUNKS, 1, 100_000),
            tombstoneRetention(s)),
        s.string("gateway.host", "127.0.0.1"),
        s.integer("gateway.port", 8080, 0, 65535),
        s.integer(
            "gateway.query-embedder-threads", 1, 1, Runtime.getRuntime().availableProcessors()),
        storeOptions,
        GatewaySettings.from(s),
        CdcSettings.from(s),
        RetrainingSettings.from(s, dataDir),
        StoreSettings.from(s, dataDir, storeOptions, embedder),
        LlmLoraSettings.from(s, dataDir));
  }

  /**
   * The source: {@code source.kind} ({@code postgresql}, {@code mariadb}, {@code mysql}; by default
   * the kind of {@code source.jdbc-url}'s scheme, else postgresql) picks the database and the
   * defaults. MariaDB/MySQL read {@code jdbc:mariadb://host[:port]/database} (or {@code
   * jdbc:mysql://}), user {@code root}, table {@code <database>.documents} and {@code
   * source.server-id}; {@code source.slot} and {@code source.publication} are PostgreSQL's only.
   */
  private static CdcSourceConfig source(Settings s, Path dataDir) {
    String url = s.string("source.jdbc-url", null);
    String kindValue = s.string("source.kind", null);
    SourceKind kind;
    if (kindValue != null) {
      try {
        kind = SourceKind.parse(kindValue);
      } catch (IllegalArgumentException e) {
        throw s.fail("source.kind", kindValue, e.getMessage());
      }
    } else if (url != null && url.startsWith("jdbc:mariadb:")) {
      kind = SourceKind.MARIADB;
    } else if (url != null && url.startsWith("jdbc:mysql:")) {
      kind = SourceKind.MYSQL;
    } else {
      kind = SourceKind.POSTGRESQL;
    }
    try {
      if (kind == SourceKind.POSTGRESQL) {
        if (s.string("source.server-id", null) != null) {
          throw s.fail(
              "source.server-id",
              s.string("source.server-id", ""),
              "needs source.kind mariadb or mysql");
        }
        return new PostgresSourceConfig(
            url != null ? url : PostgresSourceConfig.DEFAULT_JDBC_URL,
            s.string("source.user", PostgresSourceConfig.DEFAULT_USER),
            Secret.of(s.string("source.password", "")),
            s.string("source.topic-prefix", PostgresSourceConfig.DEFAULT_TOPIC_PREFIX),
            s.string("source.slot", PostgresSourceConfig.DEFAULT_SLOT_NAME),
            s.string("source.publication", PostgresSourceConfig.DEFAULT_PUBLICATION_NAME),
            tables(s, TableMapping.DEFAULT_SCHEMA),
            dataDir.resolve(PostgresSourceConfig.DEFAULT_OFFSETS_FILE));
      }
      for (String pgOnly : List.of("source.slot", "source.publication")) {
        if (s.string(pgOnly, null) != null) {
          throw s.fail(pgOnly, s.string(pgOnly, ""), "applies to source.kind postgresql only");
        }
      }
      String scheme = "jdbc:" + kind.connector() + "://";
      String jdbcUrl =
          url != null
              ? url
              : scheme
                  + MariaDbSourceConfig.DEFAULT_HOST
                  + ":"
                  + MariaDbSourceConfig.DEFAULT_PORT
                  + "/"
                  + MariaDbSourceConfig.DEFAULT_DATABASE;
      URI uri = binlogUri(s, jdbcUrl, scheme);
      String database = uri.getPath().substring(1);
      return new MariaDbSourceConfig(
          kind,
          uri.getHost(),
          uri.getPort() < 0 ? MariaDbSourceConfig.DEFAULT_PORT : uri.getPort(),
          s.string("source.user", MariaDbSourceConfig.DEFAULT_USER),
          Secret.of(s.string("source.password", "")),
          database,
          s.string("source.topic-prefix", PostgresSourceConfig.DEFAULT_TOPIC_PREFIX),
          s.integer(
              "source.server-id",
              (int) MariaDbSourceConfig.DEFAULT_SERVER_ID,
              1,
              Integer.MAX_VALUE),
          tables(s, database),
          dataDir.resolve(MariaDbSourceConfig.DEFAULT_OFFSETS_FILE),
          dataDir.resolve(MariaDbSourceConfig.DEFAULT_SCHEMA_HISTORY_FILE));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("source", e.getMessage());
    }
  }

  /** {@code jdbc:mariadb://host[:port]/database} (or mysql) as a URI with host and database. */
  private static URI binlogUri(Settings s, String jdbcUrl, String scheme) {
    String problem = "must look like " + scheme + "host:port/database for this source.kind";
    if (!jdbcUrl.startsWith(scheme)) {
      throw s.fail("source.jdbc-url", jdbcUrl, problem);
    }
    try {
      URI uri = new URI(jdbcUrl.substring("jdbc:".length()));
      String path = uri.getPath();
      if (uri.getHost() == null || path == null || path.length() <= 1 || path.indexOf('/', 1) > 0) {
        throw s.fail("source.jdbc-url", jdbcUrl, problem);
      }
      return uri;
    } catch (URISyntaxException e) {
      throw s.fail("source.jdbc-url", jdbcUrl, problem + " (" + e.getMessage() + ")");
    }
  }

  /** Fusion and BM25 fields of the Lucene store; every other store option keeps its default. */
  private static LuceneStoreOptions storeOptions(Settings s) {
    LuceneStoreOptions options = LuceneStoreOptions.defaults();
    String method = s.string("search.fusion", "").strip().toLowerCase(Locale.ROOT);
    String alpha = s.string("search.alpha", "").strip();
    Fusion fusion;
    switch (method) {
      case "" -> {
        if (!alpha.isEmpty()) throw s.fail("search.alpha", alpha, "needs search.fusion: convex");
        fusion = options.fusion();
      }
      case "rrf" -> {
        if (!alpha.isEmpty()) throw s.fail("search.alpha", alpha, "applies to convex, not rrf");
        fusion = Fusion.rrf(s.integer("search.rrf-k", Fusion.DEFAULT_RRF_K, 0, 10_000));
      }
      case "convex" -> {
        double a = Fusion.DEFAULT_ALPHA;
        if (!alpha.isEmpty()) {
          try {
            a = Double.parseDouble(alpha);
          } catch (NumberFormatException e) {
            throw s.fail(
                "search.alpha",
                alpha,
                "must be a number in [0, 1] (weight of dense) when search.fusion is convex");
          }
        }
        if (!(a >= 0 && a <= 1)) throw s.fail("search.alpha", alpha, "must be in [0, 1]");
        fusion = Fusion.convex(a);
      }
      default -> throw s.fail("search.fusion", method, "must be rrf or convex");
    }
    String fields = s.string("search.bm25-fields", "").strip().toUpperCase(Locale.ROOT);
    Bm25Fields bm25Fields;
    try {
      bm25Fields = fields.isEmpty() ? options.bm25Fields() : Bm25Fields.valueOf(fields);
    } catch (IllegalArgumentException e) {
      throw s.fail(
          "search.bm25-fields", fields.toLowerCase(Locale.ROOT), "must be flat or multifield");
    }
    return options.withFusion(fusion).withBm25Fields(bm25Fields);
  }

  /**
   * The mapped tables: the YAML list {@code source.tables} (objects with schema, table, id-column,
   * title-column, body-column, tenant-column, acl-column, metadata-columns), else the single table
   * {@code source.table} ({@code schema.table}, default {@code <defaultSchema>.documents}) with
   * DESIGN's column names. For MariaDB/MySQL the schema is the database.
   */
  private static List<TableMapping> tables(Settings s, String defaultSchema) {
    JsonNode list = s.node("source.tables").orElse(null);
    if (list == null) {
      String qualified = s.string("source.table", defaultSchema + "." + TableMapping.DEFAULT_TABLE);
      int dot = qualified.indexOf('.');
      if (dot <= 0 || dot == qualified.length() - 1) {
        throw s.fail("source.table", qualified, "must be schema.table");
      }
      return List.of(
          TableMapping.forTable(qualified.substring(0, dot), qualified.substring(dot + 1)));
    }
    if (!list.isArray()) {
      throw new ConfigException("source.tables", "must be a list of table mappings");
    }
    List<TableMapping> tables = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode t = list.get(i);
      try {
        List<String> metadata = new ArrayList<>();
        t.path("metadata-columns").forEach(n -> metadata.add(n.asText()));
        tables.add(
            new TableMapping(
                text(t, "schema", defaultSchema),
                text(t, "table", null),
                text(t, "id-column", "id"),
                text(t, "title-column", "title"),
                text(t, "body-column", "body"),
                text(t, "tenant-column", "tenant"),
                text(t, "acl-column", "acl"),
                metadata));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("source.tables[" + i + "]", e.getMessage());
      }
    }
    return tables;
  }

  private static String text(JsonNode node, String field, String defaultValue) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? defaultValue : v.asText();
  }

  /** Flags as settings keys (null when the flag was not given). */
  /** {@code indexing.tombstone-retention}: a non-negative duration, 0 = keep forever. */
  private static Duration tombstoneRetention(Settings s) {
    Duration d =
        s.duration("indexing.tombstone-retention", IndexingLimits.DEFAULT_TOMBSTONE_RETENTION);
    if (d.isNegative()) {
      throw s.fail("indexing.tombstone-retention", d.toString(), "must not be negative");
    }
    return d;
  }

  public static Map<String, String> flags(Path dataDir, Integer port) {
    var m = new java.util.HashMap<String, String>();
    if (dataDir != null) m.put("data-dir", dataDir.toString());
    if (port != null) m.put("gateway.port", port.toString());
    return m;
  }
}
