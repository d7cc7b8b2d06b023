package io.ragstream.store.qdrant.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ClientFusionTest {

  /** A chunk of a document with a score. */
  record Hit(String doc, int chunk, double score) {
    String key() {
      return doc + "#" + chunk;
    }
  }

  @Test
  void rrfSumsReciprocalRanksFromOne() {
    // The contract test's example: dense y, x, w, z; BM25 z, x.
    List<Hit> dense =
        List.of(new Hit("y", 0, .9), new Hit("x", 0, .8), new Hit("w", 0, .7), new Hit("z", 0, .1));
    List<Hit> bm25 = List.of(new Hit("z", 0, 7), new Hit("x", 0, 3));

    List<ClientFusion.Fused<Hit>> fused = ClientFusion.rrf(dense, bm25, 60, Hit::key);

    assertThat(fused).extracting(f -> f.item().doc()).containsExactly("x", "z", "y", "w");
    assertThat(fused.get(0).score()).isCloseTo(2.0 / 62, within(1e-12));
    assertThat(fused.get(1).score()).isCloseTo(1.0 / 64 + 1.0 / 61, within(1e-12));
    assertThat(fused.get(2).score()).isCloseTo(1.0 / 61, within(1e-12));
    assertThat(fused.get(3).score()).isCloseTo(1.0 / 63, within(1e-12));
  }

  @Test
  void rrfTiesGoToTheBetterBestRankThenFirstSeen() {
    // k = 0: p and x score 1/1, q scores 1/2 + 1/2 = 1 too, but its best rank is 2.
    List<Hit> dense = List.of(new Hit("p", 0, 1), new Hit("q", 0, .5));
    List<Hit> bm25 = List.of(new Hit("x", 0, 9), new Hit("q", 0, 5));

    List<ClientFusion.Fused<Hit>> fused = ClientFusion.rrf(dense, bm25, 0, Hit::key);

    assertThat(fused).extracting(ClientFusion.Fused::score).containsOnly(1.0);
    assertThat(fused).extracting(f -> f.item().doc()).containsExactly("p", "x", "q");
  }

  @Test
  void convexCombinesMinMaxNormalizedScores() {
    List<Hit> dense = List.of(new Hit("a", 0, 0.9), new Hit("b", 0, 0.7), new Hit("c", 0, 0.5));
    List<Hit> bm25 = List.of(new Hit("c", 0, 12), new Hit("a", 0, 2));

    List<ClientFusion.Fused<Hit>> fused =
        ClientFusion.convex(dense, bm25, 0.6, Hit::score, Hit::key);

    // a: 0.6·1 + 0.4·0 = 0.6; b: 0.6·0.5 = 0.3; c: 0.6·0 + 0.4·1 = 0.4
    assertThat(fused).extracting(f -> f.item().doc()).containsExactly("a", "c", "b");
    assertThat(fused.get(0).score()).isCloseTo(0.6, within(1e-12));
    assertThat(fused.get(1).score()).isCloseTo(0.4, within(1e-12));
    assertThat(fused.get(2).score()).isCloseTo(0.3, within(1e-12));
  }

  @Test
  void convexGivesOneToEveryCandidateOfAListWithEqualScores() {
    List<ClientFusion.Fused<Hit>> fused =
        ClientFusion.convex(
            List.of(new Hit("a", 0, 0.5), new Hit("b", 0, 0.5)),
            List.of(),
            0.6,
            Hit::score,
            Hit::key);

    assertThat(fused).extracting(ClientFusion.Fused::score).containsExactly(0.6, 0.6);
  }

  @Test
  void documentKeyFusesAtDocumentLevelKeepingTheBestRankedChunk() {
    List<Hit> dense = List.of(new Hit("A", 1, .9), new Hit("B", 0, .8));
    List<Hit> bm25 = List.of(new Hit("B", 0, 5), new Hit("A", 2, 4));
    Function<Hit, Object> byDocument = Hit::doc;

    List<ClientFusion.Fused<Hit>> fused = ClientFusion.rrf(dense, bm25, 60, byDocument);

    assertThat(fused).hasSize(2);
    assertThat(fused.get(0).item()).isEqualTo(new Hit("A", 1, .9));
    assertThat(fused.get(0).score()).isCloseTo(1.0 / 61 + 1.0 / 62, within(1e-12));
  }
}
