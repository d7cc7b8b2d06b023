package io.ragstream.core.store;

import java.io.Serializable;

/**
 * How {@link SearchMode#HYBRID} merges the dense and the BM25 list into one ranking. Both methods
 * work on document-level lists when the request collapses documents (each document ranked by its
 * best chunk in each list, then fused), else on chunk-level lists.
 *
 * <ul>
 *   <li>{@link Rrf}: reciprocal-rank fusion, {@code score(d) = Σ_lists 1 / (k + rank(d))}, ranks
 *       from 1, a list without {@code d} adds nothing (Cormack, Clarke and Büttcher, "Reciprocal
 *       Rank Fusion outperforms Condorcet and individual Rank Learning Methods", SIGIR 2009; k = 60
 *       there). Uses ranks only.
 *   <li>{@link Convex}: a convex combination of min-max normalized scores, {@code score(d) = α ·
 *       mm(dense(d)) + (1 − α) · mm(bm25(d))}, where {@code mm(s) = (s − min) / (max − min)} over
 *       the candidates of that list (1 when all are equal) and a document absent from a list gets 0
 *       there (Bruch, Gai and Ingber, "An Analysis of Fusion Functions for Hybrid Retrieval", ACM
 *       TOIS 42(1), 2023, who find it more accurate than RRF once α is tuned on a little data).
 * </ul>
 */
public sealed interface Fusion extends Serializable permits Fusion.Rrf, Fusion.Convex {

  /** RRF's constant from Cormack et al. (SIGIR 2009). */
  int DEFAULT_RRF_K = 60;

  /**
   * The dense weight α of the default fusion, used too when convex fusion is asked for without α;
   * chosen on SciFact train and NFCorpus dev (docs/retrieval.md).
   */
  double DEFAULT_ALPHA = 0.6;

  /**
   * The platform's default fusion: {@link Convex} with α = 0.6, chosen on SciFact train and
   * NFCorpus dev (never on test) with {@code ragstream eval beir --split train|dev}; the table is
   * in docs/retrieval.md.
   */
  Fusion DEFAULT = new Convex(DEFAULT_ALPHA);

  /**
   * Reciprocal-rank fusion.
   *
   * @param k the constant added to each rank; {@code >= 0}
   */
  record Rrf(int k) implements Fusion {
    public Rrf {
      if (k < 0) throw new IllegalArgumentException("RRF k must be >= 0, was " + k);
    }

    @Override
    public String toString() {
      return "rrf(k=" + k + ")";
    }
  }

  /**
   * Convex combination of min-max normalized scores.
   *
   * @param alpha weight of the dense list, in [0, 1]; BM25 gets {@code 1 − alpha}
   */
  record Convex(double alpha) implements Fusion {
    public Convex {
      if (!(alpha >= 0 && alpha <= 1)) {
        throw new IllegalArgumentException("convex fusion alpha must be in [0, 1], was " + alpha);
      }
    }

    @Override
    public String toString() {
      return "convex(alpha=" + alpha + ")";
    }
  }

  /** {@link Rrf} with {@code k}. */
  static Fusion rrf(int k) {
    return new Rrf(k);
  }

  /** {@link Convex} with dense weight {@code alpha}. */
  static Fusion convex(double alpha) {
    return new Convex(alpha);
  }
}
