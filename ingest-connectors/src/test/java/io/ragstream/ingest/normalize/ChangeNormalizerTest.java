package io.ragstream.ingest.normalize;

import static io.ragstream.ingest.normalize.DebeziumEvents.ENVELOPE_TS;
import static io.ragstream.ingest.normalize.DebeziumEvents.SOURCE_TS;
import static io.ragstream.ingest.normalize.DebeziumEvents.TOPIC;
import static io.ragstream.ingest.normalize.DebeziumEvents.envelope;
import static io.ragstream.ingest.normalize.DebeziumEvents.json;
import static io.ragstream.ingest.normalize.DebeziumEvents.key;
import static io.ragstream.ingest.normalize.DebeziumEvents.keyOnlyBefore;
import static io.ragstream.ingest.normalize.DebeziumEvents.row;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.core.model.SourceInfo;
import io.ragstream.core.model.Topics;
import io.ragstream.ingest.config.TableMapping;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
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

class ChangeNormalizerTest {
  private static final String DOC_42 = "pg:public.documents:42";
  private static final SourceInfo SOURCE =
      new SourceInfo("postgresql", "postgres", "public", "documents");

  @TempDir Path dataDir;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> input;
  private TestOutputTopic<byte[], byte[]> changes;
  private TestOutputTopic<byte[], byte[]> dlq;

