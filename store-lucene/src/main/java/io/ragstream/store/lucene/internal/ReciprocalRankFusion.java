package io.ragstream.store.lucene.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Reciprocal-rank fusion (Cormack, Clarke and Büttcher, "Reciprocal Rank Fusion outperforms
 * Condorcet and individual Rank Learning Methods", SIGIR 2009): {@code score(d) = Σ_lists 1 / (k +
 * rank(d))}, ranks from 1, lists where {@code d} is absent contribute nothing.
 */
public final class ReciprocalRankFusion {
  private ReciprocalRankFusion() {}

  /**
   * One fused entry.
   *
   * @param item the representative item: where several items share a key, the one with the best
   *     (smallest) rank in any list, the earlier list on a tie
   * @param score the RRF score
   * @param bestRank the smallest rank of the key in any list
   */
  public record Fused<T>(T item, double score, int bestRank) {}

  /**
   * Fuses {@code lists} (each best first) into one list, best first. Items are identified by {@code
   * key}, so passing a document-id key fuses at document level. Ties on score are broken by the
   * better best rank, then by first appearance.
   *
   * @param k the RRF constant, >= 0 (60 in the paper)
   */
  public static <T> List<Fused<T>> fuse(List<List<T>> lists, int k, Function<T, ?> key) {
    if (k < 0) {
      throw new IllegalArgumentException("k must be >= 0, was " + k);
    }
    FusionAccumulator<T> fused = new FusionAccumulator<>(key);
    for (List<T> list : lists) {
      for (int i = 0; i < list.size(); i++) {
        int rank = i + 1;
        fused.add(list.get(i), rank, 1.0 / (k + rank));
      }
    }
    List<FusionAccumulator.Entry<T>> order = fused.entries();
    order.sort(
        Comparator.<FusionAccumulator.Entry<T>>comparingDouble(e -> -e.score)
            .thenComparingInt(e -> e.bestRank)
            .thenComparingInt(e -> e.firstSeen));
    List<Fused<T>> out = new ArrayList<>(order.size());
    for (FusionAccumulator.Entry<T> e : order) {
      out.add(new Fused<>(e.item, e.score, e.bestRank));
    }
    return out;
  }
}
