package io.ragstream.processors.indexing;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.core.json.Json;
import io.ragstream.core.model.DocumentChange;
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
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
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
    IndexingFunction function =
        new IndexingFunction(
            Components.embedder("bge-small-en-v1.5-q"), Components.tokenChunker(32, 4));
    harness =
        ProcessFunctionTestHarnesses.forKeyedProcessFunction(
            function, r -> r.documentId, Types.STRING);
    harness.open();
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
