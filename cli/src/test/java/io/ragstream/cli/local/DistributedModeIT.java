package io.ragstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ragstream.cli.RagstreamMain;
import io.ragstream.cli.beir.GatewaySearchClient;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.ServiceSettings;
import io.ragstream.cli.config.Settings;
import io.ragstream.cli.distributed.GatewayService;
import io.ragstream.cli.distributed.TrainerService;
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
 * The distributed mode on real parts: {@code ragstream ingest} runs as its own OS process (a child
 * JVM started with {@code --config}), the indexing job runs on a Flink MiniCluster in this JVM
 * (standing in for the Flink cluster), {@code ragstream gateway} and {@code ragstream trainer} run
 * as components ({@link GatewayService}, {@link TrainerService}) with their own data directories;
 * all of them share only an embedded Kafka broker and the Lucene index the job writes (read-only
 * for gateway and trainer). The PostgreSQL server on this machine is the source.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DistributedModeIT {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final Pattern INGEST_BANNER =
      Pattern.compile("ragstream ingest: /metrics, /health and /ready at (http://\\S+)");

  @TempDir static Path dir;

  private final PlatformFixture fixture = new PlatformFixture("dist");
  private final String table = "public.ragstream_it_dist_" + fixture.suffix;
  private final HttpClient http = HttpClient.newHttpClient();
  private EmbeddedKafkaBroker broker;
  private LocalConfig ingestConfig;
  private Process ingest;
  private Path ingestLog;
  private String ingestUrl;
  private JobClient job;
  private GatewayService gateway;
  private Connection db;

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
    Path ingestYaml = yaml("ingest.yaml", ingestKeys);
    ingestLog = dir.resolve("ingest.log");
    ingest =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-cp",
                System.getProperty("java.class.path"),
                RagstreamMain.class.getName(),
                "ingest",
                "--config",
                ingestYaml.toString())
            .redirectErrorStream(true)
            .redirectOutput(ingestLog.toFile())
            .start();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .failFast("ingest exited", () -> !ingest.isAlive())
        .until(() -> INGEST_BANNER.matcher(Files.readString(ingestLog)).find());
    Matcher m = INGEST_BANNER.matcher(Files.readString(ingestLog));
    assertThat(m.find()).isTrue();
    ingestUrl = m.group(1);

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

    // ragstream gateway, reading the job's index read-only.
    Map<String, String> gatewayKeys = settings("gateway");
    gatewayKeys.put("store.lucene.path", jobIndex().toString());
    gateway =
        GatewayService.start(
            LocalConfig.from(Settings.load(null, Map.of(), gatewayKeys, ServiceSettings.ALL_KEYS)),
            ServiceSettings.from(
                Settings.load(null, Map.of(), gatewayKeys, ServiceSettings.ALL_KEYS)));
  }

  @AfterAll
  void stop() throws Exception {
    if (gateway != null) gateway.close();
    if (job != null) job.cancel().get(60, TimeUnit.SECONDS);
    if (ingest != null && ingest.isAlive()) {
      ingest.destroy();
      if (!ingest.waitFor(60, TimeUnit.SECONDS)) ingest.destroyForcibly();
    }
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
        .until(() -> get(ingestUrl + "/health").statusCode() == 200);
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .until(() -> get(ingestUrl + "/ready").statusCode() == 200);
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(get(ingestUrl + "/metrics").body())
                    .containsPattern(
                        "ragstream_cdc_slot_active\\{slot=\"" + fixture.slot + "\",?} 1")
                    .containsPattern(
                        "ragstream_kafka_consumer_lag_records\\{group=\"[^\"]+\",topic=\"[^\"]+\",?} 0")
                    .contains("ragstream_ready 1.0"));
  }

  @Test
  @Order(3)
  void trainerStartsServesMetricsAndStops() throws Exception {
    Map<String, String> keys = settings("trainer");
    keys.put("store.lucene.path", jobIndex().toString());
    keys.put("trainer.registry-dir", dir.resolve("adapters").toString());
    keys.put("trainer.metrics-host", "127.0.0.1");
    keys.put("trainer.metrics-port", "0");
    Settings s = Settings.load(null, Map.of(), keys, ServiceSettings.ALL_KEYS);
    String url;
    try (TrainerService trainer =
        TrainerService.start(LocalConfig.from(s), ServiceSettings.from(s))) {
      url = trainer.opsUrl();
      assertThat(trainer.trainer().registryDir()).isEqualTo(dir.resolve("adapters"));
      await().atMost(WAIT).until(() -> get(url + "/ready").statusCode() == 200);
      assertThat(get(url + "/health").statusCode()).isEqualTo(200);
      assertThat(get(url + "/metrics").body())
          .contains("ragstream_trigger_labelled_pairs{kind=\"QUERY_ADAPTER\"")
          .contains("jvm_threads_live_threads");
    }
    assertThatThrownBy(() -> get(url + "/health")).isInstanceOf(ConnectException.class);
  }

  @Test
  @Order(4)
  void ingestProcessStopsCleanlyOnSigterm() throws Exception {
    ingest.destroy(); // SIGTERM
    assertThat(ingest.waitFor(60, TimeUnit.SECONDS)).as("exited within 60 s").isTrue();
    assertThat(ingest.exitValue()).as("exit status of a JVM ended by SIGTERM").isEqualTo(143);
    assertThat(Files.readString(ingestLog))
        .contains("ragstream ingest stopped")
        .doesNotContain("Error while stopping");
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

  // --- helpers ---------------------------------------------------------------------------------

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
