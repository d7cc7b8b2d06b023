package io.ragstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ragstream.cli.bench.CliRun;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.core.model.Topics;
import io.ragstream.core.port.Embedder;
import io.ragstream.core.store.SearchHit;
import io.ragstream.embedding.Embedders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad data end to end (docs/bad-data.md): rows with empty, NULL, huge and many-chunk bodies, JSON,
 * numeric, uuid, enum, geometric and array columns, a TOASTed body left unchanged by an update, and
 * schema changes on the running capture (added, dropped and renamed columns) go through the real
 * PostgreSQL → Debezium → Kafka → normalizer → Flink → Lucene. For each row the test asserts where
 * it ended up: searchable (with its chunks), indexed without chunks, or in {@code ragstream.dlq}
 * with the expected reason code and stage. Finally the size cap is raised, the platform restarted
 * and {@code ragstream dlq replay --reason body_too_large} makes the huge row searchable.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadDataIT {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir static Path dir;

  private final PlatformFixture fixture = new PlatformFixture("bad_");
  private final String docs = "bd_" + fixture.suffix;
  private final String json = "bdj_" + fixture.suffix;
  private final String mood = "bd_mood_" + fixture.suffix;
  private Connection db;
  private LocalPlatform platform;
  private Embedder queries;
  private Path configFile;

  @BeforeAll
  void start() throws Exception {
    db = PlatformFixture.connect();
    exec("create type " + mood + " as enum ('calm', 'stormy')");
    exec(
        "create table public."
            + docs
            + " (id text primary key, title text, body text, tenant text, acl text[],"
            + " meta jsonb, price numeric(10,2), uid uuid, mood "
            + mood
            + ", pt point, nums int[], due timestamp, scratch text)");
    // Out-of-line without compression, so a 3 KB body is TOASTed.
    exec("alter table public." + docs + " alter column body set storage external");
    exec(
        "create table public."
            + json
            + " (id text primary key, title text, body jsonb, tenant text, acl text[])");
    configFile = dir.resolve("ragstream.yaml");
    writeConfig("16kb", 3);
    start(configFile);
    queries = Embedders.create("bge-small-en-v1.5-q");
  }

  @AfterAll
  void stop() throws Exception {
    if (platform != null) platform.close();
    if (queries != null) queries.close();
    db.close();
    fixture.dropAll("public." + docs, "public." + json);
    try (Connection c = PlatformFixture.connect();
        Statement s = c.createStatement()) {
      s.execute("drop type if exists " + mood);
    }
  }

  @Test
  @Order(1)
  void eachBadRowEndsUpSearchableEmptyOrInTheDlqWithItsReason() throws Exception {
    insert("ok", "Bees", "Honeybees communicate the direction of food with a waggle dance.");
    insert("empty", "Empty body", "");
    insert("null", "Null body", null);
    insert("huge", "Huge", PlatformFixture.longText(2_500, 1)); // ~22 KB: above the 16 KiB cap
    insert(
        "many", "Many", PlatformFixture.longText(1_200, 2)); // ~10 KB, over 3 chunks of 400 tokens
    insert("shrunk", "Shrunk", "Glaciers carve U-shaped valleys during ice ages.");
    exec(
        "insert into public."
            + docs
            + " (id, title, body, tenant, acl, meta, price, uid, mood, pt, nums, due) values"
            + " ('types', 'Types', 'Tides follow the moon.', 'public', '{public}',"
            + " '{\"lang\": \"en\", \"n\": [1, 2]}', 12.50, '7d9f3c1e-1111-4c3b-9a51-0c7e8d2b6a10',"
            + " 'stormy', point(1.5, 2), '{1,2}', '2024-05-01 12:00:00')");
    exec(
        "insert into public."
            + json
            + " values ('j1', 'Json', '{\"summary\": \"Volcanic ash grounds flights\"}', 'public',"
            + " '{public}')");

    awaitChunks(docs, "ok", 1);
    awaitChunks(docs, "shrunk", 1);
    awaitChunks(docs, "types", 1);
    awaitChunks(json, "j1", 1);
    assertThat(chunks(json, "j1").get(0).text()).contains("Volcanic ash grounds flights");
    await().atMost(WAIT).until(() -> platform.store().version(id(docs, "empty")) > 0);
    await().atMost(WAIT).until(() -> platform.store().version(id(docs, "null")) > 0);
    assertThat(chunks(docs, "empty")).as("an empty body indexes no chunk").isEmpty();
    assertThat(chunks(docs, "null")).as("a NULL body indexes no chunk").isEmpty();

    DocumentChange types = lastChange(id(docs, "types"));
    assertThat(types.metadata())
        .containsEntry("meta", "{\"n\": [1, 2], \"lang\": \"en\"}")
        .containsEntry("price", "12.50")
        .containsEntry("uid", "7d9f3c1e-1111-4c3b-9a51-0c7e8d2b6a10")
        .containsEntry("mood", "stormy")
        .containsEntry("nums", "[1,2]");
    assertThat(types.metadata().get("pt")).contains("\"x\":1.5").contains("\"y\":2.0");
    assertThat(types.metadata().get("due"))
        .as("timestamp without time zone: epoch microseconds (Debezium MicroTimestamp)")
        .isEqualTo("1714564800000000");

    // Grows over the cap: the change is dead-lettered and the old chunks are withdrawn.
    update("shrunk", "body", PlatformFixture.longText(2_500, 3));
    awaitChunks(docs, "shrunk", 0);

    assertDeadLetter(id(docs, "huge"), "indexer", "body_too_large");
    assertDeadLetter(id(docs, "many"), "indexer", "too_many_chunks");
    assertDeadLetter(id(docs, "shrunk"), "indexer", "body_too_large");
    assertThat(chunks(docs, "huge")).isEmpty();
    assertThat(chunks(docs, "many")).isEmpty();
  }

  @Test
  @Order(2)
  void anUnchangedToastedBodyIsReselectedNotIndexedAsDebeziumsPlaceholder() throws Exception {
    insert("toast", "Toast", PlatformFixture.longText(350, 4));
    awaitChunks(docs, "toast", n -> n > 0);
    int indexed = chunks(docs, "toast").size();
    // A title-only UPDATE of a row whose body is TOASTed: PostgreSQL logs no body, Debezium's
    // reselect post processor reads it back, and the document is re-indexed with its full body.
    update("toast", "title", "Toast renamed");
    await()
        .atMost(WAIT)
        .until(
            () ->
                chunks(docs, "toast").size() == indexed
                    && chunks(docs, "toast").stream()
                        .allMatch(h -> h.title().equals("Toast renamed")));
    assertThat(chunks(docs, "toast"))
        .noneMatch(h -> h.text().contains("__debezium_unavailable_value"));
  }

  @Test
  @Order(3)
  void schemaChangesOnTheRunningCapture() throws Exception {
    exec("alter table public." + docs + " add column extra text");
    insert("after-add", "Added", "Coral reefs bleach when the sea warms.");
    awaitChunks(docs, "after-add", 1);

    exec("alter table public." + docs + " drop column scratch");
    insert("after-drop", "Dropped", "Tectonic plates drift a few centimetres a year.");
    awaitChunks(docs, "after-drop", 1);

    exec("alter table public." + docs + " rename column title to headline");
    exec(
        "insert into public."
            + docs
            + " (id, headline, body, tenant, acl) values ('renamed', 'R', 'Salt marshes store"
            + " carbon.', 'public', '{public}')");
    DeadLetterView renamed = awaitDeadLetter(d -> d.key().contains("\"renamed\""));
    assertThat(renamed.code()).isEqualTo("column_missing");
    assertThat(renamed.reason()).contains("'title'").contains("title-column");
    exec("alter table public." + docs + " rename column headline to title");

    exec("alter table public." + json + " drop column body");
    exec("insert into public." + json + " values ('j2', 'No body', 'public', '{public}')");
    DeadLetterView dropped = awaitDeadLetter(d -> d.key().contains("\"j2\""));
    assertThat(dropped.code()).isEqualTo("column_missing");
    assertThat(dropped.reason()).contains("'body'").contains("body-column");
    assertThat(chunks(docs, "renamed")).isEmpty();
    assertThat(platform.store().version(id(json, "j2"))).as("never indexed").isNegative();
  }

  @Test
  @Order(4)
  void dlqListShowsTheDeadLettersAndReplayIndexesThemOnceTheCapIsRaised() throws Exception {
    CliRun list = CliRun.of("dlq", "list", "--json", "--config", configFile.toString());
    assertThat(list.exitCode()).as(list.err()).isZero();
    var listed = Json.mapper().readTree(list.out());
    assertThat(listed.findValuesAsText("code"))
        .contains("body_too_large", "too_many_chunks", "column_missing");

    platform.close();
    platform = null;
    exec("alter table public." + json + " add column body jsonb"); // checked at start
    writeConfig("64kb", 100);
    start(configFile);
    CliRun replay =
        CliRun.of("dlq", "replay", "--reason", "body_too_large", "--config", configFile.toString());
    assertThat(replay.exitCode()).as(replay.err()).isZero();
    assertThat(replay.out()).contains("replayed 2 record(s)");
    awaitChunks(docs, "huge", n -> n > 3);
    awaitChunks(docs, "shrunk", n -> n > 3); // newer than its withdrawal, so indexed
  }

  // --- helpers ---------------------------------------------------------------------------------

  private record DeadLetterView(String key, String code, String stage, String reason) {}

  private void start(Path config) throws Exception {
    platform =
        LocalPlatform.start(
            LocalConfig.from(
                Settings.load(config, Map.of(), Map.of("gateway.port", "0"), LocalConfig.KEYS)));
  }

  private void writeConfig(String maxBodySize, int maxChunks) throws Exception {
    StringBuilder yaml = new StringBuilder();
    yaml.append("data-dir: ").append(dir.resolve("data")).append('\n');
    Map<String, String> s = fixture.settings(dir.resolve("data"));
    yaml.append("source:\n")
        .append("  jdbc-url: ")
        .append(s.get("source.jdbc-url"))
        .append('\n')
        .append("  slot: ")
        .append(fixture.slot)
        .append('\n')
        .append("  publication: ")
        .append(fixture.publication)
        .append('\n')
        .append("  topic-prefix: ")
        .append(fixture.topicPrefix)
        .append('\n')
        .append("  tables:\n")
        .append("    - {schema: public, table: ")
        .append(docs)
        .append(", metadata-columns: [meta, price, uid, mood, pt, nums, due]}\n")
        .append("    - {schema: public, table: ")
        .append(json)
        .append("}\n")
        .append("indexing:\n")
        .append("  checkpoint-interval: 1s\n")
        .append("  max-body-size: ")
        .append(maxBodySize)
        .append('\n')
        .append("  max-chunks: ")
        .append(maxChunks)
        .append('\n');
    Files.writeString(configFile, yaml.toString());
  }

  private String id(String table, String key) {
    return "pg:public." + table + ":" + key;
  }

  private void insert(String key, String title, String body) throws Exception {
    try (PreparedStatement s =
        db.prepareStatement(
            "insert into public."
                + docs
                + " (id, title, body, tenant, acl) values (?, ?, ?, 'public', '{public}')")) {
      s.setString(1, key);
      s.setString(2, title);
      s.setString(3, body);
      s.executeUpdate();
    }
  }

  private void update(String key, String column, String value) throws Exception {
    try (PreparedStatement s =
        db.prepareStatement("update public." + docs + " set " + column + " = ? where id = ?")) {
      s.setString(1, value);
      s.setString(2, key);
      s.executeUpdate();
    }
  }

  private void exec(String sql) throws Exception {
    try (Statement s = db.createStatement()) {
      s.execute(sql);
    }
  }

  private List<SearchHit> chunks(String table, String key) {
    return PlatformFixture.chunks(platform.store(), queries, id(table, key));
  }

  private void awaitChunks(String table, String key, int n) {
    awaitChunks(table, key, c -> c == n);
  }

  private void awaitChunks(String table, String key, java.util.function.IntPredicate n) {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> n.test(chunks(table, key).size()));
  }

  private DocumentChange lastChange(String documentId) {
    List<ConsumerRecord<byte[], byte[]>> read =
        PlatformFixture.read(
            platform.bootstrapServers(),
            Topics.CHANGES,
            WAIT,
            out -> out.stream().anyMatch(r -> documentId.equals(str(r.key()))));
    DocumentChange last = null;
    for (ConsumerRecord<byte[], byte[]> r : read) {
      if (documentId.equals(str(r.key())) && r.value() != null) {
        last = Json.readChange(r.value());
      }
    }
    return last;
  }

  private void assertDeadLetter(String key, String stage, String code) {
    DeadLetterView d = awaitDeadLetter(v -> key.equals(v.key()) && code.equals(v.code()));
    assertThat(d.stage()).isEqualTo(stage);
  }

  private DeadLetterView awaitDeadLetter(java.util.function.Predicate<DeadLetterView> match) {
    List<ConsumerRecord<byte[], byte[]>> read =
        PlatformFixture.read(
            platform.bootstrapServers(),
            Topics.DLQ,
            WAIT,
            out -> out.stream().map(BadDataIT::view).anyMatch(match));
    return read.stream().map(BadDataIT::view).filter(match).findFirst().orElseThrow();
  }

  private static DeadLetterView view(ConsumerRecord<byte[], byte[]> r) {
    return new DeadLetterView(
        String.valueOf(str(r.key())),
        header(r, Topics.DLQ_HEADER_CODE),
        header(r, Topics.DLQ_HEADER_STAGE),
        header(r, Topics.DLQ_HEADER_REASON));
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : str(h.value());
  }

  private static String str(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }
}
