package io.ragstream.trainer.adapter;

import io.ragstream.core.adapter.LoraAdapter;
import io.ragstream.core.eval.RetrievalEvaluation;
import io.ragstream.core.event.AdapterEvent;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Decides whether a newly trained query adapter replaces the serving one: both are evaluated on the
 * same held-out pairs (queries the candidate was not trained or early-stopped on) by real retrieval
 * ({@link HeldOutEvaluator}: nDCG@10 and MRR@10, documents collapsed), and the candidate is
 * promoted iff its nDCG@10 ≥ the serving side's nDCG@10 + {@code margin}. The serving side is the
 * serving adapter, or the base model when none serves. MRR@10 is reported, not gated on.
 *
 * <p>Thread-safe if the evaluator's store is; blocks on searches.
 */
public final class EvaluationGate {
  /** Default margin: the candidate must win by at least this much nDCG@10. */
  public static final double DEFAULT_MARGIN = 0.005;

  private final HeldOutEvaluator evaluator;
  private final double margin;

  /**
   * @param margin nDCG@10 the candidate must gain over the serving side, finite and {@code >= 0}
   */
  public EvaluationGate(HeldOutEvaluator evaluator, double margin) {
    this.evaluator = Objects.requireNonNull(evaluator, "evaluator");
    if (!(margin >= 0) || !Double.isFinite(margin)) {
      throw new IllegalArgumentException("margin must be finite and >= 0, was " + margin);
    }
    this.margin = margin;
  }

  /** The margin. */
  public double margin() {
    return margin;
  }

  /**
   * Compares {@code candidate} with {@code serving} (null = the base model) on {@code heldOut}.
   *
   * @throws IllegalArgumentException when {@code heldOut} is empty, or the two adapters are for
   *     different embedders or dimensions
   */
  public GateDecision decide(
      LoraAdapter candidate, LoraAdapter serving, List<TrainingPair> heldOut) {
    Objects.requireNonNull(candidate, "candidate");
    if (heldOut.isEmpty()) {
      throw new IllegalArgumentException("the gate needs held-out pairs, got none");
    }
    if (serving != null) {
      serving.requireCompatible(candidate.embedder(), candidate.dimension());
    }
    RetrievalEvaluation c = evaluator.evaluate(heldOut, candidate);
    RetrievalEvaluation s = evaluator.evaluate(heldOut, serving);
    GateDecision.Scores cs = scores(c);
    GateDecision.Scores ss = scores(s);
    boolean promote = cs.ndcgAt10() >= ss.ndcgAt10() + margin;
    String servingId = serving == null ? AdapterEvent.BASE : serving.adapterId();
    String reason =
        String.format(
            Locale.ROOT,
            "%s: candidate nDCG@10 %.4f (MRR@10 %.4f) vs %s %.4f (MRR@10 %.4f) on %d held-out"
                + " queries (%s), margin %.4f",
            promote ? "promote" : "reject",
            cs.ndcgAt10(),
            cs.mrrAt10(),
            servingId,
            ss.ndcgAt10(),
            ss.mrrAt10(),
            c.queryCount(),
            evaluator.mode().name().toLowerCase(Locale.ROOT),
            margin);
    return new GateDecision(
        promote, candidate.adapterId(), servingId, cs, ss, margin, c.queryCount(), reason);
  }

  private static GateDecision.Scores scores(RetrievalEvaluation e) {
    return new GateDecision.Scores(e.meanNdcg(HeldOutEvaluator.K), e.meanMrr(HeldOutEvaluator.K));
  }
}
