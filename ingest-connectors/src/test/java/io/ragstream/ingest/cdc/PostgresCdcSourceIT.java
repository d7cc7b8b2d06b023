package io.ragstream.ingest.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.ingest.cdc.internal.PostgresCatalog;
import io.ragstream.ingest.config.PostgresSourceConfig;
import io.ragstream.ingest.config.Secret;
import io.ragstream.ingest.config.TableMapping;
import io.ragstream.ingest.normalize.ChangeNormalizerRunner;
import io.ragstream.ingest.normalize.NormalizerConfig;
import io.ragstream.localkafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link PostgresCdcSource} against the PostgreSQL server on the machine ({@code
 * -Dragstream.it.jdbcUrl}, default {@code jdbc:postgresql://127.0.0.1:5432/postgres}, user {@code
 * postgres}, no password; needs {@code wal_level=logical}) and a real Kafka broker in the JVM. Each
 * test uses its own table, slot and publication and drops them at the end.
 */
class PostgresCdcSourceIT {
  private static final String JDBC_URL =
      System.getProperty("ragstream.it.jdbcUrl", PostgresSourceConfig.DEFAULT_JDBC_URL);
  private static final String USER = System.getProperty("ragstream.it.user", "postgres");
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  @TempDir static Path brokerDir;
  private static EmbeddedKafkaBroker broker;

  @TempDir Path dataDir;
  private String suffix;
  private String table;
  private PostgresSourceConfig config;
  private KafkaCdcRecordSink sink;
  private final List<PostgresCdcSource> sources = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void requireLogicalWalAndStartKafka() throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SHOW wal_level")) {
      rs.next();
      String walLevel = rs.getString(1);
      if (!"logical".equals(walLevel)) {
        fail(
            "PostgreSQL at "
                + JDBC_URL
                + " has wal_level="
                + walLevel
                + "; the CDC integration"
                + " tests need wal_level=logical (ALTER SYSTEM SET wal_level = logical; restart"
                + " PostgreSQL)");
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
    table = "cdc_it_" + suffix;
    config =
        new PostgresSourceConfig(
            JDBC_URL,
            USER,
            Secret.none(),
            "it" + suffix,
            "ragstream_it_" + suffix,
            "ragstream_it_pub_" + suffix,
            List.of(TableMapping.forTable("public", table)),
            dataDir.resolve("offsets.dat"));
    sink = KafkaCdcRecordSink.create(broker.bootstrapServers());
  }

