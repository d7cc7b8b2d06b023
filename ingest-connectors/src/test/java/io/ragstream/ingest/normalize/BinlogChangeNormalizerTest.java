package io.ragstream.ingest.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.core.model.SourceInfo;
import io.ragstream.core.model.Topics;
import io.ragstream.ingest.config.SourceKind;
import io.ragstream.ingest.config.TableMapping;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The normalizer over MariaDB envelopes, shaped like the ones Debezium 3.5.0's MariaDB connector
 * emitted in {@code MariaDbCdcSourceIT} (MariaDB 10.11, transaction metadata on).
 */
class BinlogChangeNormalizerTest {
  private static final String TOPIC = "ragstream.test.documents";
  private static final String DOC_42 = "mariadb:test.documents:42";
  private static final long SOURCE_TS = 1795458259000L;
  private static final long ENVELOPE_TS = 1795458259401L;

  @TempDir Path dataDir;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> input;
  private TestOutputTopic<byte[], byte[]> changes;
  private TestOutputTopic<byte[], byte[]> dlq;

  @BeforeEach
  void startDriver() {
    NormalizerConfig config =
        NormalizerConfig.builder(
                "unused:9092", dataDir, List.of(TableMapping.forTable("test", "documents")))
            .sourceKind(SourceKind.MARIADB)
            .build();
    driver =
        new TopologyTestDriver(
            ChangeNormalizer.topology(config), ChangeNormalizer.streamsConfig(config));
    input = driver.createInputTopic(TOPIC, new ByteArraySerializer(), new ByteArraySerializer());
    changes =
        driver.createOutputTopic(
            Topics.CHANGES, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    dlq =
        driver.createOutputTopic(
            Topics.DLQ, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void closeDriver() {
    driver.close();
  }

  @Test
  void mapsAnInsertWithAJsonAclToAnUpsertOfAMariaDbDocument() {
    send("42", envelope("c", null, row("42", "Body"), "mariadb-bin.000003", 3568, 0));

    TestRecord<byte[], byte[]> out = changes.readRecord();
    assertThat(str(out.key())).isEqualTo(DOC_42);
    DocumentChange c = change(out);
    assertThat(c.op()).isEqualTo(DocumentChange.Op.UPSERT);
    assertThat(c.documentId()).isEqualTo(DOC_42);
    assertThat(c.version()).isEqualTo((3L << 47) | (3568L << 15) | 1);
    assertThat(c.body()).isEqualTo("Body");
    assertThat(c.acl()).containsExactly("alice", "team-a");
    assertThat(c.committedAt()).isEqualTo(SOURCE_TS);
    assertThat(c.capturedAt()).isEqualTo(ENVELOPE_TS);
    assertThat(c.source()).isEqualTo(new SourceInfo("mariadb", "test", "test", "documents"));
    assertThat(dlq.isEmpty()).isTrue();
  }

  @Test
  void twoUpdatesOfOneRowInOneTransactionGetIncreasingVersions() {
    // UPDATE id=42; INSERT id=7; UPDATE id=42 in one transaction (GTID 0-1-12): one rows event
    // per statement, each at its own position; row 0 of each.
    send("42", envelope("u", row("42", "v0"), row("42", "v1"), "mariadb-bin.000003", 3568, 0));
    send("7", envelope("c", null, row("7", "x"), "mariadb-bin.000003", 3871, 0));
    send("42", envelope("u", row("42", "v1"), row("42", "v2"), "mariadb-bin.000003", 4092, 0));

    List<DocumentChange> out = changes.readValuesToList().stream().map(Json::readChange).toList();
    assertThat(out).extracting(DocumentChange::body).containsExactly("v1", "x", "v2");
    assertThat(out.get(2).version()).isGreaterThan(out.get(0).version());
  }

  @Test
  void rowsOfOneRowsEventAreOrderedByTheirRowIndex() {
    send("42", envelope("u", row("42", "a"), row("42", "b"), "mariadb-bin.000003", 4424, 0));
    send("7", envelope("u", row("7", "a"), row("7", "b"), "mariadb-bin.000003", 4424, 1));

    List<DocumentChange> out = changes.readValuesToList().stream().map(Json::readChange).toList();
    assertThat(out.get(1).version() - out.get(0).version()).isEqualTo(1);
  }

  @Test
  void snapshotReadsAreOlderThanAnyChangeStreamedAfterTheSnapshot() {
    // The snapshot's position is the binlog end when it ran: the next change can be logged there.
    send("42", envelope("r", null, row("42", "snap"), "mariadb-bin.000003", 3364, 0));
    send("42", envelope("u", row("42", "snap"), row("42", "new"), "mariadb-bin.000003", 3364, 0));
    send("42", envelope("u", row("42", "new"), row("42", "next file"), "mariadb-bin.000004", 4, 0));

    List<DocumentChange> out = changes.readValuesToList().stream().map(Json::readChange).toList();
    assertThat(out).extracting(DocumentChange::version).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void deleteAndTombstoneCarryTheMariaDbDocumentId() {
    send("42", envelope("d", row("42", "gone"), null, "mariadb-bin.000003", 4813, 0));
    input.pipeInput(bytes("{\"id\":\"42\"}"), (byte[]) null);

    List<TestRecord<byte[], byte[]>> out = changes.readRecordsToList();
    assertThat(change(out.get(0)).op()).isEqualTo(DocumentChange.Op.DELETE);
    assertThat(change(out.get(0)).documentId()).isEqualTo(DOC_42);
    assertThat(str(out.get(1).key())).isEqualTo(DOC_42);
    assertThat(out.get(1).value()).isNull();
  }

  @Test
  void coordinatesThatDoNotFitAVersionGoToTheDeadLetterTopic() {
    send("1", envelope("c", null, row("1", "b"), "mariadb-bin.065536", 4, 0));
    send("2", envelope("c", null, row("2", "b"), "mariadb-bin.000001", 1L << 32, 0));
    send("3", envelope("c", null, row("3", "b"), "mariadb-bin.000001", 4, 32_767));
    send("4", envelope("c", null, row("4", "b"), "mariadb-bin", 4, 0));
    ObjectNode noFile = envelope("c", null, row("5", "b"), "x.000001", 4, 0);
    ((ObjectNode) noFile.get("source")).remove("file");
    send("5", noFile);

    assertThat(changes.isEmpty()).isTrue();
    assertThat(dlq.readRecordsToList())
        .extracting(r -> header(r, Topics.DLQ_HEADER_REASON))
        .satisfiesExactly(
            r -> assertThat(r).contains("sequence number 65536"),
            r -> assertThat(r).contains("source.pos = 4294967296"),
            r -> assertThat(r).contains("source.row = 32767"),
            r -> assertThat(r).contains("does not end in a binlog sequence number"),
            r -> assertThat(r).contains("missing source.file"));
  }

  @Test
  void aRecordFromAnotherConnectorIsRejected() {
    ObjectNode e = envelope("c", null, row("42", "b"), "mariadb-bin.000001", 4, 0);
    ((ObjectNode) e.get("source")).put("connector", "mysql");
    send("42", e);

    assertThat(header(dlq.readRecord(), Topics.DLQ_HEADER_REASON))
        .contains("connector 'mysql' but the normalizer is configured for mariadb");
  }

  private static ObjectNode row(String id, String body) {
    ObjectNode row = JsonNodeFactory.instance.objectNode();
    row.put("id", id);
    row.put("title", "T");
    row.put("body", body);
    row.put("tenant", "acme");
    row.put("acl", "[\"alice\", \"team-a\"]"); // a JSON column arrives as text
    row.put("updated_at", "2026-11-23T18:30:00.123456Z");
    return row;
  }

  private static ObjectNode envelope(
      String op, ObjectNode before, ObjectNode after, String file, long pos, int row) {
    ObjectNode e = JsonNodeFactory.instance.objectNode();
    e.set("before", before == null ? JsonNodeFactory.instance.nullNode() : before);
    e.set("after", after == null ? JsonNodeFactory.instance.nullNode() : after);
    ObjectNode source = e.putObject("source");
    source.put("version", "3.5.0.Final");
    source.put("connector", "mariadb");
    source.put("name", "ragstream");
    source.put("ts_ms", SOURCE_TS);
    source.put("snapshot", op.equals("r") ? "last" : "false");
    source.put("db", "test");
    source.putNull("sequence");
    source.put("table", "documents");
    source.put("server_id", op.equals("r") ? 0 : 1);
    source.put("gtid", op.equals("r") ? null : "0-1-12");
    source.put("file", file);
    source.put("pos", pos);
    source.put("row", row);
    source.putNull("thread");
    source.putNull("query");
    if (op.equals("r")) {
      e.putNull("transaction");
    } else {
      ObjectNode tx = e.putObject("transaction");
      tx.put("id", "0-1-12");
      tx.put("total_order", 1);
      tx.put("data_collection_order", 1);
    }
    e.put("op", op);
    e.put("ts_ms", ENVELOPE_TS);
    return e;
  }

  private void send(String id, ObjectNode envelope) {
    input.pipeInput(bytes("{\"id\":\"" + id + "\"}"), bytes(Json.write(envelope)));
  }

  private static DocumentChange change(TestRecord<byte[], byte[]> record) {
    return Json.readChange(record.value());
  }

  private static String header(TestRecord<byte[], byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : str(h.value());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String str(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }
}
