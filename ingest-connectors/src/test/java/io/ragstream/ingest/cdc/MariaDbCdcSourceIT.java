package io.ragstream.ingest.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.ingest.config.MariaDbSourceConfig;
import io.ragstream.ingest.config.Secret;
import io.ragstream.ingest.config.SourceKind;
import io.ragstream.ingest.config.TableMapping;
import io.ragstream.ingest.normalize.ChangeNormalizerRunner;
import io.ragstream.ingest.normalize.NormalizerConfig;
import io.ragstream.localkafka.EmbeddedKafkaBroker;
import java.io.ObjectInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MariaDbCdcSource} against the MariaDB server on the machine ({@code
 * -Dragstream.it.mariadbHost}/{@code Port}/{@code Database}, default 127.0.0.1:3306, database
 * {@code test}, user root without password; needs the binlog on in ROW format with FULL row images,
 * as {@code .ci/run} configures) and a real Kafka broker in the JVM. The twin of {@code
 * PostgresCdcSourceIT}: each test uses its own table, topic prefix, replica server id and offsets,
 * and drops the table at the end.
 */
class MariaDbCdcSourceIT {
  private static final String HOST = System.getProperty("ragstream.it.mariadbHost", "127.0.0.1");
  private static final int PORT = Integer.getInteger("ragstream.it.mariadbPort", 3306);
  private static final String DATABASE = System.getProperty("ragstream.it.mariadbDatabase", "test");
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  @TempDir static Path brokerDir;
  private static EmbeddedKafkaBroker broker;

