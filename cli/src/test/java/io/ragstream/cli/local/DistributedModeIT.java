package io.ragstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ragstream.cli.RagstreamMain;
import io.ragstream.cli.beir.GatewaySearchClient;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.ServiceSettings;
import io.ragstream.cli.config.Settings;
import io.ragstream.core.model.Topics;
import io.ragstream.core.store.SearchMode;
import io.ragstream.ingest.cdc.PostgresTeardown;
import io.ragstream.ingest.config.PostgresSourceConfig;
import io.ragstream.ingest.kafka.KafkaTopics;
import io.ragstream.localkafka.EmbeddedKafkaBroker;
import io.ragstream.processors.indexing.Components;
import io.ragstream.processors.indexing.DocumentIndexingJob;
import io.ragstream.processors.local.LocalFlinkRunner;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distributed mode on real parts, each process its own JVM: {@code ragstream ingest}, {@code
 * ragstream gateway} and {@code ragstream trainer} run as child processes started with {@code
 * --config} (the test's class path, so what {@code ./ragstream} would run), the indexing job runs
 * on a Flink MiniCluster in the test JVM, standing in for the Flink cluster. They share only an
 * embedded Kafka broker and the Lucene index the job writes (read-only for gateway and trainer).
 * The PostgreSQL server on this machine is the source. The children's output is kept in {@code
 * target/distributed-it-<suffix>/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DistributedModeIT {
  private static final Duration WAIT = Duration.ofSeconds(120);

  /** A child JVM loads its parts (and the gateway waits for the index) on a busy machine. */
  private static final Duration START_WAIT = Duration.ofMinutes(4);

  private static final Pattern INGEST_BANNER =
      Pattern.compile("ragstream ingest: /metrics, /health and /ready at (http://\\S+)");
  private static final Pattern GATEWAY_BANNER =
      Pattern.compile("ragstream gateway: API, /metrics, /health and /ready at (http://\\S+)");
  private static final Pattern TRAINER_BANNER =
      Pattern.compile("ragstream trainer: /metrics, /health and /ready at (http://[^;\\s]+)");

  @TempDir static Path dir;

  private final PlatformFixture fixture = new PlatformFixture("dist");
  private final String table = "public.ragstream_it_dist_" + fixture.suffix;
  private final Path logs = Path.of("target", "distributed-it-" + fixture.suffix).toAbsolutePath();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Process> children = new java.util.ArrayList<>();
  private EmbeddedKafkaBroker broker;
  private LocalConfig ingestConfig;
  private Child ingest;
  private Child gateway;
  private JobClient job;
  private Connection db;

  /** A child JVM running one {@code ragstream} command; {@code url} is the one its banner names. */
  private record Child(String command, Process process, Path log, String url) {}

  @BeforeAll
  void start() throws Exception {
    db = PlatformFixture.connect();
    try (Statement s = db.createStatement()) {
      s.execute(
          "create table "
              + table
              + " (id text primary key, title text, body text, tenant text, acl text[],"
              + " updated_at timestamptz)");
    }
    upsert(
        "snap-1",
        "Snapshot row",
        "Photosynthesis converts light energy into chemical energy in chloroplasts.");
    broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0, Duration.ofSeconds(90));

    // ragstream ingest, its own process.
    Map<String, String> ingestKeys = settings("ingest");
    ingestKeys.put("ingest.metrics-host", "127.0.0.1");
    ingestKeys.put("ingest.metrics-port", "0");
    ingestConfig =
        LocalConfig.from(Settings.load(null, Map.of(), ingestKeys, ServiceSettings.ALL_KEYS));
    ingest = launch("ingest", ingestKeys, INGEST_BANNER);

    // The indexing job on a MiniCluster, as the Flink cluster would run it.
    LocalConfig jobConfig =
        LocalConfig.from(Settings.load(null, Map.of(), settings("job"), LocalConfig.KEYS));
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      KafkaTopics.createMissing(
          admin, List.of(new NewTopic(Topics.INDEXED, 1, (short) 1)), Duration.ofSeconds(30));
    }
    String bootstrap = broker.bootstrapServers();
    job =
        LocalFlinkRunner.start(
            DocumentIndexingJob.builder()
                .embeddedChunks(chunks -> {})
                .source(
                    DocumentIndexingJob.kafkaSource(
                        bootstrap, Topics.CHANGES, ServiceSettings.DEFAULT_INDEXER_GROUP))
                .deadLetterSink(DocumentIndexingJob.deadLetterSink(bootstrap, Topics.DLQ))
                .indexedEvents(DocumentIndexingJob.kafkaIndexedEvents(bootstrap, Topics.INDEXED))
                .store(Components.luceneStore(jobIndex(), jobConfig.storeOptions()))
                .embedder(Components.embedder(jobConfig.embedder()))
                .chunker(
                    Components.tokenChunker(
                        jobConfig.chunkMaxTokens(), jobConfig.chunkOverlapTokens()))
                .parallelism(1)
                .limits(jobConfig.limits())
                .build(),
            dir.resolve("job").resolve("flink-checkpoints"),
            Duration.ofSeconds(1),
            1,
            null);

    // ragstream gateway, its own process, reading the job's index read-only.
    Map<String, String> gatewayKeys = settings("gateway");
    gatewayKeys.put("store.lucene.path", jobIndex().toString());
    gateway = launch("gateway", gatewayKeys, GATEWAY_BANNER);
  }

  @AfterAll
  void stop() throws Exception {
    for (Process p : children) {
      if (p.isAlive()) {
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
      }
    }
    if (job != null) job.cancel().get(60, TimeUnit.SECONDS);
    if (broker != null) broker.close();
    if (ingestConfig != null) {
      new PostgresTeardown(
              (PostgresSourceConfig) ingestConfig.source(), ingestConfig.cdc().heartbeat())
          .run();
    }
    fixture.dropAll(table);
    if (db != null) db.close();
  }

  @Test
  @Order(1)
  void rowInsertedInPostgresBecomesSearchableThroughTheGatewayProcess() throws Exception {
    GatewaySearchClient search = new GatewaySearchClient(URI.create(gateway.url()), WAIT, Map.of());
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                search
                    .search("chloroplast light energy", 3, SearchMode.DENSE)
                    .documentIds()
                    .contains(id("snap-1")));
    upsert(
        "ins-1",
        "Volcanoes",
        "Basaltic lava flows from shield volcanoes such as Mauna Loa in Hawaii.");
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                search
                    .search("shield volcano lava Hawaii", 3, SearchMode.HYBRID)
                    .documentIds()
                    .stream()
                    .findFirst()
                    .equals(java.util.Optional.of(id("ins-1"))));
    // The gateway is ready once the job's consumer group has caught up on ragstream.changes.
    await().atMost(WAIT).until(() -> get(gateway.url() + "/ready").statusCode() == 200);
    assertThat(get(gateway.url() + "/ready").body()).contains("\"documents\":2");
  }

  @Test
  @Order(2)
  void ingestProcessServesHealthReadinessAndSlotMetrics() throws Exception {
    // Retried: on a loaded 2-core machine the child JVM can be slow to answer one request.
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .until(() -> get(ingest.url() + "/health").statusCode() == 200);
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .until(() -> get(ingest.url() + "/ready").statusCode() == 200);
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(get(ingest.url() + "/metrics").body())
                    .containsPattern(
                        "ragstream_cdc_slot_active\\{slot=\"" + fixture.slot + "\",?} 1")
                    .containsPattern(
                        "ragstream_kafka_consumer_lag_records\\{group=\"[^\"]+\",topic=\"[^\"]+\",?} 0")
                    .contains("ragstream_ready 1.0"));
  }

  @Test
  @Order(3)
  void trainerProcessServesMetricsAndStopsOnSigterm() throws Exception {
    Map<String, String> keys = settings("trainer");
    keys.put("store.lucene.path", jobIndex().toString());
    keys.put("trainer.registry-dir", dir.resolve("adapters").toString());
    keys.put("trainer.metrics-host", "127.0.0.1");
    keys.put("trainer.metrics-port", "0");
    Child trainer = launch("trainer", keys, TRAINER_BANNER);
    assertThat(Files.readString(trainer.log())).contains("adapters in " + dir.resolve("adapters"));
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .until(() -> get(trainer.url() + "/ready").statusCode() == 200);
    assertThat(get(trainer.url() + "/health").statusCode()).isEqualTo(200);
    assertThat(get(trainer.url() + "/metrics").body())
        .contains("ragstream_trigger_labelled_pairs{kind=\"QUERY_ADAPTER\"")
        .contains("jvm_threads_live_threads");
    stopsOnSigterm(trainer);
    assertThatThrownBy(() -> get(trainer.url() + "/health")).isInstanceOf(ConnectException.class);
  }

  @Test
  @Order(4)
  void gatewayAndIngestStopCleanlyOnSigterm() throws Exception {
    stopsOnSigterm(gateway);
    stopsOnSigterm(ingest);
    try (Statement st = db.createStatement();
        ResultSet rs =
            st.executeQuery(
                "select active from pg_replication_slots where slot_name = '"
                    + fixture.slot
                    + "'")) {
      assertThat(rs.next()).as("the slot stays for the next start").isTrue();
      assertThat(rs.getBoolean(1)).as("nobody streams from it any more").isFalse();
    }
  }

  @Test
  @Order(5)
  void ingestWithDebeziumInKafkaConnectRunsTheNormalizerOnly() throws Exception {
    // ingest.cdc: connect (infra/connect runs Debezium): no capture of its own, so the slot the
    // previous ingest left stays inactive; readiness waits for the normalizer's lag only.
    Map<String, String> keys = settings("ingest");
    keys.put("ingest.metrics-host", "127.0.0.1");
    keys.put("ingest.metrics-port", "0");
    keys.put("ingest.cdc", "connect");
    Settings s = Settings.load(null, Map.of(), keys, ServiceSettings.ALL_KEYS);
    try (io.ragstream.cli.distributed.IngestService connect =
        io.ragstream.cli.distributed.IngestService.start(
            LocalConfig.from(s), ServiceSettings.from(s))) {
      assertThat(connect.ingest().cdc()).as("no embedded Debezium engine").isNull();
      await().atMost(WAIT).until(connect::ready);
      assertThat(get(connect.opsUrl() + "/health").statusCode()).isEqualTo(200);
      // The slot metrics still report the slot Kafka Connect would stream from.
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(
              () ->
                  assertThat(get(connect.opsUrl() + "/metrics").body())
                      .containsPattern(
                          "ragstream_cdc_slot_active\\{slot=\"" + fixture.slot + "\",?} 0"));
      try (Statement st = db.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "select active from pg_replication_slots where slot_name = '"
                      + fixture.slot
                      + "'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBoolean(1)).as("nobody streams from the slot").isFalse();
      }
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  /**
   * Starts {@code ragstream <command> --config <keys as YAML>} in a child JVM and waits for the
   * banner that says where it serves.
   */
  private Child launch(String command, Map<String, String> keys, Pattern banner) throws Exception {
    Files.createDirectories(logs);
    Path yaml = yaml(command + ".yaml", keys);
    Path log = logs.resolve(command + ".log");
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-cp",
                System.getProperty("java.class.path"),
                RagstreamMain.class.getName(),
                command,
                "--config",
                yaml.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    children.add(process);
    await()
        .atMost(START_WAIT)
        .pollInterval(Duration.ofMillis(200))
        .failFast(command + " exited before serving, see " + log, () -> !process.isAlive())
        .until(() -> banner.matcher(Files.readString(log)).find());
    Matcher m = banner.matcher(Files.readString(log));
    assertThat(m.find()).isTrue();
    return new Child(command, process, log, m.group(1));
  }

  /** SIGTERM ends {@code c} within a minute, after its shutdown hook stopped every part. */
  private void stopsOnSigterm(Child c) throws Exception {
    c.process().destroy(); // SIGTERM
    assertThat(c.process().waitFor(60, TimeUnit.SECONDS)).as(c.command() + " exited").isTrue();
    assertThat(c.process().exitValue()).as("exit status after SIGTERM").isEqualTo(143);
    assertThat(Files.readString(c.log()))
        .as(c.command() + " log")
        .contains("ragstream " + c.command() + " stopped")
        .doesNotContain("Error while stopping");
  }

  /** The run's source, slot and Kafka, with {@code data-dir} {@code <dir>/<process>}. */
  private Map<String, String> settings(String process) {
    Map<String, String> keys = new HashMap<>(fixture.settings(dir.resolve(process)));
    keys.put("source.table", table);
    keys.put("kafka.bootstrap-servers", broker.bootstrapServers());
    return keys;
  }

  private Path jobIndex() {
    return dir.resolve("job").resolve("index");
  }

  private Path yaml(String name, Map<String, String> keys) throws Exception {
    StringBuilder sb = new StringBuilder();
    keys.forEach((k, v) -> sb.append(k).append(": '").append(v.replace("'", "''")).append("'\n"));
    Path file = dir.resolve(name);
    Files.writeString(file, sb.toString());
    return file;
  }

  private String id(String key) {
    return "pg:" + table + ":" + key;
  }

  private void upsert(String id, String title, String body) throws Exception {
    try (PreparedStatement s =
        db.prepareStatement(
            "insert into "
                + table
                + " (id, title, body, tenant, acl, updated_at) values (?, ?, ?, 'public',"
                + " '{public}', now()) on conflict (id) do update set title = excluded.title,"
                + " body = excluded.body, updated_at = now()")) {
      s.setString(1, id);
      s.setString(2, title);
      s.setString(3, body);
      s.executeUpdate();
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
