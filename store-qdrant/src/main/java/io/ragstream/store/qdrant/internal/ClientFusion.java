package io.ragstream.store.qdrant.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Fusion of the dense and the BM25 list in the client, for what Qdrant's server-side fusion cannot
 * do: {@link io.ragstream.core.store.Fusion.Convex} (Qdrant has RRF and DBSF, no weighted min-max
 * combination), and document-level fusion when collapsing (Qdrant fuses points). Same definitions
 * and tie-breaking as the Lucene store, so both stores rank alike:
 *
 * <ul>
 *   <li>RRF (Cormack, Clarke and Büttcher, SIGIR 2009): {@code Σ 1 / (k + rank)}, ranks from 1;
 *       ties broken by the better best rank, then first appearance.
 *   <li>Convex (Bruch, Gai and Ingber, ACM TOIS 42(1), 2023): {@code α · mm(dense) + (1 − α) ·
 *       mm(bm25)}, {@code mm} min-max over the list (1 when all are equal), 0 when absent; ties
 *       broken by first appearance (dense list first).
 * </ul>
 *
 * <p>The representative item of a key is the one with the best rank in any list (the dense list on
 * a tie).
 */
public final class ClientFusion {
  private ClientFusion() {}

  /** One fused entry: the representative item and its fused score. */
  public record Fused<T>(T item, double score) {}

  private static final class Entry<T> {
    T item;
    int itemRank;
    double score;
    int bestRank = Integer.MAX_VALUE;
    final int firstSeen;

    Entry(T item, int rank, int firstSeen) {
      this.item = item;
      this.itemRank = rank;
      this.firstSeen = firstSeen;
    }
  }

  /** Reciprocal-rank fusion of {@code dense} and {@code bm25} (each best first). */
  public static <T> List<Fused<T>> rrf(List<T> dense, List<T> bm25, int k, Function<T, ?> key) {
    if (k < 0) throw new IllegalArgumentException("k must be >= 0, was " + k);
    Map<Object, Entry<T>> entries = new LinkedHashMap<>();
    for (List<T> list : List.of(dense, bm25)) {
      for (int i = 0; i < list.size(); i++) {
        Entry<T> e = add(entries, list.get(i), i + 1, key);
        e.score += 1.0 / (k + i + 1);
        e.bestRank = Math.min(e.bestRank, i + 1);
      }
    }
    return sorted(
        entries,
        Comparator.<Entry<T>>comparingDouble(e -> -e.score)
            .thenComparingInt(e -> e.bestRank)
            .thenComparingInt(e -> e.firstSeen));
  }

  /**
   * Convex combination of min-max normalized scores (higher is better in both lists).
   *
   * @param alpha weight of the dense list, in [0, 1]
   */
  public static <T> List<Fused<T>> convex(
      List<T> dense, List<T> bm25, double alpha, ToDoubleFunction<T> score, Function<T, ?> key) {
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be in [0, 1], was " + alpha);
    }
    Map<Object, Entry<T>> entries = new LinkedHashMap<>();
    addNormalized(entries, dense, alpha, score, key);
    addNormalized(entries, bm25, 1 - alpha, score, key);
    return sorted(
        entries,
        Comparator.<Entry<T>>comparingDouble(e -> -e.score).thenComparingInt(e -> e.firstSeen));
  }

  private static <T> void addNormalized(
      Map<Object, Entry<T>> entries,
      List<T> list,
      double weight,
      ToDoubleFunction<T> score,
      Function<T, ?> key) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (T item : list) {
      double s = score.applyAsDouble(item);
      min = Math.min(min, s);
      max = Math.max(max, s);
    }
    double range = max - min;
    for (int i = 0; i < list.size(); i++) {
      T item = list.get(i);
      double normalized = range > 0 ? (score.applyAsDouble(item) - min) / range : 1.0;
      add(entries, item, i + 1, key).score += weight * normalized;
    }
  }

  private static <T> Entry<T> add(
      Map<Object, Entry<T>> entries, T item, int rank, Function<T, ?> key) {
    Entry<T> e =
        entries.computeIfAbsent(key.apply(item), x -> new Entry<>(item, rank, entries.size()));
    if (rank < e.itemRank) {
      e.item = item;
      e.itemRank = rank;
    }
    return e;
  }

  private static <T> List<Fused<T>> sorted(
      Map<Object, Entry<T>> entries, Comparator<Entry<T>> order) {
    List<Entry<T>> list = new ArrayList<>(entries.values());
    list.sort(order);
    List<Fused<T>> out = new ArrayList<>(list.size());
    for (Entry<T> e : list) {
      out.add(new Fused<>(e.item, e.score));
    }
    return out;
  }
}
