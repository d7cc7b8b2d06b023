package io.ragstream.processors.indexing;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.core.json.Json;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.core.model.IndexedEvent;
import io.ragstream.core.model.PointId;
import io.ragstream.core.model.SourceInfo;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.Point;
import io.ragstream.processors.indexing.internal.ChangeRecord;
import io.ragstream.processors.indexing.internal.DeadLetter;
import io.ragstream.processors.indexing.internal.IndexOp;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link IndexingFunction} in Flink's keyed operator harness, with the real chunker and ONNX model.
 */
class IndexingFunctionTest {
  private static final SourceInfo SOURCE =
      new SourceInfo("postgresql", "postgres", "public", "documents");
  private static final String ID = "pg:public.documents:1";

  private KeyedOneInputStreamOperatorTestHarness<String, ChangeRecord, IndexOp> harness;
  private long offset;

  @BeforeEach
  void open() throws Exception {
    harness = harness(IndexingLimits.defaults(), null);
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, ChangeRecord, IndexOp> harness(
      IndexingLimits limits, OperatorSubtaskState restored) throws Exception {
    IndexingFunction function =
        new IndexingFunction(
            Components.embedder("bge-small-en-v1.5-q"), Components.tokenChunker(32, 4), limits);
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(function), (ChangeRecord r) -> r.documentId, Types.STRING);
    if (restored != null) {
      h.initializeState(restored);
    }
    h.open();
    return h;
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  @Test
  void embedsEveryChunkWithDeterministicPointIds() throws Exception {
    String body = "Ocean currents move heat from the equator to the poles. ".repeat(8);
    List<DocumentUpdate> out = process(upsert(10, "Currents", body, "t1", List.of("alice")));
    assertThat(out).hasSize(1);
    DocumentUpdate.Upsert u = (DocumentUpdate.Upsert) out.get(0);
    assertThat(u.points()).hasSizeGreaterThan(1);
    for (Point p : u.points()) {
      assertThat(p.id()).isEqualTo(PointId.of(ID, p.chunkIndex()));
      assertThat(p.vector()).hasSize(384);
      assertThat(body.substring(p.start(), p.end())).isEqualTo(p.text());
    }
    assertThat(u.attributes().acl()).containsExactly("alice");
    assertThat(u.version()).isEqualTo(10);
  }

  @Test
  void emitsEachNewChunkEmbeddingOnTheSideOutputAndNoneForAttributeChanges() throws Exception {
    String body = "Ocean currents move heat from the equator to the poles. ".repeat(8);
    DocumentUpdate.Upsert u =
        (DocumentUpdate.Upsert) process(upsert(10, "Currents", body, "t1", List.of("a"))).get(0);
    List<EmbeddedChunk> chunks =
        harness.getSideOutput(IndexingFunction.EMBEDDED_CHUNKS).stream()
            .map(StreamRecord::getValue)
            .toList();
    assertThat(chunks).hasSize(u.points().size());
    for (EmbeddedChunk c : chunks) {
      Point p = u.points().get(c.chunkIndex());
      assertThat(c.documentId()).isEqualTo(ID);
      assertThat(c.version()).isEqualTo(10);
      assertThat(c.chunkCount()).isEqualTo(u.points().size());
      assertThat(c.vector()).containsExactly(p.vector());
      assertThat(c.embedder()).isEqualTo(p.embedder());
      assertThat(c.embeddedAt()).isPositive();
    }
    process(upsert(11, "Currents", body, "t2", List.of("b")));
    process(DocumentChange.delete(ID, 12, 1L, 2L, SOURCE));
    assertThat(harness.getSideOutput(IndexingFunction.EMBEDDED_CHUNKS))
        .as("attribute-only changes and deletes embed nothing")
        .hasSize(chunks.size());
  }

  @Test
  void carriesTheChangesStampsAndTableToTheSink() throws Exception {
    ChangeRecord r =
        new ChangeRecord(
            ID, Json.write(upsert(10, "T", "some body", "t", List.of("a"))), "c", 0, 0);
    r.documentId = ID;
    r.normalizedAt = 3L;
    long before = System.currentTimeMillis();
    harness.processElement(new StreamRecord<>(r, 0));

    IndexOp op = harness.extractOutputValues().get(0);
    assertThat(op.capturedAt()).isEqualTo(2L);
    assertThat(op.normalizedAt()).isEqualTo(3L);
    assertThat(op.embeddedAt()).isBetween(before, System.currentTimeMillis());
    assertThat(op.table()).isEqualTo("public.documents");
    IndexedEvent e = op.indexed(op.embeddedAt() + 7);
    assertThat(e.op()).isEqualTo(IndexedEvent.Op.UPSERT);
    assertThat(e.committedAt()).isEqualTo(1L);
    assertThat(e.searchableAt()).isEqualTo(op.embeddedAt() + 7);
  }

  @Test
  void dropsChangesThatAreNotNewer() throws Exception {
    process(upsert(10, "T", "first body", "t", List.of("a")));
    assertThat(process(upsert(10, "T", "replayed body", "t", List.of("a")))).isEmpty();
    assertThat(process(upsert(9, "T", "older body", "t", List.of("a")))).isEmpty();
    assertThat(process(upsert(11, "T", "newer body", "t", List.of("a")))).hasSize(1);
  }

  @Test
  void deleteLeavesATombstoneThatOlderUpsertsCannotPass() throws Exception {
    process(upsert(10, "T", "body", "t", List.of("a")));
    List<DocumentUpdate> deleted = process(DocumentChange.delete(ID, 20, 1L, 2L, SOURCE));
    assertThat(deleted).singleElement().isInstanceOf(DocumentUpdate.Delete.class);
    assertThat(process(upsert(15, "T", "late body", "t", List.of("a")))).isEmpty();
    assertThat(process(upsert(21, "T", "body", "t", List.of("a"))))
        .as("content equal to the pre-delete version is embedded again after a delete")
        .singleElement()
        .isInstanceOf(DocumentUpdate.Upsert.class);
  }

  @Test
  void aTombstoneIsForgottenAfterTheRetentionAndNotBefore() throws Exception {
    harness.close();
    harness =
        harness(
            new IndexingLimits(
                IndexingLimits.DEFAULT_MAX_BODY_BYTES,
                IndexingLimits.DEFAULT_MAX_CHUNKS,
                java.time.Duration.ofMinutes(10)),
            null);
    harness.setProcessingTime(1_000);
    process(upsert(10, "T", "body", "t", List.of("a")));
    process(DocumentChange.delete(ID, 20, 1L, 2L, SOURCE));
    harness.setProcessingTime(1_000 + 599_999);
    assertThat(process(upsert(15, "T", "late body", "t", List.of("a"))))
        .as("within the retention the tombstone still guards")
        .isEmpty();
    harness.setProcessingTime(1_000 + 600_000);
    assertThat(process(upsert(15, "T", "late body", "t", List.of("a"))))
        .as("after the retention the document is forgotten")
        .singleElement()
        .isInstanceOf(DocumentUpdate.Upsert.class);
  }

  @Test
  void aTombstoneWithoutRetentionIsKeptForever() throws Exception {
    harness.close();
    harness =
        harness(
            new IndexingLimits(
                IndexingLimits.DEFAULT_MAX_BODY_BYTES,
                IndexingLimits.DEFAULT_MAX_CHUNKS,
                java.time.Duration.ZERO),
            null);
    harness.setProcessingTime(1_000);
    process(DocumentChange.delete(ID, 20, 1L, 2L, SOURCE));
    harness.setProcessingTime(Long.MAX_VALUE / 2);
    assertThat(process(upsert(15, "T", "late body", "t", List.of("a")))).isEmpty();
  }

  @Test
  void metadataOnlyChangeUpdatesAttributesWithoutReembedding() throws Exception {
    process(upsert(10, "T", "Glaciers carve valleys.", "t1", List.of("alice")));
    List<DocumentUpdate> out =
        process(upsert(11, "T", "Glaciers carve valleys.", "t2", List.of("bob")));
    assertThat(out)
        .singleElement()
        .isInstanceOfSatisfying(
            DocumentUpdate.UpdateAttributes.class,
            u -> {
              assertThat(u.attributes().tenant()).isEqualTo("t2");
              assertThat(u.attributes().acl()).containsExactly("bob");
              assertThat(u.version()).isEqualTo(11);
            });
    assertThat(process(upsert(12, "New title", "Glaciers carve valleys.", "t2", List.of("bob"))))
        .as("the title is embedded with each chunk, so a new title re-embeds")
        .singleElement()
        .isInstanceOf(DocumentUpdate.Upsert.class);
  }

  @Test
  void emptyBodyGivesAnUpsertWithoutPoints() throws Exception {
    List<DocumentUpdate> out = process(upsert(10, "Only a title", "   ", "t", List.of("a")));
    assertThat(out)
        .singleElement()
        .isInstanceOfSatisfying(DocumentUpdate.Upsert.class, u -> assertThat(u.points()).isEmpty());
  }

  @Test
  void nullBodyGivesAnUpsertWithoutPointsThatRemovesEarlierChunks() throws Exception {
    process(upsert(10, "T", "Glaciers carve valleys in the Alps.", "t", List.of("a")));
    List<DocumentUpdate> out = process(upsert(11, "T", null, "t", List.of("a")));
    assertThat(out)
        .singleElement()
        .isInstanceOfSatisfying(
            DocumentUpdate.Upsert.class,
            u -> {
              assertThat(u.points()).isEmpty();
              assertThat(u.version()).isEqualTo(11);
            });
    assertThat(deadLetters()).isEmpty();
  }

  @Test
  void bodyAboveTheSizeCapIsDeadLetteredWithdrawnAndIndexedWhenReplayedUnderAHigherCap()
      throws Exception {
    harness.close();
    harness = harness(new IndexingLimits(100, 1000), null);
    process(upsert(10, "T", "A short first version about glaciers.", "t", List.of("a")));
    DocumentChange big =
        upsert(20, "T", "Ocean currents move heat. ".repeat(10), "t", List.of("a"));

    assertThat(process(big))
        .as("the earlier version is withdrawn just below the rejected one")
        .singleElement()
        .isEqualTo(new DocumentUpdate.Delete(ID, 19, 1L));
    assertThat(deadLetters())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.code).isEqualTo("body_too_large");
              assertThat(d.reason)
                  .contains("260 bytes")
                  .contains("indexing.max-body-size (100 bytes)");
            });
    assertThat(process(big)).as("a replay under the same cap withdraws nothing more").isEmpty();
    assertThat(deadLetters()).hasSize(2);

    OperatorSubtaskState state = harness.snapshot(1, 1);
    harness.close();
    harness = harness(IndexingLimits.defaults(), state);
    assertThat(process(big))
        .as("replayed after the cap was raised: newer than the withdrawal, so indexed")
        .singleElement()
        .isInstanceOfSatisfying(
            DocumentUpdate.Upsert.class, u -> assertThat(u.points()).isNotEmpty());
  }

  @Test
  void bodyAboveTheChunkCapIsDeadLetteredAndWithdrawn() throws Exception {
    harness.close();
    harness = harness(new IndexingLimits(1 << 20, 2), null);
    process(upsert(10, "T", "Short.", "t", List.of("a")));
    List<DocumentUpdate> out =
        process(
            upsert(
                30, "T", "Ocean currents move heat to the poles. ".repeat(20), "t", List.of("a")));
    assertThat(out).singleElement().isEqualTo(new DocumentUpdate.Delete(ID, 29, 1L));
    assertThat(deadLetters())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.code).isEqualTo("too_many_chunks");
              assertThat(d.reason).contains("indexing.max-chunks (2)");
              assertThat(d.topic).isEqualTo("ragstream.changes");
            });
  }

  @Test
  void malformedChangeGoesToTheDeadLetterOutput() throws Exception {
    ChangeRecord bad =
        new ChangeRecord(
            ID, "{\"op\":\"UPSERT\",\"documentId\":\"" + ID + "\"", "ragstream.changes", 0, 7);
    bad.documentId = ID;
    harness.processElement(new StreamRecord<>(bad, 0));
    assertThat(harness.extractOutputValues()).isEmpty();
    var dead = harness.getSideOutput(ParseChangeFunction.DEAD_LETTERS);
    assertThat(dead).hasSize(1);
    DeadLetter d = dead.peek().getValue();
    assertThat(d.offset).isEqualTo(7);
    assertThat(d.reason).contains("malformed DocumentChange");
    assertThat(d.code).isEqualTo("malformed_record");
  }

  private List<DeadLetter> deadLetters() {
    var dead = harness.getSideOutput(ParseChangeFunction.DEAD_LETTERS);
    return dead == null ? List.of() : dead.stream().map(StreamRecord::getValue).toList();
  }

  private List<DocumentUpdate> process(DocumentChange change) throws Exception {
    int before = harness.extractOutputValues().size();
    ChangeRecord r =
        new ChangeRecord(change.documentId(), Json.write(change), "ragstream.changes", 0, offset++);
    r.documentId = change.documentId();
    harness.processElement(new StreamRecord<>(r, 0));
    List<IndexOp> all = harness.extractOutputValues();
    return all.subList(before, all.size()).stream().map(IndexOp::update).toList();
  }

  private static DocumentChange upsert(
      long version, String title, String body, String tenant, List<String> acl) {
    return new DocumentChange(
        DocumentChange.Op.UPSERT,
        ID,
        version,
        1L,
        2L,
        title,
        body,
        tenant,
        acl,
        Map.of("lang", "en"),
        SOURCE);
  }
}