  @BeforeEach
  void startDriver() {
    TableMapping documents =
        new TableMapping(
            "public",
            "documents",
            "id",
            "title",
            "body",
            "tenant",
            "acl",
            List.of("updated_at", "priority", "tags", "extra"));
    NormalizerConfig config =
        NormalizerConfig.builder("unused:9092", dataDir, List.of(documents)).build();
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
  void staticMembershipIsOnlyUsedWhenConfigured() {
    TableMapping documents = TableMapping.defaults();
    var dynamic = NormalizerConfig.builder("b:9092", dataDir, List.of(documents)).build();
    assertThat(ChangeNormalizer.streamsConfig(dynamic))
        .doesNotContainKey("consumer.group.instance.id");
    var fixed =
        NormalizerConfig.builder("b:9092", dataDir, List.of(documents))
            .groupInstanceId("local-1")
            .build();
    assertThat(ChangeNormalizer.streamsConfig(fixed))
        .containsEntry("consumer.group.instance.id", "local-1");
  }

  @Test
  void mapsInsertToUpsertKeyedByDocumentId() {
    send(
        key("42"),
        envelope("c", null, row("42", "Title", "Body text", "acme", "alice", "team-a"), 22799680));

    TestRecord<byte[], byte[]> out = changes.readRecord();
    assertThat(str(out.key())).isEqualTo(DOC_42);
    assertThat(change(out))
        .isEqualTo(
            new DocumentChange(
                DocumentChange.Op.UPSERT,
                DOC_42,
                22799680,
                SOURCE_TS,
                ENVELOPE_TS,
                "Title",
                "Body text",
                "acme",
                List.of("alice", "team-a"),
                Map.of("updated_at", "2024-05-01T12:00:00.000000Z"),
                SOURCE));
    assertThat(dlq.isEmpty()).isTrue();
  }

  @Test
  void stampsEveryChangeWithTheTimeItWasNormalized() {
    driver.advanceWallClockTime(java.time.Duration.ofMillis(1234));
    long before = System.currentTimeMillis();
    send(key("42"), envelope("c", null, row("42", "T", "B", "acme", "alice"), 22799680));

    TestRecord<byte[], byte[]> out = changes.readRecord();
    String stamp = str(out.headers().lastHeader(Topics.NORMALIZED_AT_HEADER).value());
    // The test driver's mocked wall clock starts at the driver's creation time.
    assertThat(Long.parseLong(stamp)).isGreaterThan(before - 60_000).isLessThan(before + 60_000);
    assertThat(out.timestamp()).as("the Kafka timestamp stays the source record's").isNotNull();
  }

  @Test
  void mapsSnapshotReadToUpsert() {
    send(key("7"), envelope("r", null, row("7", "Snap", "snapshot body", "acme", "g"), 22799640));

    DocumentChange c = change(changes.readRecord());
    assertThat(c.op()).isEqualTo(DocumentChange.Op.UPSERT);
    assertThat(c.documentId()).isEqualTo("pg:public.documents:7");
    assertThat(c.version()).isEqualTo(22799640);
    assertThat(c.body()).isEqualTo("snapshot body");
  }

  @Test
  void mapsUpdateToUpsertWithTheNewRowAndItsLsn() {
    send(key("42"), envelope("c", null, row("42", "Old", "old body", "acme", "a"), 100));
    send(key("42"), envelope("u", null, row("42", "New", "new body", "acme", "a", "b"), 200));

    List<DocumentChange> out =
        changes.readRecordsToList().stream().map(ChangeNormalizerTest::change).toList();
    assertThat(out).extracting(DocumentChange::version).containsExactly(100L, 200L);
    assertThat(out.get(1).title()).isEqualTo("New");
    assertThat(out.get(1).body()).isEqualTo("new body");
    assertThat(out.get(1).acl()).containsExactly("a", "b");
  }

  @Test
  void mapsDeleteToDeleteWithIdFromBefore() {
    send(key("42"), envelope("d", keyOnlyBefore("42"), null, 300));

    TestRecord<byte[], byte[]> out = changes.readRecord();
    assertThat(str(out.key())).isEqualTo(DOC_42);
    assertThat(change(out))
        .isEqualTo(DocumentChange.delete(DOC_42, 300, SOURCE_TS, ENVELOPE_TS, SOURCE));
  }

  @Test
  void takesTheDeletedIdFromTheKeyWhenBeforeIsNull() {
    send(key("42"), envelope("d", null, null, 300));

    assertThat(change(changes.readRecord()).documentId()).isEqualTo(DOC_42);
  }

  @Test
  void turnsDebeziumTombstoneIntoChangesTombstone() {
    input.pipeInput(bytes(key("42")), (byte[]) null);

    TestRecord<byte[], byte[]> out = changes.readRecord();
    assertThat(str(out.key())).isEqualTo(DOC_42);
    assertThat(out.value()).isNull();
    assertThat(dlq.isEmpty()).isTrue();
  }

  @Test
  void mapsPrimaryKeyChangeToDeleteOfOldIdThenUpsertOfNewId() {
    // UPDATE documents SET id = 'b' WHERE id = 'a': Debezium emits d(a), tombstone(a), c(b),
    // both events at the LSN of the one WAL record (as seen in PostgresCdcSourceIT).
    send(key("a"), envelope("d", keyOnlyBefore("a"), null, 22799680));
    input.pipeInput(bytes(key("a")), (byte[]) null);
    send(key("b"), envelope("c", null, row("b", "Alpha", "alpha body", "acme", "g1"), 22799680));

    List<TestRecord<byte[], byte[]>> out = changes.readRecordsToList();
    assertThat(out)
        .extracting(r -> str(r.key()))
        .containsExactly("pg:public.documents:a", "pg:public.documents:a", "pg:public.documents:b");
    assertThat(change(out.get(0)).op()).isEqualTo(DocumentChange.Op.DELETE);
    assertThat(out.get(1).value()).isNull();
    DocumentChange upsert = change(out.get(2));
    assertThat(upsert.op()).isEqualTo(DocumentChange.Op.UPSERT);
    assertThat(upsert.body()).isEqualTo("alpha body");
  }

  @Test
  void rendersMetadataColumnsAsStringsAndLeavesOutNulls() {
    ObjectNode after = row("42", "T", "B", "acme", "a");
    after.put("priority", 5);
    after.putArray("tags").add("x").add("y");
    after.putNull("extra");

    send(key("42"), envelope("c", null, after, 1));

    assertThat(change(changes.readRecord()).metadata())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "updated_at", "2024-05-01T12:00:00.000000Z",
                "priority", "5",
                "tags", "[\"x\",\"y\"]"));
  }

  @Test
  void readsNullAclAsEmptyList() {
    send(key("42"), envelope("c", null, row("42", "T", "B", "acme", (String[]) null), 1));

    assertThat(change(changes.readRecord()).acl()).isEmpty();
  }

  @Test
  void sendsMalformedJsonToDlqWithReasonAndGoesOn() {
    RecordHeaders original = new RecordHeaders();
    original.add("trace-id", bytes("abc"));
    input.pipeInput(new TestRecord<>(bytes(key("1")), bytes("{\"op\": \"c\", oops"), original));
    send(key("42"), envelope("c", null, row("42", "T", "B", "acme", "a"), 1));

    TestRecord<byte[], byte[]> dead = dlq.readRecord();
    assertThat(str(dead.key())).isEqualTo(key("1"));
    assertThat(str(dead.value())).isEqualTo("{\"op\": \"c\", oops");
    assertThat(header(dead, Topics.DLQ_HEADER_REASON)).startsWith("malformed JSON in record value");
    assertThat(header(dead, Topics.DLQ_HEADER_EXCEPTION))
        .isEqualTo(NormalizationException.class.getName());
    assertThat(header(dead, Topics.DLQ_HEADER_TOPIC)).isEqualTo(TOPIC);
    assertThat(header(dead, Topics.DLQ_HEADER_PARTITION)).isEqualTo("0");
    assertThat(header(dead, Topics.DLQ_HEADER_OFFSET)).isEqualTo("0");
    assertThat(header(dead, Topics.DLQ_HEADER_STAGE)).isEqualTo("normalizer");
    assertThat(header(dead, Topics.DLQ_HEADER_CODE)).isEqualTo("malformed_record");
    assertThat(header(dead, "trace-id")).isEqualTo("abc");

    assertThat(change(changes.readRecord()).documentId()).isEqualTo(DOC_42);
  }

  @Test
  void sendsUnknownTableToDlq() {
    send(key("1"), envelope("c", null, row("1", "T", "B", "acme"), 1, "public", "other"));

    TestRecord<byte[], byte[]> dead = dlq.readRecord();
    assertThat(header(dead, Topics.DLQ_HEADER_REASON))
        .contains("no table mapping for public.other");
    assertThat(header(dead, Topics.DLQ_HEADER_CODE)).isEqualTo("unknown_table");
    assertThat(changes.isEmpty()).isTrue();
  }

  @Test
  void sendsRowWithoutIdToDlq() {
    ObjectNode nullId = row("x", "T", "B", "acme");
    nullId.putNull("id");
    ObjectNode missingId = row("x", "T", "B", "acme");
    missingId.remove("id");

    send(key("x"), envelope("c", null, nullId, 1));
    send(key("x"), envelope("u", null, missingId, 2));

    assertThat(dlq.readRecordsToList())
        .extracting(r -> header(r, Topics.DLQ_HEADER_REASON))
        .containsExactly("missing id column 'id' in after", "missing id column 'id' in after");
    assertThat(changes.isEmpty()).isTrue();
  }

  @Test
  void sendsTruncateToDlqExplainingWhy() {
    ObjectNode truncate = envelope("t", null, null, 5);
    input.pipeInput(null, bytes(json(truncate)));

    assertThat(header(dlq.readRecord(), Topics.DLQ_HEADER_REASON))
        .startsWith("truncate is not supported")
        .contains("public.documents");
    assertThat(changes.isEmpty()).isTrue();
  }

  @Test
  void sendsChangeWithoutLsnToDlq() {
    ObjectNode e = envelope("c", null, row("42", "T", "B", "acme"), 1);
    ((ObjectNode) e.get("source")).remove("lsn");

    send(key("42"), e);

    assertThat(header(dlq.readRecord(), Topics.DLQ_HEADER_REASON)).contains("missing source.lsn");
  }

  @Test
  void sendsWrongColumnTypesToDlq() {
    ObjectNode after = row("42", "T", "B", "acme");
    after.put("acl", "alice,bob");

    send(key("42"), envelope("c", null, after, 1));

    assertThat(header(dlq.readRecord(), Topics.DLQ_HEADER_REASON))
        .contains("acl column 'acl' must be a text[]");
  }

  @Test
  void unwrapsEnvelopesWrittenWithSchemas() {
    String withSchema =
        "{\"schema\":{\"type\":\"struct\"},\"payload\":"
            + json(envelope("c", null, row("42", "T", "B", "acme", "a"), 9))
            + "}";
    input.pipeInput(bytes("{\"schema\":{},\"payload\":" + key("42") + "}"), bytes(withSchema));

    assertThat(change(changes.readRecord()).version()).isEqualTo(9);
  }

  private void send(String key, ObjectNode envelope) {
    input.pipeInput(bytes(key), bytes(json(envelope)));
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
