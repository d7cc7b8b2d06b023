package io.ragstream.trainer.adapter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * A deterministic split of training pairs by query (all pairs of one query land on the same side,
 * so no query is both trained on and held out).
 *
 * @param kept the pairs of the remaining queries, in input order
 * @param heldOut the pairs of the held-out queries, in input order
 */
public record PairSplit(List<TrainingPair> kept, List<TrainingPair> heldOut) {
  public PairSplit {
    kept = List.copyOf(kept);
    heldOut = List.copyOf(heldOut);
  }

  /**
   * Holds out {@code round(fraction × queries)} queries (at least one when there are two or more
   * queries and {@code fraction > 0}), chosen by a seeded shuffle of the sorted query ids.
   *
   * @param fraction share of queries to hold out, in [0, 1)
   * @throws IllegalArgumentException when {@code fraction} is outside [0, 1)
   */
  public static PairSplit byQuery(List<TrainingPair> pairs, double fraction, long seed) {
    if (!(fraction >= 0 && fraction < 1)) {
      throw new IllegalArgumentException("fraction must be in [0, 1), was " + fraction);
    }
    Set<String> ids = new TreeSet<>();
    for (TrainingPair p : pairs) ids.add(p.queryId());
    List<String> order = new ArrayList<>(ids);
    Collections.shuffle(order, new Random(seed));
    int n = (int) Math.round(fraction * order.size());
    if (n == 0 && fraction > 0 && order.size() >= 2) n = 1;
    Set<String> held = new TreeSet<>(order.subList(0, n));
    List<TrainingPair> kept = new ArrayList<>();
    List<TrainingPair> out = new ArrayList<>();
    for (TrainingPair p : pairs) (held.contains(p.queryId()) ? out : kept).add(p);
    return new PairSplit(kept, out);
  }

  /** Judgements of {@code pairs}: query id → (relevant document id → grade 1), in input order. */
  public static Map<String, Map<String, Integer>> qrels(List<TrainingPair> pairs) {
    Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
    for (TrainingPair p : pairs) {
      qrels.computeIfAbsent(p.queryId(), q -> new LinkedHashMap<>()).put(p.relevantDocumentId(), 1);
    }
    return qrels;
  }
}
