package io.ragstream.store.lucene.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Sums per-list contributions by item key for {@link ReciprocalRankFusion} and {@link ScoreFusion}:
 * one entry per key, in order of first appearance, whose representative item is the one with the
 * best (smallest) rank, the earlier addition on a tie.
 */
final class FusionAccumulator<T> {

  static final class Entry<T> {
    T item;
    int bestRank;
    final int firstSeen;
    double score;

    private Entry(T item, int bestRank, int firstSeen) {
      this.item = item;
      this.bestRank = bestRank;
      this.firstSeen = firstSeen;
    }
  }

  private final Function<T, ?> key;
  private final Map<Object, Entry<T>> byKey = new HashMap<>();
  private final List<Entry<T>> entries = new ArrayList<>();

  FusionAccumulator(Function<T, ?> key) {
    this.key = key;
  }

  /** Adds {@code contribution} to the entry of {@code item}'s key, found at {@code rank}. */
  void add(T item, int rank, double contribution) {
    Object k = key.apply(item);
    Entry<T> e = byKey.get(k);
    if (e == null) {
      e = new Entry<>(item, rank, entries.size());
      byKey.put(k, e);
      entries.add(e);
    } else if (rank < e.bestRank) {
      e.item = item;
      e.bestRank = rank;
    }
    e.score += contribution;
  }

  /** The entries in order of first appearance (a live list: callers may sort it). */
  List<Entry<T>> entries() {
    return entries;
  }
}
