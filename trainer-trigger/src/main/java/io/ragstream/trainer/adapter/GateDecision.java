package io.ragstream.trainer.adapter;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the {@link EvaluationGate} decided for a candidate adapter.
 *
 * @param promote whether the candidate should replace the serving adapter
 * @param candidateId the candidate's adapter id
 * @param servingId the serving adapter's id, or {@code base} for the base model
 * @param candidate the candidate's figures on the held-out pairs
 * @param serving the serving side's figures on the same pairs
 * @param margin the nDCG@10 margin the candidate had to reach
 * @param queries number of held-out queries evaluated
 * @param reason the decision in words, with the figures
 */
public record GateDecision(
    boolean promote,
    String candidateId,
    String servingId,
    Scores candidate,
    Scores serving,
    double margin,
    int queries,
    String reason) {
  public GateDecision {
    Objects.requireNonNull(candidateId, "candidateId");
    Objects.requireNonNull(servingId, "servingId");
    Objects.requireNonNull(candidate, "candidate");
    Objects.requireNonNull(serving, "serving");
    Objects.requireNonNull(reason, "reason");
  }

  /**
   * Retrieval figures of one side.
   *
   * @param ndcgAt10 mean nDCG@10 over the held-out queries
   * @param mrrAt10 MRR@10 over the same queries
   */
  public record Scores(double ndcgAt10, double mrrAt10) {}

  /**
   * The figures by the names of {@link io.ragstream.core.event.AdapterEvent#metrics()}: {@code
   * ndcg@10}, {@code mrr@10} (candidate), {@code baseline.ndcg@10}, {@code baseline.mrr@10}
   * (serving side), {@code gate.margin}, {@code gate.queries}.
   */
  public Map<String, Double> metrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("ndcg@10", candidate.ndcgAt10());
    m.put("mrr@10", candidate.mrrAt10());
    m.put("baseline.ndcg@10", serving.ndcgAt10());
    m.put("baseline.mrr@10", serving.mrrAt10());
    m.put("gate.margin", margin);
    m.put("gate.queries", (double) queries);
    return m;
  }
}
