package io.ragstream.ingest.reconcile;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * The outcome of one {@link Reconciler#run()}.
 *
 * @param rowsChecked source rows compared with the index
 * @param documentsChecked index documents checked against the source (second pass)
 * @param inFlight documents skipped because the index already holds a change made after the
 *     snapshot's horizon (they are newer than what the snapshot can judge)
 * @param differences differences still present after the settle time, by kind
 * @param changesEmitted repair changes written (0 without {@code --repair})
 * @param elapsed wall-clock time of the run
 */
public record ReconcileReport(
    long rowsChecked,
    long documentsChecked,
    long inFlight,
    Map<Difference.Kind, Long> differences,
    long changesEmitted,
    Duration elapsed) {

  public ReconcileReport {
    EnumMap<Difference.Kind, Long> copy = new EnumMap<>(Difference.Kind.class);
    for (Difference.Kind k : Difference.Kind.values()) {
      copy.put(k, differences.getOrDefault(k, 0L));
    }
    differences = Map.copyOf(copy);
  }

  /** Total number of differences of every kind. */
  public long totalDifferences() {
    return differences.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Whether the index holds exactly what the source holds. */
  public boolean clean() {
    return totalDifferences() == 0;
  }
}
