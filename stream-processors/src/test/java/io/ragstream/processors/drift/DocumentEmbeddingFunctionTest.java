package io.ragstream.processors.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ragstream.core.event.DriftEvent;
import io.ragstream.processors.indexing.EmbeddedChunk;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** {@link DocumentEmbeddingFunction} in Flink's keyed operator harness. */
class DocumentEmbeddingFunctionTest {
  @Test
  void emitsTheNormalizedMeanOfADocumentsChunksOnceItIsComplete() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(null)) {
      h.processElement(chunk("a", 1, 0, 2, new float[] {1, 0}, 5), 0);
      h.processElement(chunk("b", 1, 0, 1, new float[] {0, 1}, 6), 0);
      assertThat(h.extractOutputValues())
          .as("a single-chunk document at once, the other waits for its second chunk")
          .singleElement()
          .satisfies(s -> assertThat(s.vector()).containsExactly(0f, 1f));
      snapshot = h.snapshot(1, 1);
    }
    try (var h = harness(snapshot)) {
      h.processElement(chunk("a", 1, 1, 2, new float[] {0, 1}, 9), 0);
      EmbeddingSample s = h.extractOutputValues().get(0);
      assertThat(s.kind()).isEqualTo(DriftEvent.Kind.DOCUMENTS);
      assertThat(s.embedder()).isEqualTo("m@1");
      assertThat(s.at()).isEqualTo(9);
      assertThat(s.vector()[0]).isCloseTo((float) Math.sqrt(0.5), within(1e-6f));
      assertThat(s.vector()[1]).isCloseTo((float) Math.sqrt(0.5), within(1e-6f));
    }
  }

  @Test
  void chunksOfANewerVersionStartAfresh() throws Exception {
    try (var h = harness(null)) {
      h.processElement(chunk("a", 1, 0, 2, new float[] {1, 0}, 1), 0);
      h.processElement(chunk("a", 2, 0, 2, new float[] {0, 1}, 2), 0);
      h.processElement(chunk("a", 2, 1, 2, new float[] {0, 1}, 3), 0);
      assertThat(h.extractOutputValues())
          .singleElement()
          .satisfies(s -> assertThat(s.vector()).containsExactly(0f, 1f));
    }
  }

  private static EmbeddedChunk chunk(
      String id, long version, int index, int count, float[] v, long at) {
    return new EmbeddedChunk(id, version, index, count, v, "m@1", at);
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, EmbeddedChunk, EmbeddingSample>
      harness(OperatorSubtaskState restored) throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new DocumentEmbeddingFunction()),
            EmbeddedChunk::documentId,
            Types.STRING);
    if (restored != null) h.initializeState(restored);
    h.open();
    return h;
  }
}
