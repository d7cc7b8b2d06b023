package io.ragstream.gateway.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.event.AdapterKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class QueryAdaptersTest {
  private static final String EMBEDDER = "bge-small-en-v1.5-q@test";

  /** A transform that writes its adapter number into every component, so a mix is visible. */
  private static UnaryOperator<float[]> constant(float value) {
    return v -> {
      float[] out = new float[v.length];
      java.util.Arrays.fill(out, value);
      return out;
    };
  }

  private static AdapterEvent promoted(String id) {
    return new AdapterEvent(
        id,
        AdapterKind.QUERY_ADAPTER,
        EMBEDDER,
        AdapterEvent.BASE.equals(id) ? null : "file:/registry/" + id,
        AdapterEvent.Status.PROMOTED,
        Map.of(),
        null,
        null,
        "test",
        1);
  }

  private final QueryAdapters adapters =
      new QueryAdapters(
          EMBEDDER,
          (id, uri) -> {
            if (id.equals("broken")) throw new IllegalArgumentException("lora_A has shape [8,12]");
            assertThat(uri.toString()).isEqualTo("file:/registry/" + id);
            return constant(Float.parseFloat(id.substring(1)));
          });

  @Test
  void servesTheBaseEmbeddingUntilAnAdapterIsPromoted() {
    float[] base = {0.6f, 0.8f};
    QueryAdapters.Adapted adapted = adapters.apply(base);
    assertThat(adapted.vector()).containsExactly(0.6f, 0.8f);
    assertThat(adapted.adapterId()).isEqualTo(AdapterEvent.BASE);
  }

  @Test
  void promotionSwapsAndBaseSwapsBack() {
    assertThat(adapters.accept(promoted("a2"))).isTrue();
    assertThat(adapters.apply(new float[] {1, 0}).vector()).containsExactly(2f, 2f);
    assertThat(adapters.servingId()).isEqualTo("a2");
    assertThat(adapters.accept(promoted(AdapterEvent.BASE))).isTrue();
    assertThat(adapters.apply(new float[] {1, 0}).vector()).containsExactly(1f, 0f);
    assertThat(adapters.swaps()).isEqualTo(2);
  }

  @Test
  void ignoresOtherEmbeddersKindsAndStatuses() {
    AdapterEvent otherEmbedder =
        new AdapterEvent(
            "a3",
            AdapterKind.QUERY_ADAPTER,
            "e5-small",
            "file:/registry/a3",
            AdapterEvent.Status.PROMOTED,
            Map.of(),
            null,
            null,
            "t",
            1);
    AdapterEvent llm =
        new AdapterEvent(
            "a4",
            AdapterKind.LLM_LORA,
            EMBEDDER,
            "file:/registry/a4",
            AdapterEvent.Status.PROMOTED,
            Map.of(),
            null,
            null,
            "t",
            1);
    AdapterEvent candidate =
        new AdapterEvent(
            "a5",
            AdapterKind.QUERY_ADAPTER,
            EMBEDDER,
            "file:/registry/a5",
            AdapterEvent.Status.CANDIDATE,
            Map.of(),
            null,
            null,
            "t",
            1);
    assertThat(adapters.accept(otherEmbedder)).isFalse();
    assertThat(adapters.accept(llm)).isFalse();
    assertThat(adapters.accept(candidate)).isFalse();
    assertThat(adapters.servingId()).isEqualTo(AdapterEvent.BASE);
  }

  @Test
  void anAdapterThatCannotBeLoadedLeavesTheServingOneInPlace() {
    adapters.accept(promoted("a7"));
    assertThat(adapters.accept(promoted("broken"))).isFalse();
    assertThat(adapters.servingId()).isEqualTo("a7");
    assertThat(adapters.apply(new float[] {1}).vector()).containsExactly(7f);
    assertThat(adapters.loadFailures()).isEqualTo(1);
  }

  @Test
  void everyQueryDuringSwapsGetsAVectorAndIdOfTheSameAdapter() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    List<String> mismatches = new ArrayList<>();
    Thread[] readers = new Thread[2];
    for (int t = 0; t < readers.length; t++) {
      readers[t] =
          new Thread(
              () -> {
                float[] base = {0.6f, 0.8f};
                while (!stop.get()) {
                  QueryAdapters.Adapted a = adapters.apply(base);
                  String expected =
                      a.adapterId().equals(AdapterEvent.BASE) ? "0.6" : a.adapterId().substring(1);
                  if (Float.parseFloat(expected) != a.vector()[0]) {
                    synchronized (mismatches) {
                      mismatches.add(a.adapterId() + " -> " + a.vector()[0]);
                    }
                  }
                }
              });
      readers[t].start();
    }
    for (int i = 1; i <= 2_000; i++) {
      adapters.accept(promoted(i % 5 == 0 ? AdapterEvent.BASE : "a" + i));
    }
    stop.set(true);
    for (Thread t : readers) t.join();
    assertThat(mismatches).isEmpty();
    assertThat(adapters.swaps()).isEqualTo(2_000);
  }
}
