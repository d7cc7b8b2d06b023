package io.ragstream.cli.config;

import io.ragstream.core.error.ConfigException;
import java.util.List;
import java.util.stream.Stream;

/**
 * Settings of the distributed processes ({@code ragstream ingest | gateway | trainer},
 * docs/distributed.md) beyond those they share with {@code ragstream local} ({@link LocalConfig}).
 *
 * @param ingestMetricsHost bind address of {@code ragstream ingest}'s {@code /metrics}, {@code
 *     /health} and {@code /ready} ({@code ingest.metrics-host}, default {@code 0.0.0.0} so a
 *     scraper in another container or pod reaches it)
 * @param ingestMetricsPort their port ({@code ingest.metrics-port}, default {@value
 *     #DEFAULT_INGEST_METRICS_PORT}; 0 = a free port)
 * @param trainerMetricsHost bind address of {@code ragstream trainer}'s endpoints ({@code
 *     trainer.metrics-host}, default {@code 0.0.0.0})
 * @param trainerMetricsPort their port ({@code trainer.metrics-port}, default {@value
 *     #DEFAULT_TRAINER_METRICS_PORT}; 0 = a free port)
 * @param indexerGroup the consumer group the indexing job reads {@code ragstream.changes} with
 *     ({@code indexing.group-id}, default {@value #DEFAULT_INDEXER_GROUP}, the job's {@code
 *     ragstream.indexing.group-id}); the gateway is ready when this group has no lag
 * @param ingestCdc where the Debezium connector of {@code ragstream ingest}'s source runs ({@code
 *     ingest.cdc}, default {@link IngestCdc#EMBEDDED})
 */
public record ServiceSettings(
    String ingestMetricsHost,
    int ingestMetricsPort,
    String trainerMetricsHost,
    int trainerMetricsPort,
    String indexerGroup,
    IngestCdc ingestCdc) {

  /** Where the CDC connector runs in distributed mode. */
  public enum IngestCdc {
    /** Debezium's engine inside {@code ragstream ingest} (the default). */
    EMBEDDED,
    /**
     * Debezium in Kafka Connect (infra/connect): {@code ragstream ingest} runs the normalizer (and
     * PostgreSQL's slot metrics) only, so the two never capture the same source twice.
     */
    CONNECT
  }

  public static final int DEFAULT_INGEST_METRICS_PORT = 9401;
  public static final int DEFAULT_TRAINER_METRICS_PORT = 9402;
  public static final String DEFAULT_INDEXER_GROUP = "ragstream-indexer";

  /** The keys {@link #from} reads. */
  public static final List<String> KEYS =
      List.of(
          "ingest.metrics-host",
          "ingest.metrics-port",
          "trainer.metrics-host",
          "trainer.metrics-port",
          "indexing.group-id",
          "ingest.cdc");

  /** Every key a distributed process reads: {@link LocalConfig#KEYS} and {@link #KEYS}. */
  public static final List<String> ALL_KEYS =
      Stream.concat(LocalConfig.KEYS.stream(), KEYS.stream()).toList();

  /**
   * Reads and validates the keys.
   *
   * @throws ConfigException naming the key whose value is wrong
   */
  public static ServiceSettings from(Settings s) {
    String group = s.string("indexing.group-id", DEFAULT_INDEXER_GROUP).strip();
    if (group.isEmpty()) {
      throw s.fail("indexing.group-id", group, "must not be empty");
    }
    return new ServiceSettings(
        host(s, "ingest.metrics-host"),
        s.integer("ingest.metrics-port", DEFAULT_INGEST_METRICS_PORT, 0, 65535),
        host(s, "trainer.metrics-host"),
        s.integer("trainer.metrics-port", DEFAULT_TRAINER_METRICS_PORT, 0, 65535),
        group,
        ingestCdc(s));
  }

  private static IngestCdc ingestCdc(Settings s) {
    String v = s.string("ingest.cdc", "embedded").strip();
    return switch (v.toLowerCase(java.util.Locale.ROOT)) {
      case "embedded" -> IngestCdc.EMBEDDED;
      case "connect" -> IngestCdc.CONNECT;
      default ->
          throw s.fail(
              "ingest.cdc",
              v,
              "must be 'embedded' (Debezium inside ragstream ingest) or 'connect' (Debezium in"
                  + " Kafka Connect; ingest runs the normalizer only)");
    };
  }

  /**
   * The external Kafka of a distributed process: {@code kafka.bootstrap-servers}, which has no
   * default there (there is no embedded broker).
   *
   * @param process the command, for the message ({@code ragstream ingest})
   * @throws ConfigException naming {@code kafka.bootstrap-servers} when it is unset
   */
  public static String requireKafka(LocalConfig config, String process) {
    if (config.kafkaBootstrapServers() == null) {
      throw new ConfigException(
          "kafka.bootstrap-servers",
          "is required by "
              + process
              + " (host:port[,host:port...] of the Kafka cluster; set it in the --config file or"
              + " RAGSTREAM_KAFKA_BOOTSTRAP_SERVERS)");
    }
    return config.kafkaBootstrapServers();
  }

  private static String host(Settings s, String key) {
    String host = s.string(key, "0.0.0.0").strip();
    if (host.isEmpty() || host.chars().anyMatch(Character::isWhitespace)) {
      throw s.fail(key, host, "must be a host name or address");
    }
    return host;
  }
}
