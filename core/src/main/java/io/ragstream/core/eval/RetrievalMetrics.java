package io.ragstream.core.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Computes nDCG@k, Recall@k and MRR@k of a retrieval run against graded relevance judgements
 * (qrels), with the definitions BEIR uses (Thakur et al., "BEIR: A Heterogeneous Benchmark for
 * Zero-shot Evaluation of Information Retrieval Models", NeurIPS 2021 Datasets and Benchmarks,
 * arXiv:2104.08663), so that scores compare with published BEIR numbers.
 *
 * <p>Definitions, per query, for a ranked list cut at k:
 *
 * <ul>
 *   <li><b>nDCG@k</b> as trec_eval's {@code ndcg_cut} (trec_eval 9.0.x, {@code m_ndcg_cut.c}),
 *       which pytrec_eval wraps and BEIR calls: the gain of a document is its grade, linear (not
 *       {@code 2^grade - 1}); grades &le; 0 and unjudged documents give no gain; the document at
 *       rank r (1-based) is discounted by {@code log2(r + 1)}; the ideal DCG ranks the query's
 *       judged grades &gt; 0 in descending order, cut at k. nDCG is 0 when the ideal DCG is 0.
 *   <li><b>Recall@k</b> as trec_eval's {@code recall_k}: relevant documents (grade &gt; 0) in the
 *       top k divided by all relevant documents of the query; 0 when the query has none.
 *   <li><b>MRR@k</b> as BEIR's {@code mrr} ({@code beir.retrieval.custom_metrics}): 1 / rank of the
 *       first document with grade &gt; 0 within the top k, 0 if there is none; averaged over
 *       queries.
 * </ul>
 *
 * <p>Which queries count (BEIR semantics): a query without judgements (absent from the qrels or
 * with an empty judgement map) is skipped, even if the run has results for it. A query with
 * judgements but no results in the run scores 0 on every metric and counts in the means (as {@code
 * trec_eval -c}; pytrec_eval alone would drop it, which inflates the mean of a system that fails on
 * hard queries). A query whose judgements are all &le; 0 is evaluated and scores 0, as in
 * pytrec_eval.
 *
 * <p>Ranked lists: the first occurrence of a document id counts and later duplicates are ignored
 * (BEIR's result dict cannot hold duplicates). With {@link #ignoringIdenticalIds(boolean)}, a
 * result whose id equals the query id is removed before cutting, as BEIR's {@code
 * EvaluateRetrieval.evaluate(..., ignore_identical_ids=True)} does (for datasets such as ArguAna
 * and Quora where a query is also a corpus document). Scored runs are ranked as trec_eval ranks
 * them: score descending, ties by document id descending ({@code form_res_rels.c}, {@code
 * comp_sim_docno}).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class RetrievalMetrics {
  private static final double LN2 = Math.log(2.0);

  /**
   * Ranking of a scored run as trec_eval sorts it: score descending, then document id descending
   * (lexicographic by UTF-16 code unit, like {@code strcmp} for ASCII ids).
   */
  private static final Comparator<Map.Entry<String, Double>> TREC_ORDER =
      Comparator.<Map.Entry<String, Double>>comparingDouble(Map.Entry::getValue)
          .reversed()
          .thenComparing(Map.Entry::getKey, Comparator.reverseOrder());

  private final int[] cutoffs;
  private final boolean ignoreIdenticalIds;

  private RetrievalMetrics(int[] cutoffs, boolean ignoreIdenticalIds) {
    this.cutoffs = cutoffs;
    this.ignoreIdenticalIds = ignoreIdenticalIds;
  }

  /**
   * Returns a calculator for the given cutoffs (each &ge; 1, no duplicates; order does not matter),
   * keeping results whose id equals the query id.
   *
   * @throws IllegalArgumentException naming the bad cutoff
   */
  public static RetrievalMetrics atCutoffs(int... cutoffs) {
    Objects.requireNonNull(cutoffs, "cutoffs");
    if (cutoffs.length == 0) throw new IllegalArgumentException("at least one cutoff is needed");
    int[] sorted = cutoffs.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      if (sorted[i] < 1)
        throw new IllegalArgumentException("cutoff must be >= 1, was " + sorted[i]);
      if (i > 0 && sorted[i] == sorted[i - 1]) {
        throw new IllegalArgumentException("duplicate cutoff " + sorted[i]);
      }
    }
    return new RetrievalMetrics(sorted, false);
  }

  /**
   * Returns a copy that, when {@code ignore} is true, removes results whose id equals the query id
   * before cutting (BEIR's {@code ignore_identical_ids}).
   */
  public RetrievalMetrics ignoringIdenticalIds(boolean ignore) {
    return new RetrievalMetrics(cutoffs, ignore);
  }

  /** The cutoffs, ascending. */
  public List<Integer> cutoffs() {
    return Arrays.stream(cutoffs).boxed().toList();
  }

  /** Whether results whose id equals the query id are removed before cutting. */
  public boolean ignoresIdenticalIds() {
    return ignoreIdenticalIds;
  }

  /**
   * Evaluates a ranked run.
   *
   * @param qrels judgements: query id → (document id → grade); grades &le; 0 are non-relevant
   * @param run ranked document ids per query id, best first; may lack judged queries (they score 0)
   * @return per-query metrics of every judged query, in qrels iteration order, and their means
   * @throws NullPointerException if an argument, a judgement map, a ranked list or a document id in
   *     them is null
   */
  public RetrievalEvaluation evaluate(
      Map<String, ? extends Map<String, Integer>> qrels, Map<String, ? extends List<String>> run) {
    return evaluate(qrels, run, Function.identity());
  }

  /**
   * Evaluates a scored run, ranking each query's documents as trec_eval does (score descending,
   * ties by document id descending). See {@link #evaluate(Map, Map)}.
   *
   * @param run document id → score (higher is better) per query id
   */
  public RetrievalEvaluation evaluateScored(
      Map<String, ? extends Map<String, Integer>> qrels,
      Map<String, ? extends Map<String, Double>> run) {
    return evaluate(qrels, run, RetrievalMetrics::rankByScore);
  }

  private <R> RetrievalEvaluation evaluate(
      Map<String, ? extends Map<String, Integer>> qrels,
      Map<String, ? extends R> run,
      Function<? super R, List<String>> ranking) {
    Objects.requireNonNull(qrels, "qrels");
    Objects.requireNonNull(run, "run");
    Map<String, QueryMetrics> perQuery = new LinkedHashMap<>();
    for (Map.Entry<String, ? extends Map<String, Integer>> entry : qrels.entrySet()) {
      String queryId = Objects.requireNonNull(entry.getKey(), "query id in qrels");
      Map<String, Integer> judgements =
          Objects.requireNonNull(entry.getValue(), "judgements of " + queryId);
      if (judgements.isEmpty()) continue;
      R results = run.get(queryId);
      List<String> ranked = results == null ? List.of() : ranking.apply(results);
      perQuery.put(queryId, evaluateQuery(queryId, judgements, ranked));
    }
    int unjudged = 0;
    for (String queryId : run.keySet()) {
      Map<String, Integer> judgements = qrels.get(queryId);
      if (judgements == null || judgements.isEmpty()) unjudged++;
    }
    return new RetrievalEvaluation(cutoffs(), perQuery, unjudged);
  }

  /**
   * Evaluates one query at this calculator's cutoffs.
   *
   * @param judgements document id → grade for this query
   * @param ranked document ids, best first
   */
  public QueryMetrics evaluateQuery(
      String queryId, Map<String, Integer> judgements, List<String> ranked) {
    Objects.requireNonNull(queryId, "queryId");
    List<String> cleaned = clean(queryId, ranked);
    Map<Integer, Double> ndcg = new LinkedHashMap<>();
    Map<Integer, Double> recall = new LinkedHashMap<>();
    Map<Integer, Double> mrr = new LinkedHashMap<>();
    for (int k : cutoffs) {
      ndcg.put(k, ndcg(judgements, cleaned, k));
      recall.put(k, recall(judgements, cleaned, k));
      mrr.put(k, reciprocalRank(judgements, cleaned, k));
    }
    return new QueryMetrics(queryId, relevantCount(judgements), cleaned.size(), ndcg, recall, mrr);
  }

  private List<String> clean(String queryId, List<String> ranked) {
    Objects.requireNonNull(ranked, "ranked list of " + queryId);
    Set<String> seen = new LinkedHashSet<>();
    for (String docId : ranked) {
      Objects.requireNonNull(docId, "document id in the ranked list of " + queryId);
      if (ignoreIdenticalIds && docId.equals(queryId)) continue;
      seen.add(docId);
    }
    return new ArrayList<>(seen);
  }

  /**
   * nDCG@k of one ranked list as trec_eval's {@code ndcg_cut}: linear gains (the grade), discount
   * {@code log2(rank + 1)}, grades &le; 0 and unjudged documents give no gain, ideal DCG from the
   * judged grades &gt; 0 sorted descending and cut at k; 0 if the ideal DCG is 0. The list is used
   * as given (no de-duplication).
   */
  public static double ndcg(Map<String, Integer> judgements, List<String> ranked, int k) {
    checkK(k);
    double dcg = 0.0;
    int depth = Math.min(k, ranked.size());
    for (int i = 0; i < depth; i++) {
      int grade = gradeOf(judgements, ranked.get(i));
      if (grade > 0) dcg += grade / log2(i + 2); // rank i + 1, discount log2(rank + 1)
    }
    int[] ideal =
        judgements.values().stream()
            .mapToInt(g -> Objects.requireNonNull(g, "grade"))
            .filter(g -> g > 0)
            .sorted()
            .toArray();
    double idcg = 0.0;
    for (int i = 0; i < Math.min(k, ideal.length); i++) {
      idcg += ideal[ideal.length - 1 - i] / log2(i + 2);
    }
    return idcg > 0.0 ? dcg / idcg : 0.0;
  }

  /**
   * Recall@k of one ranked list: documents with grade &gt; 0 in the top k divided by all judged
   * documents with grade &gt; 0; 0 if there are none. The list is used as given.
   */
  public static double recall(Map<String, Integer> judgements, List<String> ranked, int k) {
    checkK(k);
    int relevant = relevantCount(judgements);
    if (relevant == 0) return 0.0;
    int found = 0;
    int depth = Math.min(k, ranked.size());
    for (int i = 0; i < depth; i++) {
      if (gradeOf(judgements, ranked.get(i)) > 0) found++;
    }
    return (double) found / relevant;
  }

  /**
   * Reciprocal rank of the first document with grade &gt; 0 within the top k (1 / its 1-based
   * rank), 0 if there is none. The list is used as given.
   */
  public static double reciprocalRank(Map<String, Integer> judgements, List<String> ranked, int k) {
    checkK(k);
    int depth = Math.min(k, ranked.size());
    for (int i = 0; i < depth; i++) {
      if (gradeOf(judgements, ranked.get(i)) > 0) return 1.0 / (i + 1);
    }
    return 0.0;
  }

  /**
   * Ranks a scored result set as trec_eval does: score descending, ties broken by document id
   * descending.
   */
  public static List<String> rankByScore(Map<String, Double> scores) {
    Objects.requireNonNull(scores, "scores");
    List<Map.Entry<String, Double>> entries = new ArrayList<>(scores.entrySet());
    for (Map.Entry<String, Double> e : entries) {
      Objects.requireNonNull(e.getKey(), "document id");
      Objects.requireNonNull(e.getValue(), "score of " + e.getKey());
    }
    entries.sort(TREC_ORDER);
    return entries.stream().map(Map.Entry::getKey).toList();
  }

  private static int relevantCount(Map<String, Integer> judgements) {
    int relevant = 0;
    for (Integer grade : judgements.values()) {
      if (Objects.requireNonNull(grade, "grade") > 0) relevant++;
    }
    return relevant;
  }

  private static int gradeOf(Map<String, Integer> judgements, String docId) {
    Integer grade = judgements.get(docId);
    return grade == null ? 0 : grade;
  }

  private static double log2(int x) {
    return Math.log(x) / LN2;
  }

  private static void checkK(int k) {
    if (k < 1) throw new IllegalArgumentException("k must be >= 1, was " + k);
  }
}
