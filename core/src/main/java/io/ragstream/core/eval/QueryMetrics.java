package io.ragstream.core.eval;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Retrieval metrics of one query at each evaluated cutoff, as computed by {@link RetrievalMetrics}.
 *
 * @param queryId the query id
 * @param relevant number of judged documents with a grade above 0
 * @param retrieved number of ranked documents considered, after removing identical ids and
 *     duplicates (before any cutoff)
 * @param ndcg nDCG@k by cutoff k, in [0, 1]
 * @param recall Recall@k by cutoff k, in [0, 1]
 * @param mrr reciprocal rank of the first relevant document within the top k, by cutoff k, in [0,
 *     1]
 */
public record QueryMetrics(
    String queryId,
    int relevant,
    int retrieved,
    Map<Integer, Double> ndcg,
    Map<Integer, Double> recall,
    Map<Integer, Double> mrr) {

  public QueryMetrics {
    Objects.requireNonNull(queryId, "queryId");
    if (relevant < 0) throw new IllegalArgumentException("relevant must be >= 0, was " + relevant);
    if (retrieved < 0)
      throw new IllegalArgumentException("retrieved must be >= 0, was " + retrieved);
    ndcg = sortedCopy(ndcg, "ndcg");
    recall = sortedCopy(recall, "recall");
    mrr = sortedCopy(mrr, "mrr");
    if (!ndcg.keySet().equals(recall.keySet()) || !ndcg.keySet().equals(mrr.keySet())) {
      throw new IllegalArgumentException(
          "ndcg, recall and mrr must have the same cutoffs, were "
              + ndcg.keySet()
              + ", "
              + recall.keySet()
              + ", "
              + mrr.keySet());
    }
  }

  /** nDCG@k; throws {@link IllegalArgumentException} if k was not evaluated. */
  public double ndcgAt(int k) {
    return valueAt(ndcg, k, "nDCG");
  }

  /** Recall@k; throws {@link IllegalArgumentException} if k was not evaluated. */
  public double recallAt(int k) {
    return valueAt(recall, k, "Recall");
  }

  /**
   * MRR@k (this query's reciprocal rank); throws {@link IllegalArgumentException} if k was not
   * evaluated.
   */
  public double mrrAt(int k) {
    return valueAt(mrr, k, "MRR");
  }

  private static double valueAt(Map<Integer, Double> values, int k, String name) {
    Double value = values.get(k);
    if (value == null) {
      throw new IllegalArgumentException(
          name + "@" + k + " was not evaluated; cutoffs are " + values.keySet());
    }
    return value;
  }

  private static Map<Integer, Double> sortedCopy(Map<Integer, Double> values, String name) {
    Objects.requireNonNull(values, name);
    return Collections.unmodifiableMap(new TreeMap<>(values));
  }
}