  @TempDir Path dataDir;
  private String suffix;
  private String table;
  private MariaDbSourceConfig config;
  private KafkaCdcRecordSink sink;
  private final List<MariaDbCdcSource> sources = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void requireRowBinlogAndStartKafka() throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT @@log_bin, @@binlog_format, @@binlog_row_image")) {
      rs.next();
      if (!rs.getBoolean(1) || !"ROW".equals(rs.getString(2)) || !"FULL".equals(rs.getString(3))) {
        fail(
            "MariaDB at "
                + HOST
                + ":"
                + PORT
                + " has log_bin="
                + rs.getString(1)
                + ", binlog_format="
                + rs.getString(2)
                + ", binlog_row_image="
                + rs.getString(3)
                + "; the CDC integration tests need the binlog on, ROW, FULL (.ci/run sets them)");
      }
    }
    broker = EmbeddedKafkaBroker.start(brokerDir, 0, Duration.ofSeconds(60));
  }

  @AfterAll
  static void stopKafka() {
    if (broker != null) {
      broker.close();
    }
  }

  @BeforeEach
  void uniqueNames() {
    suffix = String.format("%010x", ThreadLocalRandom.current().nextLong(1L << 40));
    table = "ragstream_it_" + suffix;
    config = config(List.of(TableMapping.forTable(DATABASE, table)));
    sink = KafkaCdcRecordSink.create(broker.bootstrapServers());
  }

  @AfterEach
  void dropEverything() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    for (MariaDbCdcSource s : sources) {
      s.close();
    }
    sink.close();
    new MariaDbCdcSource(config, sink).deleteOffsetsAndSchemaHistory();
    sql("DROP TABLE IF EXISTS " + table);
    sql("DROP TABLE IF EXISTS " + table + "_other");
  }

  @Test
  void snapshotsStreamsAndResumesWithoutASecondSnapshot() throws Exception {
    createDocumentsTable();
    sql(
        "INSERT INTO "
            + table
            + " VALUES ('1', 'One', 'first body', 't1', '[\"alice\",\"team-a\"]', now(6)),"
            + " ('2', 'Two', 'second body', 't1', NULL, now(6))");

    MariaDbCdcSource first = start();
    first.snapshotCompleted().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    RawTopic topic = rawTopic(config.topics().get(0));
    topic.awaitSize(2);
    assertThat(topic.ops()).containsExactlyInAnyOrder("r:1", "r:2");
    JsonNode snapshotRow = topic.values().get(0);
    assertThat(snapshotRow.path("source").path("connector").asText()).isEqualTo("mariadb");
    assertThat(snapshotRow.path("source").path("file").asText()).contains(".");
    assertThat(snapshotRow.path("source").path("pos").isIntegralNumber()).isTrue();

    sql("INSERT INTO " + table + " VALUES ('3', 'Three', 'third', 't2', '[\"bob\"]', now(6))");
    sql("UPDATE " + table + " SET body = 'first body, edited' WHERE id = '1'");
    sql("DELETE FROM " + table + " WHERE id = '2'");
    topic.awaitSize(6);
    assertThat(topic.ops().subList(2, 6)).containsExactly("c:3", "u:1", "d:2", "tombstone:2");
    assertThat(Files.exists(config.schemaHistoryFile())).as("schema history file").isTrue();

    first.close();
    assertThat(first.terminated()).isCompleted();
    sql("INSERT INTO " + table + " VALUES ('4', 'Four', 'made while stopped', 't1', NULL, now(6))");
    sql("UPDATE " + table + " SET title = 'Three, edited' WHERE id = '3'");

    MariaDbCdcSource second = start();
    second.snapshotCompleted().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    topic.awaitSize(8);
    assertThat(topic.ops().subList(6, 8)).containsExactly("c:4", "u:3");
    sql("UPDATE " + table + " SET title = 'Four, edited' WHERE id = '4'");
    topic.awaitSize(9);
    assertThat(topic.ops()).filteredOn(op -> op.startsWith("r:")).hasSize(2);
    assertThat(topic.ops().get(8)).isEqualTo("u:4");
    assertThat(second.recordsWritten()).isEqualTo(3);
  }

  @Test
  void normalizerGivesIncreasingVersionsAndMovesADocumentOnAPrimaryKeyChange() throws Exception {
    createDocumentsTable();
    sql(
        "INSERT INTO "
            + table
            + " VALUES ('a', 'Alpha', 'alpha body', 'acme', '[\"g1\"]',"
            + " '2024-05-01 12:00:00.000000')");
    MariaDbCdcSource source = start();
    source.snapshotCompleted().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    String changesTopic = "it" + suffix + ".changes";
    ChangeNormalizerRunner runner =
        new ChangeNormalizerRunner(
            NormalizerConfig.builder(broker.bootstrapServers(), dataDir, config.tables())
                .applicationId("it-normalizer-" + suffix)
                .topicPrefix(config.topicPrefix())
                .sourceKind(SourceKind.MARIADB)
                .changesTopic(changesTopic)
                .dlqTopic("it" + suffix + ".dlq")
                .build());
    closeables.add(runner);
    runner.start().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

    // Two updates of one row in one transaction, then a primary-key change.
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      c.setAutoCommit(false);
      st.execute("UPDATE " + table + " SET body = 'first edit' WHERE id = 'a'");
      st.execute("UPDATE " + table + " SET body = 'second edit' WHERE id = 'a'");
      c.commit();
    }
    sql("UPDATE " + table + " SET id = 'b' WHERE id = 'a'");

    RawTopic changes = rawTopic(changesTopic);
    changes.awaitSize(6);
    List<ConsumerRecord<String, String>> records = changes.records;
    String docA = "mariadb:" + DATABASE + "." + table + ":a";
    DocumentChange snapshot = Json.readChange(records.get(0).value());
    assertThat(records.get(0).key()).isEqualTo(docA);
    assertThat(snapshot.op()).isEqualTo(DocumentChange.Op.UPSERT);
    assertThat(snapshot.title()).isEqualTo("Alpha");
    assertThat(snapshot.tenant()).isEqualTo("acme");
    assertThat(snapshot.acl()).containsExactly("g1");
    // TIMESTAMP columns arrive as ISO-8601 UTC text, without a fraction when it is zero.
    assertThat(snapshot.metadata()).containsEntry("updated_at", "2024-05-01T12:00:00Z");
    assertThat(snapshot.source().connector()).isEqualTo("mariadb");
    assertThat(snapshot.source().db()).isEqualTo(DATABASE);

    DocumentChange edit1 = Json.readChange(records.get(1).value());
    DocumentChange edit2 = Json.readChange(records.get(2).value());
    assertThat(edit1.body()).isEqualTo("first edit");
    assertThat(edit2.body()).isEqualTo("second edit");
    assertThat(edit1.version()).isGreaterThan(snapshot.version());
    assertThat(edit2.version())
        .as("second update, same transaction")
        .isGreaterThan(edit1.version());

    DocumentChange deleteOld = Json.readChange(records.get(3).value());
    assertThat(deleteOld.op()).isEqualTo(DocumentChange.Op.DELETE);
    assertThat(deleteOld.documentId()).isEqualTo(docA);
    assertThat(deleteOld.version()).isGreaterThan(edit2.version());
    assertThat(records.get(4).key()).isEqualTo(docA);
    assertThat(records.get(4).value()).isNull();
    DocumentChange createNew = Json.readChange(records.get(5).value());
    assertThat(createNew.op()).isEqualTo(DocumentChange.Op.UPSERT);
    assertThat(createNew.documentId()).isEqualTo("mariadb:" + DATABASE + "." + table + ":b");
    assertThat(createNew.body()).isEqualTo("second edit");
    // One binlog row becomes both events, so they share its coordinates; versions are compared
    // per documentId only, and these are two documents.
    assertThat(createNew.version()).isEqualTo(deleteOld.version());
    assertThat(runner.terminated()).isNotDone();
  }

  @Test
  void reportsASinkFailureAndReplaysTheUnstoredBatchOnRestart() throws Exception {
    createDocumentsTable();
    FailOnceSink flaky = new FailOnceSink(sink);
    MariaDbCdcSource first = new MariaDbCdcSource(config, flaky);
    sources.add(first);
    first.start();
    first.snapshotCompleted().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    flaky.failNextWrite();

    sql("INSERT INTO " + table + " VALUES ('1', 'One', 'body', 't', NULL, now(6))");

    assertThat(first.terminated())
        .failsWithin(TIMEOUT)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(RagstreamException.class)
        .withMessageContaining(FailOnceSink.MESSAGE);
    first.close();

    MariaDbCdcSource second = start();
    second.snapshotCompleted().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    RawTopic topic = rawTopic(config.topics().get(0));
    topic.awaitSize(1);
    assertThat(topic.ops()).containsExactly("c:1");
  }

  @Test
  void refusesATableWithoutPrimaryKey() throws Exception {
    sql(
        "CREATE TABLE "
            + table
            + " (id varchar(64), title text, body longtext, tenant varchar(64), acl json,"
            + " updated_at timestamp(6) NULL)");
    MariaDbCdcSource source = new MariaDbCdcSource(config, sink);
    sources.add(source);

    assertThatThrownBy(source::start)
        .isInstanceOf(CdcSetupException.class)
        .hasMessageContaining("table " + DATABASE + "." + table + " has no primary key")
        .hasMessageContaining("ALTER TABLE " + DATABASE + "." + table + " ADD PRIMARY KEY (id)");
    assertThat(config.offsetsFile()).as("no engine started").doesNotExist();
  }

  @Test
  void refusesAMappingWhoseColumnIsMissingOrWhoseIdIsNotThePrimaryKey() throws Exception {
    sql(
        "CREATE TABLE "
            + table
            + " (id varchar(64) PRIMARY KEY, title text, body longtext, tenant varchar(64))");
    MariaDbCdcSource source = new MariaDbCdcSource(config, sink);
    sources.add(source);
    assertThatThrownBy(source::start)
        .isInstanceOf(CdcSetupException.class)
        .hasMessageContaining(
            "mapped column 'acl' does not exist in table " + DATABASE + "." + table)
        .hasMessageContaining("columns: id, title, body, tenant");

    TableMapping byTitle =
        new TableMapping(DATABASE, table, "title", null, "body", null, null, List.of());
    MariaDbCdcSource wrongId = new MariaDbCdcSource(config(List.of(byTitle)), sink);
    sources.add(wrongId);
    assertThatThrownBy(wrongId::start)
        .isInstanceOf(CdcSetupException.class)
        .hasMessageContaining("primary key of table " + DATABASE + "." + table + " is (id)")
        .hasMessageContaining("idColumn is 'title'");
  }

  @Test
  void refusesAServerWhoseBinlogIsNotInRowFormat() throws Exception {
    createDocumentsTable();
    MariaDbCdcSource source = new MariaDbCdcSource(config, sink);
    sources.add(source);
    // Global and dynamic: restored at once; nothing else in this JVM writes to MariaDB meanwhile.
    sql("SET GLOBAL binlog_format = 'MIXED'");
    try {
      assertThatThrownBy(source::start)
          .isInstanceOf(CdcSetupException.class)
          .hasMessageContaining("has binlog_format=MIXED")
          .hasMessageContaining("needs binlog_format=ROW");
    } finally {
      sql("SET GLOBAL binlog_format = 'ROW'");
    }
  }

  @Test
  void theStoredBinlogPositionFollowsTheServerWhileTheMappedTablesAreQuiet() throws Exception {
    createDocumentsTable();
    sql("CREATE TABLE " + table + "_other (id int PRIMARY KEY, v text)");
    MariaDbCdcSource source = start();
    source.snapshotCompleted().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    long[] before;
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SHOW MASTER STATUS")) {
      rs.next();
      before = new long[] {sequence(rs.getString("File")), rs.getLong("Position")};
    }
    // Changes of an unmapped table only: without transaction metadata (or heartbeats) Debezium
    // commits no offset for them and this times out, so a restart after the binlog was purged
    // would fail.
    for (int i = 0; i < 5; i++) {
      sql("INSERT INTO " + table + "_other VALUES (" + i + ", 'not captured')");
    }

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              JsonNode stored = storedOffset(config.offsetsFile());
              long[] now = {sequence(stored.path("file").asText()), stored.path("pos").asLong()};
              assertThat(Arrays.compare(now, before)).as("stored %s", stored).isPositive();
            });
    assertThat(source.recordsWritten()).as("nothing of the other table reaches the sink").isZero();
  }

  /** The binlog source's offset in Kafka Connect's FileOffsetBackingStore file (JSON value). */
  @SuppressWarnings("unchecked")
  private static JsonNode storedOffset(Path offsetsFile) throws Exception {
    if (!Files.exists(offsetsFile)) {
      return Json.mapper().createObjectNode();
    }
    try (ObjectInputStream in = new ObjectInputStream(Files.newInputStream(offsetsFile))) {
      Map<byte[], byte[]> raw = (Map<byte[], byte[]>) in.readObject();
      return raw.values().stream()
          .map(v -> RawTopic.parse(new String(v, StandardCharsets.UTF_8)))
          .filter(v -> v.has("file"))
          .findFirst()
          .orElse(Json.mapper().createObjectNode());
    }
  }

  private static long sequence(String binlogFile) {
    return binlogFile.isEmpty()
        ? -1
        : Long.parseLong(binlogFile.substring(binlogFile.lastIndexOf('.') + 1));
  }

  private MariaDbSourceConfig config(List<TableMapping> tables) {
    return new MariaDbSourceConfig(
        SourceKind.MARIADB,
        HOST,
        PORT,
        "root",
        Secret.none(),
        DATABASE,
        "it" + suffix,
        // a replica id no other test run uses at the same time (the server itself is 1)
        1_000 + ThreadLocalRandom.current().nextLong(1L << 31),
        tables,
        dataDir.resolve("offsets.dat"),
        null);
  }

  private MariaDbCdcSource start() {
    MariaDbCdcSource source = new MariaDbCdcSource(config, sink);
    sources.add(source);
    source.start();
    return source;
  }

  private void createDocumentsTable() throws SQLException {
    sql(
        "CREATE TABLE "
            + table
            + " (id varchar(64) PRIMARY KEY, title text, body longtext, tenant varchar(64),"
            + " acl json, updated_at timestamp(6) NULL DEFAULT NULL)");
  }

  private static void sql(String statement) throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(
        "jdbc:mariadb://" + HOST + ":" + PORT + "/" + DATABASE, "root", "");
  }

  private RawTopic rawTopic(String topic) {
    RawTopic t = new RawTopic(broker.bootstrapServers(), topic, TIMEOUT);
    closeables.add(t);
    return t;
  }
}
