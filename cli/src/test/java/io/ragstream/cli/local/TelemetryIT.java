package io.ragstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ragstream.cli.RagstreamMain;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.cli.status.PrometheusText;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.IndexedEvent;
import io.ragstream.core.model.Topics;
import io.ragstream.ingest.cdc.PostgresTeardown;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Acceptance 3 of issue 9 on the real platform (PostgreSQL on this machine, Debezium, in-JVM Kafka,
 * Kafka Streams, Flink MiniCluster, ONNX, Lucene, gateway): {@code GET /ready} stays false until
 * the initial snapshot is indexed while {@code /health} is up; every series of {@link
 * ExportedMetrics} is on {@code GET /metrics}; changes, a search, an answer and a rejected change
 * move them; {@code ragstream.indexed} carries the stamps; {@code ragstream status} reports it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TelemetryIT {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int SNAPSHOT_ROWS = 25;

  @TempDir static Path dataDir;

  private final PlatformFixture fixture = new PlatformFixture("tel");
  private final String table = "ragstream_it_tel_" + fixture.suffix;
  private final HttpClient http = HttpClient.newHttpClient();

  /** (status of GET /ready, documents in the index right after) while the snapshot is indexed. */
  private final List<long[]> readyProbes = new ArrayList<>();

  private final List<Integer> healthProbes = new ArrayList<>();
  private LocalConfig config;
  private LocalPlatform platform;
  private Connection db;

  @BeforeAll
  void start() throws Exception {
    db = PlatformFixture.connect();
    try (Statement s = db.createStatement()) {
      s.execute(
          "create table public."
              + table
              + " (id text primary key, title text, body text, tenant text, acl text[], updated_at timestamptz)");
    }
    for (int i = 0; i < SNAPSHOT_ROWS; i++) {
      upsert("snap-" + i, "Snapshot " + i, PlatformFixture.longText(120, i));
    }
    Map<String, String> flags = fixture.settings(dataDir);
    flags.put("source.table", "public." + table);
    flags.put("source.slot-metrics.interval", "500ms");
    flags.put("indexing.max-body-size", "4kb");
    config = LocalConfig.from(Settings.load(null, Map.of(), flags, LocalConfig.KEYS));
    platform = LocalPlatform.start(config);
    // Probe readiness and liveness from the moment the gateway listens until ready.
    AtomicBoolean seenReady = new AtomicBoolean();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              int ready = get("/ready").statusCode();
              readyProbes.add(new long[] {ready, platform.store().stats().documents()});
              healthProbes.add(get("/health").statusCode());
              if (ready == 200) seenReady.set(true);
              return seenReady.get();
            });
  }

  @AfterAll
  void stop() throws Exception {
    if (platform != null) platform.close();
    if (config != null)
      new PostgresTeardown(
              (io.ragstream.ingest.config.PostgresSourceConfig) config.source(),
              config.cdc().heartbeat())
          .run();
    fixture.dropAll("public." + table);
    if (db != null) db.close();
  }

  @Test
  @Order(1)
  void readyOnlyOnceTheSnapshotIsIndexedWhileHealthIsUpThroughout() {
    assertThat(readyProbes.get(0)[0])
        .as("not ready right after start (snapshot of %d rows to embed)", SNAPSHOT_ROWS)
        .isEqualTo(503);
    assertThat(readyProbes)
        .as("whenever /ready said 200, the whole snapshot was searchable")
        .filteredOn(p -> p[0] == 200)
        .isNotEmpty()
        .allSatisfy(p -> assertThat(p[1]).isEqualTo(SNAPSHOT_ROWS));
    assertThat(healthProbes).as("liveness").containsOnly(200);
  }

  @Test
  @Order(3)
  void exportsEverySeriesAndTheyMoveWhenWorkHappens() throws Exception {
    PrometheusText before = scrape();
    String freshness = "ragstream_freshness_seconds_count";
    Predicate<PrometheusText.Sample> ourTable = s -> s.label("table").equals("public." + table);
    assertThat(before.series(freshness, ourTable)).singleElement();
    assertThat(before.series("ragstream_kafka_consumer_lag_records"))
        .extracting(s -> s.label("group") + " " + s.label("topic"))
        .contains("ragstream-indexer " + Topics.CHANGES);
    assertThat(before.sum("ragstream_ready")).isEqualTo(1.0);
    assertThat(before.sum("ragstream_index_documents")).isEqualTo(SNAPSHOT_ROWS);

    long t0 = System.currentTimeMillis();
    for (int i = 0; i < 5; i++) {
      upsert("new-" + i, "Tides " + i, "Tides rise and fall twice a day because of the moon " + i);
    }
    upsert("huge", "Too big", PlatformFixture.longText(2000, 99)); // > 4 kb: indexer DLQ
    await().atMost(WAIT).until(() -> platform.store().stats().documents() == SNAPSHOT_ROWS + 5);
    post("/v1/search", "{\"query\":\"why do tides rise\",\"mode\":\"hybrid\"}");
    post("/v1/search", "{\"query\":\"tides moon\",\"mode\":\"bm25\"}");
    post("/v1/answer", "{\"question\":\"Why do tides rise and fall?\"}");

    Set<String> moved = new TreeSet<>();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              PrometheusText after = scrape();
              assertThat(after.names()).containsAll(ExportedMetrics.NAMES);
              moves(before, after, freshness, ourTable, 6, moved); // 5 upserts + 1 withdrawal
              moves(before, after, "ragstream_index_updates_applied_total", s -> true, 5, moved);
              moves(before, after, "ragstream_embedder_chunks_total", s -> true, 5, moved);
              moves(before, after, "ragstream_embedder_batch_seconds_count", s -> true, 5, moved);
              moves(before, after, "ragstream_store_apply_seconds_count", s -> true, 6, moved);
              moves(before, after, "ragstream_index_documents", s -> true, 5, moved);
              moves(
                  before,
                  after,
                  "ragstream_freshness_stage_seconds_count",
                  s -> s.label("stage").equals("index"),
                  6,
                  moved);
              moves(
                  before,
                  after,
                  "ragstream_dlq_records_total",
                  s ->
                      s.label("stage").equals("indexer")
                          && s.label("reason").equals("body_too_large"),
                  1,
                  moved);
              moves(
                  before,
                  after,
                  "ragstream_gateway_query_seconds_count",
                  s -> s.label("kind").equals("search") && s.label("mode").equals("hybrid"),
                  1,
                  moved);
              moves(
                  before,
                  after,
                  "ragstream_gateway_query_seconds_count",
                  s -> s.label("kind").equals("search") && s.label("mode").equals("bm25"),
                  1,
                  moved);
              moves(
                  before,
                  after,
                  "ragstream_gateway_first_token_seconds_count",
                  s -> s.label("kind").equals("answer"),
                  1,
                  moved);
              assertThat(after.sum("ragstream_indexer_checkpoints_completed")).isPositive();
              assertThat(after.sum("ragstream_index_last_committed_age_seconds"))
                  .isBetween(0.0, (System.currentTimeMillis() - t0) / 1000.0 + 1);
              double p99 =
                  after
                      .series(
                          "ragstream_freshness_recent_seconds",
                          s -> ourTable.test(s) && s.label("quantile").equals("0.99"))
                      .get(0)
                      .value();
              assertThat(p99).isPositive().isLessThan(60);
            });
    System.out.println("series that moved: " + moved);
  }

  @Test
  @Order(4)
  void indexedEventsCarryEveryStampInOrder() throws Exception {
    upsert("stamped", "Stamped", "Coral reefs host a quarter of all marine species.");
    String id = "pg:public." + table + ":stamped";
    List<ConsumerRecord<byte[], byte[]>> records =
        PlatformFixture.read(
            platform.bootstrapServers(),
            Topics.INDEXED,
            WAIT,
            rs -> rs.stream().anyMatch(r -> id.equals(key(r))));
    IndexedEvent e =
        records.stream()
            .filter(r -> id.equals(key(r)))
            .map(r -> Json.mapper().convertValue(json(r), IndexedEvent.class))
            .findFirst()
            .orElseThrow();
    assertThat(e.op()).isEqualTo(IndexedEvent.Op.UPSERT);
    assertThat(e.table()).isEqualTo("public." + table);
    assertThat(e.committedAt()).isPositive();
    assertThat(List.of(e.capturedAt(), e.normalizedAt(), e.embeddedAt(), e.searchableAt()))
        .as("captured ≤ normalized ≤ embedded ≤ searchable")
        .isSorted();
    // Commit time comes from the database server's clock: allow small skew.
    assertThat(e.capturedAt()).isGreaterThanOrEqualTo(e.committedAt() - 1_000);
    assertThat(e.freshnessMillis()).isBetween(0L, 60_000L);
  }

  @Test
  @Order(2)
  void statusCommandPrintsLagAndFreshness() {
    StringWriter out = new StringWriter();
    CommandLine cli = RagstreamMain.commandLine();
    cli.setOut(new PrintWriter(out));
    int code = cli.execute("status", "--data-dir", dataDir.toString());
    System.out.println(out);
    assertThat(code).as("ready").isZero();
    assertThat(out.toString())
        .contains("ready")
        .contains("lag ragstream-indexer")
        .contains("public." + table)
        .contains(SNAPSHOT_ROWS + " documents")
        .containsPattern("p50 \\d+(\\.\\d+)? (ms|s)");
  }

  private static void moves(
      PrometheusText before,
      PrometheusText after,
      String name,
      Predicate<PrometheusText.Sample> filter,
      double by,
      Set<String> moved) {
    double b = before.series(name, filter).stream().mapToDouble(PrometheusText.Sample::value).sum();
    double a = after.series(name, filter).stream().mapToDouble(PrometheusText.Sample::value).sum();
    assertThat(a - b).as("%s grew", name).isGreaterThanOrEqualTo(by);
    moved.add(name);
  }

  private PrometheusText scrape() throws Exception {
    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    return PrometheusText.parse(r.body());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(platform.gatewayUrl() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void post(String path, String body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(platform.gatewayUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("%s %s", path, r.body()).isEqualTo(200);
  }

  private static String key(ConsumerRecord<byte[], byte[]> r) {
    return r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
  }

  private static Object json(ConsumerRecord<byte[], byte[]> r) {
    try {
      return Json.mapper().readTree(r.value());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void upsert(String id, String title, String body) throws Exception {
    try (PreparedStatement s =
        db.prepareStatement(
            "insert into public."
                + table
                + " (id, title, body, tenant, acl, updated_at) values (?, ?, ?, 'public', '{public}', now())"
                + " on conflict (id) do update set title = excluded.title, body = excluded.body, updated_at = now()")) {
      s.setString(1, id);
      s.setString(2, title);
      s.setString(3, body);
      s.executeUpdate();
    }
  }
}
