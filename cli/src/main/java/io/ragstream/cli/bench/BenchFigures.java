package io.ragstream.cli.bench;

import io.ragstream.core.eval.Percentiles;
import java.util.LinkedHashMap;
import java.util.Map;

/** Rounding and percentile summaries shared by the benchmarks' printed and JSON figures. */
final class BenchFigures {
  private BenchFigures() {}

  /** {@code v} rounded to one decimal (milliseconds, requests per second, seconds). */
  static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }

  /**
   * The given nearest-rank percentiles of {@code p} and its maximum, rounded to one decimal, in
   * that order: {@code percentiles(p, 50, 99)} is {@code {"p50": .., "p99": .., "max": ..}}.
   */
  static Map<String, Double> percentiles(Percentiles p, int... ranks) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (int rank : ranks) m.put("p" + rank, round1(p.percentile(rank)));
    m.put("max", round1(p.max()));
    return m;
  }
}
