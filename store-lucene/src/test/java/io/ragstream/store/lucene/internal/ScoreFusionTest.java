package io.ragstream.store.lucene.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScoreFusionTest {
  record Hit(String id, double score) {}

  private static List<ScoreFusion.Fused<Hit>> fuse(List<Hit> a, List<Hit> b, double alpha) {
    return ScoreFusion.convex(a, b, alpha, Hit::score, Hit::id);
  }

  @Test
  void minMaxNormalizesEachListThenWeighs() {
    // dense: x 0.9 -> 1, y 0.7 -> 0.5, z 0.5 -> 0; bm25: z 20 -> 1, x 10 -> 0
    List<Hit> dense = List.of(new Hit("x", 0.9), new Hit("y", 0.7), new Hit("z", 0.5));
    List<Hit> bm25 = List.of(new Hit("z", 20), new Hit("x", 10));

    List<ScoreFusion.Fused<Hit>> fused = fuse(dense, bm25, 0.6);

    assertThat(fused).extracting(f -> f.item().id()).containsExactly("x", "z", "y");
    assertThat(fused.get(0).score()).isCloseTo(0.6 * 1 + 0.4 * 0, within(1e-12));
    assertThat(fused.get(1).score()).isCloseTo(0.6 * 0 + 0.4 * 1, within(1e-12));
    assertThat(fused.get(2).score()).isCloseTo(0.6 * 0.5, within(1e-12));
  }

  @Test
  void alphaOneIsTheDenseOrderAndZeroTheBm25Order() {
    List<Hit> dense = List.of(new Hit("a", 0.9), new Hit("b", 0.8));
    List<Hit> bm25 = List.of(new Hit("b", 5), new Hit("c", 4), new Hit("a", 1));

    assertThat(fuse(dense, bm25, 1.0).subList(0, 2))
        .extracting(f -> f.item().id())
        .containsExactly("a", "b");
    assertThat(fuse(dense, bm25, 0.0)).extracting(f -> f.item().id()).startsWith("b", "c");
  }

  @Test
  void aListOfEqualScoresNormalizesToOne() {
    List<ScoreFusion.Fused<Hit>> fused = fuse(List.of(new Hit("a", 0.3)), List.of(), 0.5);
    assertThat(fused).singleElement().satisfies(f -> assertThat(f.score()).isEqualTo(0.5));
  }

  @Test
  void rejectsBadAlphaAndNonFiniteScores() {
    assertThatThrownBy(() -> fuse(List.of(), List.of(), 1.1)).hasMessageContaining("alpha");
    assertThatThrownBy(() -> fuse(List.of(new Hit("a", Double.NaN)), List.of(), 0.5))
        .hasMessageContaining("not finite");
  }
}
