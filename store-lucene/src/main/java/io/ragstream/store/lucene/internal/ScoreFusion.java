package io.ragstream.store.lucene.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Convex combination of min-max normalized scores (Bruch, Gai and Ingber, "An Analysis of Fusion
 * Functions for Hybrid Retrieval", ACM TOIS 42(1), 2023, section 4): {@code score(d) = α · mm_a(d)
 * + (1 − α) · mm_b(d)} with {@code mm(s) = (s − min) / (max − min)} over that list's candidates (1
 * for every candidate when max = min) and 0 for a document absent from a list.
 */
public final class ScoreFusion {
  private ScoreFusion() {}

  /**
   * One fused entry.
   *
   * @param item the representative item: where an item with the same key is in both lists, the one
   *     of the list where it is ranked better (list {@code a} on a tie)
   * @param score the fused score, in [0, 1]
   */
  public record Fused<T>(T item, double score) {}

  /**
   * Fuses two lists (each best first, scores higher-is-better) into one, best first; ties keep
   * first appearance (list {@code a} first).
   *
   * @param alpha weight of list {@code a}, in [0, 1]
   * @param key identity of an item across the lists (a Lucene doc or a document id)
   * @throws IllegalArgumentException if alpha is outside [0, 1] or a score is not finite
   */
  public static <T> List<Fused<T>> convex(
      List<T> a, List<T> b, double alpha, ToDoubleFunction<T> score, Function<T, ?> key) {
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be in [0, 1], was " + alpha);
    }
    FusionAccumulator<T> fused = new FusionAccumulator<>(key);
    add(a, alpha, score, fused);
    add(b, 1 - alpha, score, fused);
    List<FusionAccumulator.Entry<T>> order = fused.entries();
    order.sort(
        Comparator.<FusionAccumulator.Entry<T>>comparingDouble(e -> -e.score)
            .thenComparingInt(e -> e.firstSeen));
    List<Fused<T>> out = new ArrayList<>(order.size());
    for (FusionAccumulator.Entry<T> e : order) {
      out.add(new Fused<>(e.item, e.score));
    }
    return out;
  }

  private static <T> void add(
      List<T> list, double weight, ToDoubleFunction<T> score, FusionAccumulator<T> fused) {
    if (list.isEmpty()) {
      return;
    }
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (T item : list) {
      double s = score.applyAsDouble(item);
      if (!Double.isFinite(s)) {
        throw new IllegalArgumentException("score " + s + " is not finite");
      }
      min = Math.min(min, s);
      max = Math.max(max, s);
    }
    double range = max - min;
    for (int i = 0; i < list.size(); i++) {
      T item = list.get(i);
      double normalized = range > 0 ? (score.applyAsDouble(item) - min) / range : 1.0;
      fused.add(item, i, weight * normalized);
    }
  }
}
