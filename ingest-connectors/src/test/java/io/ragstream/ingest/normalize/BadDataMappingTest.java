package io.ragstream.ingest.normalize;

import static io.ragstream.ingest.normalize.DebeziumEvents.TOPIC;
import static io.ragstream.ingest.normalize.DebeziumEvents.envelope;
import static io.ragstream.ingest.normalize.DebeziumEvents.json;
import static io.ragstream.ingest.normalize.DebeziumEvents.key;
import static io.ragstream.ingest.normalize.DebeziumEvents.row;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.DeadLetterReason;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.core.model.Topics;
import io.ragstream.ingest.config.TableMapping;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
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
 * The bad-data cases of the normalizer (docs/bad-data.md): per case, whether the record becomes a
 * change on {@code ragstream.changes} or a dead letter with the expected reason code. The rows are
 * shaped as Debezium 3.6.1 sends the PostgreSQL types (JSON converter, schemas disabled, {@code
 * decimal.handling.mode=string}).
 */
class BadDataMappingTest {
  @TempDir Path dataDir;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> input;
  private TestOutputTopic<byte[], byte[]> changes;
  private TestOutputTopic<byte[], byte[]> dlq;

  @BeforeEach
  void startDriver() {
    startDriver(List.of("updated_at"));
  }

  /** A driver over {@code public.documents} with DESIGN's columns and {@code metadata}. */
  private void startDriver(List<String> metadata) {
    TableMapping documents =
        new TableMapping("public", "documents", "id", "title", "body", "tenant", "acl", metadata);
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
  void nullBodyBecomesAnUpsertWithoutBody() {
    ObjectNode after = row("1", "Only a title", null, "acme", "a");
    send(after);
    DocumentChange c = change();
    assertThat(c.op()).isEqualTo(DocumentChange.Op.UPSERT);
    assertThat(c.body()).isNull();
    assertThat(c.title()).isEqualTo("Only a title");
  }

  @Test
  void emptyBodyBecomesAnUpsertWithEmptyBody() {
    send(row("1", "T", "", "acme", "a"));
    assertThat(change().body()).isEmpty();
  }

  @Test
  void jsonColumnAsBodyIndexesItsJsonText() {
    // json/jsonb arrive as io.debezium.data.Json: the document's JSON text as a string.
    send(row("1", "T", "{\"summary\":\"bees dance\",\"tags\":[\"a\"]}", "acme", "a"));
    assertThat(change().body()).isEqualTo("{\"summary\":\"bees dance\",\"tags\":[\"a\"]}");
  }

  @Test
  void numericUuidAndEnumColumnsBecomeText() {
    ObjectNode after = row("1", "T", "B", "acme", "a");
    after.put("body", "12.50"); // numeric with decimal.handling.mode=string
    after.put("title", "7d9f3c1e-1111-4c3b-9a51-0c7e8d2b6a10"); // uuid
    after.put("tenant", 42); // integer
    send(after);
    DocumentChange c = change();
    assertThat(c.body()).isEqualTo("12.50");
    assertThat(c.title()).isEqualTo("7d9f3c1e-1111-4c3b-9a51-0c7e8d2b6a10");
    assertThat(c.tenant()).isEqualTo("42");
  }

  @Test
  void addedAndDroppedUnmappedColumnsDoNotMatter() {
    ObjectNode added = row("1", "T", "with a new column", "acme", "a");
    added.put("priority", 3);
    send(added);
    ObjectNode withoutMetadata = row("2", "T", "metadata column dropped", "acme", "a");
    withoutMetadata.remove("updated_at");
    send(withoutMetadata);

    List<DocumentChange> out = changes.readRecordsToList().stream().map(r -> read(r)).toList();
    assertThat(out)
        .extracting(DocumentChange::body)
        .containsExactly("with a new column", "metadata column dropped");
    assertThat(out.get(1).metadata()).as("a missing metadata column is left out").isEmpty();
    assertThat(dlq.isEmpty()).isTrue();
  }

  @Test
  void droppedBodyColumnGoesToTheDlqNamingColumnAndMappingKey() {
    ObjectNode after = row("1", "T", "x", "acme", "a");
    after.remove("body");
    send(after);
    TestRecord<byte[], byte[]> dead = dead(DeadLetterReason.COLUMN_MISSING);
    assertThat(header(dead, Topics.DLQ_HEADER_REASON))
        .contains("mapped column 'body'")
        .contains("body-column")
        .contains("public.documents");
  }

  @Test
  void renamedTitleColumnGoesToTheDlq() {
    ObjectNode after = row("1", "T", "x", "acme", "a");
    after.remove("title");
    after.put("headline", "T");
    send(after);
    assertThat(header(dead(DeadLetterReason.COLUMN_MISSING), Topics.DLQ_HEADER_REASON))
        .contains("'title'")
        .contains("title-column");
  }

  @Test
  void droppedAclColumnGoesToTheDlqInsteadOfHidingTheDocument() {
    ObjectNode after = row("1", "T", "x", "acme", "a");
    after.remove("acl");
    send(after);
    assertThat(header(dead(DeadLetterReason.COLUMN_MISSING), Topics.DLQ_HEADER_REASON))
        .contains("acl-column");
  }

  @Test
  void arrayAsBodyGoesToTheDlq() {
    ObjectNode after = row("1", "T", "x", "acme", "a");
    after.putArray("body").add(1).add(2); // int[]
    send(after);
    assertThat(header(dead(DeadLetterReason.UNSUPPORTED_TYPE), Topics.DLQ_HEADER_REASON))
        .contains("'body'")
        .contains("an array");
  }

  @Test
  void geometricValueAsTitleGoesToTheDlq() {
    ObjectNode after = row("1", "T", "x", "acme", "a");
    // io.debezium.data.geometry.Point
    after.putObject("title").put("x", 1.0).put("y", 2.0).put("wkb", "AQEAAAA=").putNull("srid");
    send(after);
    assertThat(header(dead(DeadLetterReason.UNSUPPORTED_TYPE), Topics.DLQ_HEADER_REASON))
        .contains("'title'")
        .contains("structured value");
  }

  @Test
  void unavailableToastedBodyGoesToTheDlqInsteadOfIndexingThePlaceholder() {
    send(row("1", "New title", "__debezium_unavailable_value", "acme", "a"));
    assertThat(header(dead(DeadLetterReason.VALUE_UNAVAILABLE), Topics.DLQ_HEADER_REASON))
        .contains("REPLICA IDENTITY FULL");
  }

  @Test
  void structuredMetadataBecomesJsonText() {
    driver.close();
    startDriver(List.of("pt"));
    ObjectNode after = row("1", "T", "x", "acme", "a");
    after.putObject("pt").put("x", 1.5).put("y", 2.0);
    send(after);
    assertThat(change().metadata()).containsEntry("pt", "{\"x\":1.5,\"y\":2.0}");
  }

  @Test
  void deadLettersCarryCodeTimeAndOriginAndAreCountedByReason() {
    ObjectNode noBody = row("1", "T", "x", "acme", "a");
    noBody.remove("body");
    send(noBody);
    send(noBody);
    input.pipeInput(bytes(key("2")), bytes("{oops"));

    List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
    assertThat(dead)
        .extracting(r -> header(r, Topics.DLQ_HEADER_CODE))
        .containsExactly("column_missing", "column_missing", "malformed_record");
    assertThat(dead)
        .allSatisfy(
            r -> {
              assertThat(Long.parseLong(header(r, Topics.DLQ_HEADER_TIME))).isPositive();
              assertThat(header(r, Topics.DLQ_HEADER_STAGE)).isEqualTo("normalizer");
              assertThat(header(r, Topics.DLQ_HEADER_TOPIC)).isEqualTo(TOPIC);
            });
    assertThat(header(dead.get(2), Topics.DLQ_HEADER_OFFSET)).isEqualTo("2");
    assertThat(counter("column_missing")).isEqualTo(2.0);
    assertThat(counter("malformed_record")).isEqualTo(1.0);
  }

  private double counter(String reason) {
    for (var e : driver.metrics().entrySet()) {
      MetricName n = e.getKey();
      if (n.name().equals(Topics.DLQ_METRIC)
          && reason.equals(n.tags().get("reason"))
          && "normalizer".equals(n.tags().get("stage"))) {
        Metric m = e.getValue();
        return ((Number) m.metricValue()).doubleValue();
      }
    }
    return 0;
  }

  private void send(ObjectNode after) {
    input.pipeInput(
        bytes(key(after.path("id").asText("1"))), bytes(json(envelope("c", null, after, 100))));
  }

  private DocumentChange change() {
    assertThat(dlq.isEmpty()).as("nothing dead-lettered").isTrue();
    return read(changes.readRecord());
  }

  private TestRecord<byte[], byte[]> dead(DeadLetterReason expected) {
    assertThat(changes.isEmpty()).as("nothing reached ragstream.changes").isTrue();
    TestRecord<byte[], byte[]> r = dlq.readRecord();
    assertThat(header(r, Topics.DLQ_HEADER_CODE)).isEqualTo(expected.code());
    return r;
  }

  private static DocumentChange read(TestRecord<byte[], byte[]> r) {
    return Json.readChange(r.value());
  }

  private static String header(TestRecord<byte[], byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
