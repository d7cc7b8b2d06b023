package io.ragstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ragstream.cli.beir.GatewaySearchClient;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.core.model.Topics;
import io.ragstream.core.port.Embedder;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import io.ragstream.embedding.Embedders;
import java.net.URI;
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
 * The main job end to end on real parts: a database server on this machine, Debezium, an in-JVM
 * KRaft broker, Kafka Streams, Flink's MiniCluster, the ONNX model, Lucene and the gateway. The
 * tests share one platform and run in order; the restart test stops and starts it. Each source
 * database ({@link LocalPlatformIT} for PostgreSQL, {@link MariaDbLocalPlatformIT}) runs the same
 * tests through the hooks below.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class AbstractLocalPlatformIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private Path dataDir;

  protected final String suffix = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
  protected final String table = "ragstream_it_" + suffix;
  private LocalConfig config;
  private LocalPlatform platform;
  private Connection db;
  private Embedder queries;

  /** A new connection to the source database. */
  protected abstract Connection connect() throws Exception;

  /** The schema (PostgreSQL) or database (MariaDB) of the test table. */
  protected abstract String schema();

  /** The documentId prefix of the source: {@code pg:}, {@code mariadb:}. */
  protected abstract String idPrefix();

  /** {@code create table <schema.table>} with DESIGN's columns, in the database's dialect. */
  protected abstract String createTableSql(String qualifiedTable);

  /**
   * Insert-or-update of (id, title, body) with tenant and ACL {@code public} and {@code updated_at}
   * now, as a prepared statement with those three parameters.
   */
  protected abstract String upsertSql(String qualifiedTable);

  /** The source keys of {@link LocalConfig} besides data-dir, gateway and indexing. */
  protected abstract Map<String, String> sourceFlags();

  /** Drops what the source left in the database (slot, publication, table). */
  protected abstract void dropSourceState(Statement s) throws Exception;

  @BeforeAll
  void start(@TempDir Path dataDir) throws Exception {
    this.dataDir = dataDir;
    db = connect();
    try (Statement s = db.createStatement()) {
      s.execute(createTableSql(qualified()));
    }
    // Rows present before the first start: captured by the initial snapshot.
    upsert(
        "snap-1",
        "Snapshot row",
        "Photosynthesis converts light energy into chemical energy in chloroplasts.");
    Map<String, String> flags = new HashMap<>(sourceFlags());
    flags.put("data-dir", dataDir.toString());
    flags.put("source.table", qualified());
    flags.put("source.topic-prefix", "it" + suffix);
    flags.put("gateway.port", "0");
    flags.put("indexing.checkpoint-interval", "1s");
    config = LocalConfig.from(Settings.load(null, Map.of(), flags, LocalConfig.KEYS));
    platform = LocalPlatform.start(config);
    queries = Embedders.create("bge-small-en-v1.5-q");
  }

  @AfterAll
  void stop() throws Exception {
    if (platform != null) platform.close();
    if (queries != null) queries.close();
    try (Statement s = db.createStatement()) {
      dropSourceState(s);
    }
    db.close();
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
    exec("delete from " + qualified() + " where id = 'del-1'");
    awaitChunks("del-1", 0);
    long version = platform.store().version(id("del-1"));
    assertThat(version).as("a tombstone keeps the delete's version").isPositive();
  }

  @Test
  @Order(5)
  void primaryKeyChangeMovesTheDocument() throws Exception {
    upsert("pk-old", "Renamed", "Tectonic plates drift a few centimetres per year.");
    awaitChunks("pk-old", 1);
    exec("update " + qualified() + " set id = 'pk-new' where id = 'pk-old'");
    awaitChunks("pk-new", 1);
    awaitChunks("pk-old", 0);
    assertThat(top("tectonic plates drift", SearchMode.BM25).documentId()).isEqualTo(id("pk-new"));
    // Through the gateway as its anonymous caller (tenant and group public): the row's ACL
    // survived capture, normalization and indexing, and the old id is gone.
    List<String> viaGateway =
        new GatewaySearchClient(URI.create(platform.gatewayUrl()), WAIT, Map.of())
            .search("tectonic plates drift", 3, SearchMode.HYBRID)
            .documentIds();
    assertThat(viaGateway).first().isEqualTo(id("pk-new"));
    assertThat(viaGateway).doesNotContain(id("pk-old"));
  }

  @Test
  @Order(6)
  void malformedRecordsGoToTheDeadLetterTopicAndTheStreamGoesOn() throws Exception {
    String rawTopic = "it" + suffix + "." + qualified();
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

  protected String qualified() {
    return schema() + "." + table;
  }

  private String id(String key) {
    return idPrefix() + qualified() + ":" + key;
  }

  private void upsert(String id, String title, String body) throws Exception {
    try (PreparedStatement s = db.prepareStatement(upsertSql(qualified()))) {
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
        platform.bootstrapServers(), Topics.DLQ, WAIT, read -> read.size() >= expected);
  }
}
