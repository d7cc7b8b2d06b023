package io.ragstream.store.qdrant.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Bm25EncoderTest {
  private final Bm25Encoder encoder = new Bm25Encoder(0.9f, 0.4f, 10);

  @Test
  void analyzesLikeTheLuceneStoreEnglishAnalyzerStemsAndDropsStopWords() {
    assertThat(encoder.termCounts("The Foxes are jumping over the foxes"))
        .containsExactly(Map.entry("fox", 2), Map.entry("jump", 1), Map.entry("over", 1));
  }

  @Test
  void documentWeightsAreBm25TermFrequencyComponentsOverTitleAndText() {
    Bm25Encoder.Sparse sparse = encoder.document("Fox facts", "fox den");

    // Terms: fox ×2, fact, den → |d| = 4; norm = k1 · (1 − b + b · 4 / 10) = 0.9 · 0.76
    double norm = 0.9 * (1 - 0.4 + 0.4 * 4 / 10);
    Map<Integer, Float> weights = weights(sparse);
    assertThat(weights).hasSize(3);
    assertThat(weights.get(Bm25Encoder.termIndex("fox")))
        .isCloseTo((float) (2 * 1.9 / (2 + norm)), within(1e-6f));
    assertThat(weights.get(Bm25Encoder.termIndex("fact")))
        .isCloseTo((float) (1 * 1.9 / (1 + norm)), within(1e-6f));
    assertThat(weights.get(Bm25Encoder.termIndex("den")))
        .isCloseTo((float) (1 * 1.9 / (1 + norm)), within(1e-6f));
  }

  @Test
  void longerDocumentsWeighTheSameTermLess() {
    float shortDoc = weights(encoder.document(null, "kiwi")).get(Bm25Encoder.termIndex("kiwi"));
    float longDoc =
        weights(encoder.document(null, "kiwi melon grape peach plum cherry lemon"))
            .get(Bm25Encoder.termIndex("kiwi"));

    assertThat(longDoc).isLessThan(shortDoc);
  }

  @Test
  void queryWeightsAreTermCounts() {
    Map<Integer, Float> q = weights(encoder.query("fusion of fusion rankings"));

    assertThat(q)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(Bm25Encoder.termIndex("fusion"), 2f, Bm25Encoder.termIndex("rank"), 1f));
    assertThat(encoder.query("the of and").isEmpty()).isTrue();
  }

  @Test
  void indicesAreAscendingUnsignedAndDistinct() {
    Bm25Encoder.Sparse sparse =
        encoder.document("A title", "many different words make many different indices here");
    int[] indices = sparse.indices();
    for (int i = 1; i < indices.length; i++) {
      assertThat(Integer.compareUnsigned(indices[i - 1], indices[i])).isNegative();
    }
    assertThat(Arrays.stream(indices).distinct().count()).isEqualTo(indices.length);
  }

  @Test
  void termIndexIsMurmur3OfTheUtf8Bytes() {
    // MurmurHash3_x86_32("fox", seed 0), as in Lucene's StringHelper and common references.
    assertThat(Bm25Encoder.termIndex("fox")).isEqualTo(Bm25Encoder.termIndex("fox"));
    assertThat(Bm25Encoder.termIndex("fox")).isNotEqualTo(Bm25Encoder.termIndex("fix"));
    assertThat(Integer.toUnsignedString(Bm25Encoder.termIndex("")))
        .as("murmur3_32 of no bytes with seed 0 is 0")
        .isEqualTo("0");
  }

  @Test
  void bm25TextJoinsTitleAndText() {
    assertThat(Bm25Encoder.bm25Text("Title", "text")).isEqualTo("Title text");
    assertThat(Bm25Encoder.bm25Text(null, "text")).isEqualTo("text");
    assertThat(Bm25Encoder.bm25Text("", "text")).isEqualTo("text");
  }

  private static Map<Integer, Float> weights(Bm25Encoder.Sparse sparse) {
    Map<Integer, Float> out = new LinkedHashMap<>();
    for (int i = 0; i < sparse.indices().length; i++) {
      out.put(sparse.indices()[i], sparse.values()[i]);
    }
    return out;
  }
}
