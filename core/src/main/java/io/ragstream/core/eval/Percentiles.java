package io.ragstream.core.eval;

import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;

/**
 * Percentiles of a sample (for example per-query latencies in milliseconds) by the
 * <b>nearest-rank</b> method: the p-th percentile of n sorted values is the value at 1-based rank
 * {@code ceil(p / 100 * n)} (rank 1 for p = 0). Every percentile is therefore a value that was
 * observed, never an interpolation between two; p50 of {1, 2, 3, 4} is 2 and p99 of 100 values is
 * the 99th smallest.
 *
 * <p>Immutable and thread-safe; the sample is copied and sorted once.
 */
public final class Percentiles {
  private final double[] sorted;

  private Percentiles(double[] sorted) {
    this.sorted = sorted;
  }

  /**
   * Returns the percentiles of {@code values}.
   *
   * @throws IllegalArgumentException if {@code values} is empty or holds NaN
   */
  public static Percentiles of(double... values) {
    Objects.requireNonNull(values, "values");
    if (values.length == 0) throw new IllegalArgumentException("percentiles of an empty sample");
    double[] copy = values.clone();
    for (double v : copy) {
      if (Double.isNaN(v)) throw new IllegalArgumentException("sample holds NaN");
    }
    Arrays.sort(copy);
    return new Percentiles(copy);
  }

  /** Returns the percentiles of {@code values}; see {@link #of(double...)}. */
  public static Percentiles of(Collection<? extends Number> values) {
    Objects.requireNonNull(values, "values");
    return of(
        values.stream()
            .mapToDouble(v -> Objects.requireNonNull(v, "value").doubleValue())
            .toArray());
  }

  /**
   * The p-th percentile by nearest rank.
   *
   * @param p percentile in [0, 100]
   * @throws IllegalArgumentException if p is outside [0, 100]
   */
  public double percentile(double p) {
    if (!(p >= 0.0 && p <= 100.0)) {
      throw new IllegalArgumentException("percentile must be in [0, 100], was " + p);
    }
    // p * n first, so integer percentiles of integer sizes stay exact (0.99 * 100 is not 99);
    // the epsilon absorbs representation error of fractional p such as 99.9.
    int rank = (int) Math.ceil(p * sorted.length / 100.0 - 1e-9);
    return sorted[Math.max(rank, 1) - 1];
  }

  /** The median (p50) by nearest rank. */
  public double p50() {
    return percentile(50.0);
  }

  /** The 99th percentile by nearest rank. */
  public double p99() {
    return percentile(99.0);
  }

  /** The smallest value. */
  public double min() {
    return sorted[0];
  }

  /** The largest value. */
  public double max() {
    return sorted[sorted.length - 1];
  }

  /** The arithmetic mean. */
  public double mean() {
    double sum = 0.0;
    for (double v : sorted) sum += v;
    return sum / sorted.length;
  }

  /** The sample size. */
  public int count() {
    return sorted.length;
  }
}