  @AfterEach
  void dropEverything() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    for (PostgresCdcSource s : sources) {
      s.close();
    }
    sink.close();
    new PostgresCdcSource(config, sink).dropSlotAndPublication();
    sql("DROP TABLE IF EXISTS public." + table);
  }

  @Test
  void snapshotsStreamsAndResumesWithoutASecondSnapshot() throws Exception {
    createDocumentsTable();
    sql(
        "INSERT INTO public."
            + table
            + " VALUES"
            + " ('1', 'One', 'first body', 't1', ARRAY['alice','team-a'], now()),"
            + " ('2', 'Two', 'second body', 't1', NULL, now())");

    PostgresCdcSource first = start();
    first.snapshotCompleted().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    RawTopic topic = rawTopic(config.tables().get(0).topic(config.topicPrefix()));
    topic.awaitSize(2);
    assertThat(topic.ops()).containsExactlyInAnyOrder("r:1", "r:2");
    JsonNode snapshotRow = topic.values().get(0);
    assertThat(snapshotRow.path("source").path("lsn").isIntegralNumber()).isTrue();
    assertThat(
            snapshotRow.path("after").path("acl").isArray()
                || snapshotRow.path("after").path("acl").isNull())
        .isTrue();

    sql(
        "INSERT INTO public."
            + table
            + " VALUES ('3', 'Three', 'third', 't2', ARRAY['bob'], now())");
    sql("UPDATE public." + table + " SET body = 'first body, edited' WHERE id = '1'");
    sql("DELETE FROM public." + table + " WHERE id = '2'");
    topic.awaitSize(6);
    assertThat(topic.ops().subList(2, 6)).containsExactly("c:3", "u:1", "d:2", "tombstone:2");
    long updateLsn = topic.values().get(3).path("source").path("lsn").asLong();
    long insertLsn = topic.values().get(2).path("source").path("lsn").asLong();
    assertThat(updateLsn).isGreaterThan(insertLsn);

    first.close();
    assertThat(first.terminated()).isCompleted();
    sql(
        "INSERT INTO public."
            + table
            + " VALUES ('4', 'Four', 'made while stopped', 't1', NULL, now())");
    sql("UPDATE public." + table + " SET title = 'Three, edited' WHERE id = '3'");

    PostgresCdcSource second = start();
    second.snapshotCompleted().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    topic.awaitSize(8);
    assertThat(topic.ops().subList(6, 8)).containsExactly("c:4", "u:3");
    sql("UPDATE public." + table + " SET title = 'Four, edited' WHERE id = '4'");
    topic.awaitSize(9);
    assertThat(topic.ops()).filteredOn(op -> op.startsWith("r:")).hasSize(2);
    assertThat(topic.ops().get(8)).isEqualTo("u:4");
  }

  @Test
  void normalizerTurnsCapturedRowsIntoDocumentChanges() throws Exception {
    createDocumentsTable();
    sql(
        "INSERT INTO public."
            + table
            + " VALUES"
            + " ('a', 'Alpha', 'alpha body', 'acme', ARRAY['g1'], '2024-05-01T12:00:00Z')");
    PostgresCdcSource source = start();
    source.snapshotCompleted().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

    String changesTopic = "it" + suffix + ".changes";
    NormalizerConfig normalizerConfig =
        NormalizerConfig.builder(broker.bootstrapServers(), dataDir, config.tables())
            .applicationId("it-normalizer-" + suffix)
            .topicPrefix(config.topicPrefix())
            .changesTopic(changesTopic)
            .dlqTopic("it" + suffix + ".dlq")
            .build();
    ChangeNormalizerRunner runner = new ChangeNormalizerRunner(normalizerConfig);
    closeables.add(runner);
    runner.start().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

    sql("UPDATE public." + table + " SET id = 'b' WHERE id = 'a'"); // primary-key change
    RawTopic changes = rawTopic(changesTopic);
    changes.awaitSize(4);
    List<ConsumerRecord<String, String>> records = changes.records;
    DocumentChange snapshot = Json.readChange(records.get(0).value());
    assertThat(records.get(0).key()).isEqualTo("pg:public." + table + ":a");
    assertThat(snapshot.op()).isEqualTo(DocumentChange.Op.UPSERT);
    assertThat(snapshot.title()).isEqualTo("Alpha");
    assertThat(snapshot.tenant()).isEqualTo("acme");
    assertThat(snapshot.acl()).containsExactly("g1");
    assertThat(snapshot.metadata()).containsEntry("updated_at", "2024-05-01T12:00:00.000000Z");
    assertThat(snapshot.source().db()).isEqualTo(config.database());

    DocumentChange deleteOld = Json.readChange(records.get(1).value());
    assertThat(deleteOld.op()).isEqualTo(DocumentChange.Op.DELETE);
    assertThat(deleteOld.documentId()).isEqualTo("pg:public." + table + ":a");
    assertThat(deleteOld.version()).isGreaterThan(snapshot.version());
    assertThat(records.get(2).key()).isEqualTo("pg:public." + table + ":a");
    assertThat(records.get(2).value()).isNull();
    DocumentChange createNew = Json.readChange(records.get(3).value());
    assertThat(createNew.op()).isEqualTo(DocumentChange.Op.UPSERT);
    assertThat(createNew.documentId()).isEqualTo("pg:public." + table + ":b");
    assertThat(createNew.body()).isEqualTo("alpha body");
    assertThat(runner.terminated()).isNotDone();
  }

  @Test
  void reportsASinkFailureAndReplaysTheUnstoredBatchOnRestart() throws Exception {
    createDocumentsTable();
    FailOnceSink flaky = new FailOnceSink(sink);
    PostgresCdcSource first = new PostgresCdcSource(config, flaky);
    sources.add(first);
    first.start();
    first.snapshotCompleted().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    flaky.failNextWrite();

    sql("INSERT INTO public." + table + " VALUES ('1', 'One', 'body', 't', NULL, now())");

    assertThat(first.terminated())
        .failsWithin(TIMEOUT)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(RagstreamException.class)
        .withMessageContaining(FailOnceSink.MESSAGE);
    first.close();

    PostgresCdcSource second = start();
    second.snapshotCompleted().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    RawTopic topic = rawTopic(config.tables().get(0).topic(config.topicPrefix()));
    topic.awaitSize(1);
    assertThat(topic.ops()).containsExactly("c:1");
  }

  @Test
  void refusesATableWithoutPrimaryKey() throws Exception {
    sql(
        "CREATE TABLE public."
            + table
            + " (id text, title text, body text, tenant text,"
            + " acl text[], updated_at timestamptz)");
    PostgresCdcSource source = new PostgresCdcSource(config, sink);
    sources.add(source);

    assertThatThrownBy(source::start)
        .isInstanceOf(CdcSetupException.class)
        .hasMessageContaining("table public." + table + " has no primary key")
        .hasMessageContaining("Debezium emits no usable deletes");
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                    + config.slotName()
                    + "'")) {
      rs.next();
      assertThat(rs.getInt(1)).as("no slot created for a refused table").isZero();
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "body, bytea, body-column, convert_from(body, 'UTF8')",
    "title, point, title-column, a number, an array or a structure",
    "tenant, 'integer[]', tenant-column, a number, an array or a structure",
    "body, timestamp, body-column, a number, an array or a structure",
  })
  void refusesMappedTextColumnsOfTypesThatAreNotText(
      String column, String type, String mappingKey, String hint) throws Exception {
    createDocumentsTable();
    sql(
        "ALTER TABLE public."
            + table
            + " ALTER COLUMN "
            + column
            + " TYPE "
            + type
            + " USING NULL");
    PostgresCdcSource source = new PostgresCdcSource(config, sink);
    sources.add(source);

    assertThatThrownBy(source::start)
        .isInstanceOf(CdcSetupException.class)
        .hasMessageContaining("mapped column '" + column + "' (" + mappingKey)
        .hasMessageContaining("has type " + type)
        .hasMessageContaining(hint);
  }

  @Test
  void refusesAnAclColumnThatIsNotATextArray() throws Exception {
    createDocumentsTable();
    sql("ALTER TABLE public." + table + " ALTER COLUMN acl TYPE text USING NULL");

    assertThatThrownBy(new PostgresCatalog(config)::validate)
        .isInstanceOf(CdcSetupException.class)
        .hasMessageContaining("acl-column")
        .hasMessageContaining("must be an array of a text type");
  }

  @Test
  void acceptsJsonXmlUuidEnumAndNumericColumnsAsText() throws Exception {
    String mood = "mood_" + suffix;
    sql("CREATE TYPE " + mood + " AS ENUM ('happy', 'sad')");
    closeables.add(() -> sql("DROP TYPE IF EXISTS " + mood + " CASCADE"));
    sql(
        "CREATE TABLE public."
            + table
            + " (id uuid PRIMARY KEY, title "
            + mood
            + ", body jsonb, tenant numeric(10,2), acl varchar(20)[], updated_at timestamptz)");

    new PostgresCatalog(config).validate(); // does not throw
  }

  private PostgresCdcSource start() {
    PostgresCdcSource source = new PostgresCdcSource(config, sink);
    sources.add(source);
    source.start();
    return source;
  }

  private void createDocumentsTable() throws SQLException {
    sql(
        "CREATE TABLE public."
            + table
            + " (id text PRIMARY KEY, title text, body text,"
            + " tenant text, acl text[], updated_at timestamptz)");
  }

  private static void sql(String statement) throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(JDBC_URL, USER, "");
  }

  private RawTopic rawTopic(String topic) {
    RawTopic t = new RawTopic(broker.bootstrapServers(), topic, TIMEOUT);
    closeables.add(t);
    return t;
  }
}
