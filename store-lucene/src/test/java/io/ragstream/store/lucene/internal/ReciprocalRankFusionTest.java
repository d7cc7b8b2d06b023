package io.ragstream.store.lucene.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ReciprocalRankFusionTest {

  @Test
  void sumsReciprocalRanksOverLists() {
    List<ReciprocalRankFusion.Fused<String>> fused =
        ReciprocalRankFusion.fuse(
            List.of(List.of("a", "b", "c"), List.of("c", "b")), 60, Function.identity());

    // c: 1/63 + 1/61 = 0.032266 edges out b: 2/62 = 0.032258.
    assertThat(fused).extracting(ReciprocalRankFusion.Fused::item).containsExactly("c", "b", "a");
    assertThat(fused.get(0).score()).isCloseTo(1.0 / 63 + 1.0 / 61, within(1e-12));
    assertThat(fused.get(1).score()).isCloseTo(2.0 / 62, within(1e-12));
    assertThat(fused.get(2).score()).isCloseTo(1.0 / 61, within(1e-12));
  }

  @Test
  void fusesByKeyKeepingTheBestRankedItem() {
    // Chunks "d1#0" and "d1#1" belong to one document; the key fuses them.
    List<ReciprocalRankFusion.Fused<String>> fused =
        ReciprocalRankFusion.fuse(
            List.of(List.of("d2#0", "d1#1"), List.of("d1#0", "d2#0")), 60, s -> s.substring(0, 2));

    assertThat(fused).hasSize(2);
    assertThat(fused.get(0).item()).isEqualTo("d2#0");
    assertThat(fused.get(1).item()).isEqualTo("d1#0");
    assertThat(fused.get(1).bestRank()).isEqualTo(1);
  }

  @Test
  void breaksScoreTiesByBestRankThenFirstAppearance() {
    List<ReciprocalRankFusion.Fused<String>> fused =
        ReciprocalRankFusion.fuse(List.of(List.of("a"), List.of("b")), 60, Function.identity());

    assertThat(fused).extracting(ReciprocalRankFusion.Fused::item).containsExactly("a", "b");
  }
}
