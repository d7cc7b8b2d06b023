package io.ragstream.core.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * The outcome of evaluating a run against qrels: per-query metrics and their means.
 *
 * @param cutoffs the evaluated cutoffs k, ascending
 * @param perQuery metrics of every evaluated query (each judged query), in qrels order
 * @param unjudgedQueries number of run queries skipped because they have no judgements
 */
public record RetrievalEvaluation(
    List<Integer> cutoffs, Map<String, QueryMetrics> perQuery, int unjudgedQueries) {

  public RetrievalEvaluation {
    cutoffs = List.copyOf(cutoffs);
    perQuery =
        Collections.unmodifiableMap(
            new LinkedHashMap<>(Objects.requireNonNull(perQuery, "perQuery")));
    if (unjudgedQueries < 0) {
      throw new IllegalArgumentException("unjudgedQueries must be >= 0, was " + unjudgedQueries);
    }
  }

  /** Number of evaluated queries: the denominator of every mean. */
  public int queryCount() {
    return perQuery.size();
  }

  /** Mean nDCG@k over the evaluated queries; NaN when no query was evaluated. */
  public double meanNdcg(int k) {
    return mean(q -> q.ndcgAt(k), k);
  }

  /** Mean Recall@k over the evaluated queries; NaN when no query was evaluated. */
  public double meanRecall(int k) {
    return mean(q -> q.recallAt(k), k);
  }

  /** MRR@k: mean reciprocal rank over the evaluated queries; NaN when no query was evaluated. */
  public double meanMrr(int k) {
    return mean(q -> q.mrrAt(k), k);
  }

  private double mean(ToDoubleFunction<QueryMetrics> metric, int k) {
    if (!cutoffs.contains(k)) {
      throw new IllegalArgumentException(
          "cutoff " + k + " was not evaluated; cutoffs are " + cutoffs);
    }
    if (perQuery.isEmpty()) return Double.NaN;
    double sum = 0.0;
    for (QueryMetrics q : perQuery.values()) sum += metric.applyAsDouble(q);
    return sum / perQuery.size();
  }
}
