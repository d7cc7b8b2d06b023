package io.ragstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.core.model.Topics;
import io.ragstream.core.port.Embedder;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import io.ragstream.embedding.Embedders;
import io.ragstream.ingest.cdc.PostgresTeardown;
import io.ragstream.ingest.config.PostgresSourceConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job end to end on real parts: the PostgreSQL server on this machine, Debezium, an in-JVM
 * KRaft broker, Kafka Streams, Flink's MiniCluster, the ONNX model, Lucene and the gateway. The
 * tests share one platform and run in order; the restart test stops and starts it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalPlatformIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path dataDir;

  private final PlatformFixture fixture = new PlatformFixture("");
  private final String suffix = fixture.suffix;
  private final String table = "ragstream_it_" + suffix;
  private LocalConfig config;
  private LocalPlatform platform;
  private Connection db;
  private Embedder queries;

  @BeforeAll
  void start() throws Exception {
    db = PlatformFixture.connect();
    try (Statement s = db.createStatement()) {
      s.execute(
          "create table public."
              + table
              + " (id text primary key, title text, body text, tenant text, acl text[], updated_at timestamptz)");
    }
    // Rows present before the first start: captured by the initial snapshot.
    upsert(
        "snap-1",
        "Snapshot row",
        "Photosynthesis converts light energy into chemical energy in chloroplasts.");
    Map<String, String> flags = fixture.settings(dataDir);
    flags.put("source.table", "public." + table);
    flags.put("source.slot-metrics.interval", "500ms");
    config = LocalConfig.from(Settings.load(null, Map.of(), flags, LocalConfig.KEYS));
    platform = LocalPlatform.start(config);
    queries = Embedders.create("bge-small-en-v1.5-q");
  }

  @AfterAll
  void stop() throws Exception {
    if (platform != null) platform.close();
    if (queries != null) queries.close();
    new PostgresTeardown((PostgresSourceConfig) config.source(), config.cdc().heartbeat()).run();
    fixture.dropAll("public." + table);
    db.close();
  }

  @Test
  @Order(0)
  void replicationSlotMetricsAreServedOnMetrics() throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpRequest get =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(platform.gatewayUrl() + "/metrics"))
            .build();
    String slotTag = "slot=\"" + fixture.slot + "\"";
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              String body =
                  http.send(get, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
              assertThat(body)
                  .containsPattern("ragstream_cdc_slot_lag_bytes\\{" + slotTag + ",?} \\d")
                  .containsPattern("ragstream_cdc_slot_retained_wal_bytes\\{" + slotTag + ",?} \\d")
                  .containsPattern("ragstream_cdc_slot_active\\{" + slotTag + ",?} 1")
                  .containsPattern(
                      "ragstream_cdc_slot_wal_status\\{" + slotTag + ",status=\"reserved\",?} 1");
            });
  }

  @Test
  @Order(1)
  void snapshotRowsAndInsertsBecomeSearchable() throws Exception {
    awaitChunks("snap-1", 1);
    upsert(
        "ins-1",
        "Volcanoes",
        "Basaltic lava flows from shield volcanoes such as Mauna Loa in Hawaii.");
    awaitChunks("ins-1", 1);
    assertThat(top("shield volcano lava Hawaii", SearchMode.HYBRID).documentId())
        .isEqualTo(id("ins-1"));
    assertThat(top("chloroplast light energy", SearchMode.DENSE).documentId())
        .isEqualTo(id("snap-1"));
    await().atMost(WAIT).until(platform::ready);
  }

  @Test
  @Order(2)
  void updateReplacesOldChunks() throws Exception {
    upsert("ins-1", "Volcanoes", "Glaciers carve U-shaped valleys in the Alps during ice ages.");
    await()
        .atMost(WAIT)
        .until(() -> chunks("ins-1").stream().anyMatch(h -> h.text().contains("Glaciers")));
    assertThat(chunks("ins-1")).hasSize(1).noneMatch(h -> h.text().contains("Basaltic"));
    assertThat(bm25("Basaltic Mauna Loa")).noneMatch(h -> h.documentId().equals(id("ins-1")));
  }

  @Test
  @Order(3)
  void shrinkingUpdateRemovesSurplusChunks() throws Exception {
    upsert("long-1", "Long", PlatformFixture.longText(1500, 7));
    await().atMost(WAIT).until(() -> chunks("long-1").size() >= 3);
    int before = chunks("long-1").size();
    upsert("long-1", "Long", "Now it is a single short sentence about tides.");
    await().atMost(WAIT).until(() -> chunks("long-1").size() == 1);
    assertThat(before).isGreaterThanOrEqualTo(3);
    assertThat(chunks("long-1").get(0).text()).contains("tides");
  }

  @Test
  @Order(4)
  void deleteRemovesEveryChunk() throws Exception {
    upsert("del-1", "Doomed", "Mitochondria produce ATP through oxidative phosphorylation.");
    awaitChunks("del-1", 1);
    exec("delete from public." + table + " where id = 'del-1'");
    awaitChunks("del-1", 0);
    long version = platform.store().version(id("del-1"));
    assertThat(version).as("a tombstone keeps the delete's version").isPositive();
  }

  @Test
  @Order(5)
  void primaryKeyChangeMovesTheDocument() throws Exception {
    upsert("pk-old", "Renamed", "Tectonic plates drift a few centimetres per year.");
    awaitChunks("pk-old", 1);
    exec("update public." + table + " set id = 'pk-new' where id = 'pk-old'");
    awaitChunks("pk-new", 1);
    awaitChunks("pk-old", 0);
    assertThat(top("tectonic plates drift", SearchMode.BM25).documentId()).isEqualTo(id("pk-new"));
  }

  @Test
  @Order(6)
  void malformedRecordsGoToTheDeadLetterTopicAndTheStreamGoesOn() throws Exception {
    String rawTopic = fixture.topicPrefix + ".public." + table;
    try (var producer =
        new KafkaProducer<>(
            Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()),
            new StringSerializer(),
            new StringSerializer())) {
      producer.send(new ProducerRecord<>(rawTopic, "{\"id\":\"x\"}", "{not json")).get();
      producer.send(new ProducerRecord<>(Topics.CHANGES, "pg:bad", "{\"op\":\"UPSERT\"}")).get();
    }
    upsert(
        "after-bad",
        "Still flowing",
        "Honeybees communicate the direction of food with a waggle dance.");
    awaitChunks("after-bad", 1);
    List<ConsumerRecord<byte[], byte[]>> dead = readDlq(2);
    assertThat(dead).hasSize(2);
    assertThat(dead)
        .allSatisfy(r -> assertThat(r.headers().lastHeader(Topics.DLQ_HEADER_REASON)).isNotNull());
    assertThat(dead)
        .extracting(
            r ->
                new String(
                    r.headers().lastHeader(Topics.DLQ_HEADER_STAGE).value(),
                    StandardCharsets.UTF_8))
        .containsExactlyInAnyOrder("normalizer", "indexer");
  }

  @Test
  @Order(7)
  void restartResumesWithoutResnapshotOrDuplicates() throws Exception {
    await().atMost(WAIT).until(platform::ready);
    Map<String, Integer> before = chunkCounts();
    long pointsBefore = platform.store().stats().points();
    platform.close();
    platform = null;
    upsert("while-down", "Offline", "Coral reefs bleach when sea temperatures rise.");
    platform = LocalPlatform.start(config);
    awaitChunks("while-down", 1);
    await().atMost(WAIT).until(platform::ready);
    assertThat(platform.cdc().recordsWritten())
        .as("only the change made while stopped is captured, no new snapshot")
        .isEqualTo(1);
    before.put(id("while-down"), 1);
    assertThat(chunkCounts()).isEqualTo(before);
    assertThat(platform.store().stats().points()).isEqualTo(pointsBefore + 1);
  }

  // --- helpers ---------------------------------------------------------------------------------

  private String id(String key) {
    return "pg:public." + table + ":" + key;
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

  private void exec(String sql) throws Exception {
    try (Statement s = db.createStatement()) {
      s.execute(sql);
    }
  }

  /** Every chunk of a document: a dense search over the whole (small) index, filtered by id. */
  private List<SearchHit> chunks(String key) {
    return PlatformFixture.chunks(platform.store(), queries, id(key));
  }

  private Map<String, Integer> chunkCounts() {
    float[] v = queries.embedQuery("anything");
    Map<String, Integer> counts = new HashMap<>();
    for (SearchHit h :
        platform
            .store()
            .search(
                new SearchRequest(
                    "anything",
                    v,
                    SearchRequest.MAX_K,
                    SearchMode.DENSE,
                    SearchFilter.NONE,
                    false))) {
      counts.merge(h.documentId(), 1, Integer::sum);
    }
    return counts;
  }

  private void awaitChunks(String key, int n) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> chunks(key).size() == n);
  }

  private List<SearchHit> bm25(String q) {
    return platform
        .store()
        .search(new SearchRequest(q, null, 10, SearchMode.BM25, SearchFilter.NONE, false));
  }

  private SearchHit top(String q, SearchMode mode) {
    return platform
        .store()
        .search(new SearchRequest(q, queries.embedQuery(q), 1, mode, SearchFilter.NONE, true))
        .get(0);
  }

  private List<ConsumerRecord<byte[], byte[]>> readDlq(int expected) {
    return PlatformFixture.read(
        platform.bootstrapServers(), Topics.DLQ, WAIT, out -> out.size() >= expected);
  }
}
