package io.ragstream.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class RetrievalMetricsTest {
  private static final Offset<Double> EXACT = within(1e-12);
  private static final RetrievalMetrics AT_10_100 = RetrievalMetrics.atCutoffs(10, 100);

  @Test
  void perfectRankingScoresOne() {
    // Grades 2, 1 ranked in ideal order: DCG = 2/log2(2) + 1/log2(3) = IDCG, so nDCG@10 = 1.
    var qrels = Map.of("q1", Map.of("d1", 2, "d2", 1));
    var run = Map.of("q1", List.of("d1", "d2", "d3"));

    RetrievalEvaluation eval = AT_10_100.evaluate(qrels, run);

    assertThat(eval.queryCount()).isEqualTo(1);
    assertThat(eval.meanNdcg(10)).isCloseTo(1.0, EXACT);
    assertThat(eval.meanRecall(100)).isCloseTo(1.0, EXACT);
    assertThat(eval.meanMrr(10)).isCloseTo(1.0, EXACT);
  }

  @Test
  void gradedGainsAreLinearLikeTrecEvalNdcgCut() {
    // d1 has grade 2, d2 grade 1, ranked swapped: [d2, d1].
    // DCG  = 1/log2(1+1) + 2/log2(2+1) = 1 + 2/1.5849625007 = 1 + 1.2618595071 = 2.2618595071
    // IDCG = 2/log2(1+1) + 1/log2(2+1) = 2 + 0.6309297536              = 2.6309297536
    // nDCG@10 = 2.2618595071 / 2.6309297536 = 0.8597186998521972
    // (With exponential gains 2^g - 1 it would be (1 + 3/1.585) / (3 + 1/1.585) = 0.7967.)
    var judgements = Map.of("d1", 2, "d2", 1);
    double ndcg = RetrievalMetrics.ndcg(judgements, List.of("d2", "d1"), 10);

    assertThat(ndcg).isCloseTo(0.8597186998521972, EXACT);
  }

  @Test
  void relevantDocumentBeyondCutoffDoesNotCount() {
    // d1 (grade 1) at rank 11 after ten unjudged documents.
    // @10: nDCG 0, Recall 0, MRR 0.
    // @100: DCG = 1/log2(11+1) = 1/3.5849625007 = 0.2789429457, IDCG = 1/log2(2) = 1,
    //       Recall = 1/1, MRR@100 = 1/11.
    List<String> ranked = new ArrayList<>();
    for (int i = 0; i < 10; i++) ranked.add("x" + i);
    ranked.add("d1");
    QueryMetrics q = AT_10_100.evaluateQuery("q1", Map.of("d1", 1), ranked);

    assertThat(q.ndcgAt(10)).isZero();
    assertThat(q.recallAt(10)).isZero();
    assertThat(q.mrrAt(10)).isZero();
    assertThat(q.ndcgAt(100)).isCloseTo(0.27894294565112987, EXACT);
    assertThat(q.recallAt(100)).isCloseTo(1.0, EXACT);
    assertThat(q.mrrAt(100)).isCloseTo(1.0 / 11, EXACT);
  }

  @Test
  void recallCountsRetrievedRelevantOverAllRelevant() {
    // 3 relevant (d1, d2, d3), the run retrieves d1 and d3 plus an unjudged x: Recall = 2/3.
    var judgements = Map.of("d1", 1, "d2", 1, "d3", 2);

    assertThat(RetrievalMetrics.recall(judgements, List.of("d1", "x", "d3"), 100))
        .isCloseTo(2.0 / 3.0, EXACT);
  }

  @Test
  void reciprocalRankOfFirstRelevantAtRankThreeIsOneThird() {
    // ranks 1 and 2 are non-relevant (x unjudged, n judged 0), d1 relevant at rank 3: 1/3.
    var judgements = Map.of("d1", 1, "n", 0);

    assertThat(RetrievalMetrics.reciprocalRank(judgements, List.of("x", "n", "d1"), 10))
        .isCloseTo(1.0 / 3.0, EXACT);
    assertThat(RetrievalMetrics.reciprocalRank(judgements, List.of("x", "n", "d1"), 2)).isZero();
  }

  @Test
  void judgedQueryWithoutResultsScoresZeroAndCountsInTheMean() {
    // q1 perfect (1.0), q2 judged but absent from the run (0), q3 judged with an empty list (0):
    // mean nDCG@10 = (1 + 0 + 0) / 3.
    var qrels = new LinkedHashMap<String, Map<String, Integer>>();
    qrels.put("q1", Map.of("d1", 1));
    qrels.put("q2", Map.of("d2", 1));
    qrels.put("q3", Map.of("d3", 1));
    var run = Map.of("q1", List.of("d1"), "q3", List.<String>of());

    RetrievalEvaluation eval = AT_10_100.evaluate(qrels, run);

    assertThat(eval.queryCount()).isEqualTo(3);
    assertThat(eval.perQuery().get("q2").ndcgAt(10)).isZero();
    assertThat(eval.perQuery().get("q2").retrieved()).isZero();
    assertThat(eval.meanNdcg(10)).isCloseTo(1.0 / 3.0, EXACT);
    assertThat(eval.meanRecall(100)).isCloseTo(1.0 / 3.0, EXACT);
    assertThat(eval.meanMrr(10)).isCloseTo(1.0 / 3.0, EXACT);
  }

  @Test
  void unjudgedQueriesAreSkipped() {
    // q9 has results but no judgements, q8 an empty judgement map: neither counts,
    // so the mean is q1's alone (1.0).
    var qrels = Map.of("q1", Map.of("d1", 1), "q8", Map.<String, Integer>of());
    var run = Map.of("q1", List.of("d1"), "q9", List.of("d1"), "q8", List.of("d1"));

    RetrievalEvaluation eval = AT_10_100.evaluate(qrels, run);

    assertThat(eval.perQuery()).containsOnlyKeys("q1");
    assertThat(eval.unjudgedQueries()).isEqualTo(2);
    assertThat(eval.meanNdcg(10)).isCloseTo(1.0, EXACT);
  }

  @Test
  void ignoreIdenticalIdsRemovesTheQueryItselfBeforeCutting() {
    // Query q1 retrieves itself first, then the relevant d1.
    // Kept:    d1 at rank 2: nDCG@10 = (1/log2(3)) / 1 = 0.6309297535714575, MRR@10 = 1/2.
    // Removed: d1 at rank 1: nDCG@10 = 1, MRR@10 = 1.
    // With cutoff 1, the removal must happen before cutting, or d1 would fall outside the top 1.
    var qrels = Map.of("q1", Map.of("d1", 1));
    var run = Map.of("q1", List.of("q1", "d1"));

    RetrievalEvaluation kept = RetrievalMetrics.atCutoffs(1, 10).evaluate(qrels, run);
    RetrievalEvaluation removed =
        RetrievalMetrics.atCutoffs(1, 10).ignoringIdenticalIds(true).evaluate(qrels, run);

    assertThat(kept.meanNdcg(10)).isCloseTo(0.6309297535714575, EXACT);
    assertThat(kept.meanMrr(10)).isCloseTo(0.5, EXACT);
    assertThat(kept.meanNdcg(1)).isZero();
    assertThat(removed.meanNdcg(10)).isCloseTo(1.0, EXACT);
    assertThat(removed.meanMrr(10)).isCloseTo(1.0, EXACT);
    assertThat(removed.meanNdcg(1)).isCloseTo(1.0, EXACT);
    assertThat(removed.perQuery().get("q1").retrieved()).isEqualTo(1);
  }

  @Test
  void idealDcgIsCutAtK() {
    // Three documents of grade 1, k = 2: IDCG@2 = 1 + 1/log2(3) uses only two of them,
    // so retrieving any two relevant documents on top is perfect (nDCG@2 = 1), while Recall@2 =
    // 2/3.
    var judgements = Map.of("d1", 1, "d2", 1, "d3", 1);

    assertThat(RetrievalMetrics.ndcg(judgements, List.of("d3", "d1"), 2)).isCloseTo(1.0, EXACT);
    assertThat(RetrievalMetrics.recall(judgements, List.of("d3", "d1"), 2))
        .isCloseTo(2.0 / 3, EXACT);
  }

  @Test
  void gradesAtOrBelowZeroAreNonRelevant() {
    // d0 (grade 0) and dn (grade -1) give no gain and are not in the ideal ranking or recall base.
    // Only d1 (grade 1) at rank 3: DCG = 1/log2(4) = 0.5, IDCG = 1, MRR = 1/3, Recall = 1.
    var judgements = Map.of("d0", 0, "dn", -1, "d1", 1);
    List<String> ranked = List.of("d0", "dn", "d1");

    assertThat(RetrievalMetrics.ndcg(judgements, ranked, 10)).isCloseTo(0.5, EXACT);
    assertThat(RetrievalMetrics.reciprocalRank(judgements, ranked, 10)).isCloseTo(1.0 / 3, EXACT);
    assertThat(RetrievalMetrics.recall(judgements, ranked, 10)).isCloseTo(1.0, EXACT);
  }

  @Test
  void queryJudgedOnlyNonRelevantIsEvaluatedAsZero() {
    // Like pytrec_eval: the query has judgements, so it counts; with no relevant document,
    // IDCG = 0 and the recall base is 0, so every metric is 0. Mean over q1 (1.0) and q2 (0) = 0.5.
    var qrels = Map.of("q1", Map.of("d1", 1), "q2", Map.of("d2", 0));
    var run = Map.of("q1", List.of("d1"), "q2", List.of("d2"));

    RetrievalEvaluation eval = AT_10_100.evaluate(qrels, run);

    assertThat(eval.queryCount()).isEqualTo(2);
    assertThat(eval.meanNdcg(10)).isCloseTo(0.5, EXACT);
    assertThat(eval.meanRecall(100)).isCloseTo(0.5, EXACT);
  }

  @Test
  void duplicateResultsCountOnce() {
    // [d1, d1, d2]: the second d1 is dropped, so d2 is at rank 2, not 3.
    // DCG = 1 + 1/log2(3), IDCG the same: nDCG@10 = 1.
    QueryMetrics q =
        AT_10_100.evaluateQuery("q1", Map.of("d1", 1, "d2", 1), List.of("d1", "d1", "d2"));

    assertThat(q.ndcgAt(10)).isCloseTo(1.0, EXACT);
    assertThat(q.retrieved()).isEqualTo(2);
  }

  @Test
  void scoredRunsAreRankedLikeTrecEvalWithTiesByDocumentIdDescending() {
    // a and b tie at 0.5; trec_eval puts "b" before "a" (docno descending); c is last.
    assertThat(RetrievalMetrics.rankByScore(Map.of("a", 0.5, "c", 0.1, "b", 0.5)))
        .containsExactly("b", "a", "c");

    // Only "a" is relevant: at rank 2, MRR@10 = 1/2.
    var eval =
        AT_10_100.evaluateScored(
            Map.of("q1", Map.of("a", 1)), Map.of("q1", Map.of("a", 0.5, "b", 0.5)));
    assertThat(eval.meanMrr(10)).isCloseTo(0.5, EXACT);
  }

  @Test
  void rejectsInvalidCutoffsAndUnevaluatedOnes() {
    assertThatThrownBy(() -> RetrievalMetrics.atCutoffs(10, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was 0");
    assertThatThrownBy(() -> RetrievalMetrics.atCutoffs(10, 10))
        .hasMessageContaining("duplicate cutoff 10");
    RetrievalEvaluation eval = AT_10_100.evaluate(Map.of("q1", Map.of("d1", 1)), Map.of());
    assertThatThrownBy(() -> eval.meanNdcg(5)).hasMessageContaining("cutoff 5 was not evaluated");
  }

  @Test
  void meanOfNoQueriesIsNaN() {
    RetrievalEvaluation eval = AT_10_100.evaluate(Map.of(), Map.of("q1", List.of("d1")));

    assertThat(eval.queryCount()).isZero();
    assertThat(eval.meanNdcg(10)).isNaN();
  }
}
