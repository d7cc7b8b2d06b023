package io.ragstream.trainer.adapter;

import io.ragstream.trainer.adapter.AdapterTrainingConfig.Loss;
import java.util.Arrays;
import java.util.List;

/**
 * The training objective of {@link QueryAdapterTrainer} for one query, with its exact gradient with
 * respect to the LoRA matrices A ([r, d], row-major) and B ([d, r], row-major).
 *
 * <p>Forward: {@code h = A·e}, {@code u = e + s·B·h [+ c]} ({@code s = alpha / r}, c the optional
 * query bias), {@code q = u / |u|}; a candidate document's score is its best chunk's dot product
 * with q (as collapsed retrieval ranks documents), its logit that score divided by the temperature
 * τ. With P the positive candidates (the query's judged relevant documents given) and N the
 * negatives, the loss is
 *
 * <ul>
 *   <li>{@link Loss#INFO_NCE} and {@link Loss#SUP_CON}: {@code −(1/|P|) Σ_{p∈P} log softmax_p}, the
 *       softmax over P ∪ N. With one positive this is InfoNCE (van den Oord et al.,
 *       arXiv:1807.03748, 2018); with several it is the supervised-contrastive loss L_out of Khosla
 *       et al., "Supervised Contrastive Learning" (NeurIPS 2020), equivalently the ListNet top-one
 *       cross entropy (Cao et al., ICML 2007) against the uniform distribution over the positives.
 *       The caller decides which documents are P and N (masking: a document judged relevant to the
 *       query is never in N).
 *   <li>{@link Loss#MIL_NCE}: {@code −log(Σ_{p∈P} exp(l_p) / Σ_{c∈P∪N} exp(l_c))}, all positives in
 *       the numerator (MIL-NCE, Miech et al., "End-to-End Learning of Visual Representations from
 *       Uncurated Instructional Videos", CVPR 2020).
 * </ul>
 *
 * plus, when {@code identityWeight} λ > 0, the penalty {@code λ·|q − e/|e||²} on the change of the
 * unit query vector, which keeps the adapted query near the base one (a regulariser toward the
 * identity in the spirit of the prediction/recovery losses of Search-Adaptor, Yoon et al., ACL
 * 2024).
 *
 * <p>Backward: with {@code g = dL/dq = Σ_c (∂L/∂l_c)·chunk_c / τ + 2λ(q − ê)}, {@code dL/du = (g −
 * (g·q) q) / |u|}, {@code dL/dB = s · dL/du ⊗ h}, {@code dL/dA = s · (Bᵀ dL/du) ⊗ e}, {@code dL/dc
 * = dL/du}. Not thread-safe (scratch buffers); allocation-free per call except the candidate
 * arrays.
 */
final class ContrastiveObjective {
  private final int d;
  private final int r;
  private final double scaling;
  private final double temperature;
  private final Loss loss;
  private final double identityWeight;
  private final double[] h;
  private final double[] u;
  private final double[] q;
  private final double[] g;
  private final double[] dh;

  /**
   * @param d embedding dimension
   * @param r rank
   * @param scaling alpha / r
   * @param temperature τ, in (0, 1]
   * @param loss the contrastive loss
   * @param identityWeight λ of the penalty on the change of the unit query vector, {@code >= 0}
   */
  ContrastiveObjective(
      int d, int r, double scaling, double temperature, Loss loss, double identityWeight) {
    this.d = d;
    this.r = r;
    this.scaling = scaling;
    this.temperature = temperature;
    this.loss = loss;
    this.identityWeight = identityWeight;
    h = new double[r];
    u = new double[d];
    q = new double[d];
    g = new double[d];
    dh = new double[r];
  }

  /** As below without a query bias. */
  double evaluate(
      float[] e,
      float[] a,
      float[] b,
      List<float[][]> positives,
      List<float[][]> negatives,
      boolean withPenalty,
      double weight,
      float[] gA,
      float[] gB) {
    return evaluate(e, a, b, null, positives, negatives, withPenalty, weight, gA, gB, null);
  }

  /**
   * The loss of one query; adds {@code weight ×} its gradient to {@code gA} and {@code gB} when
   * they are not null.
   *
   * @param e the base query embedding (unit length), d values
   * @param bias the query bias c (d values), or null for none
   * @param positives chunk vectors of each positive document (at least one document, each with at
   *     least one chunk of d values)
   * @param negatives chunk vectors of each negative document (may be empty)
   * @param withPenalty whether the identity penalty is part of this value (training: yes;
   *     validation: no, the validation figure is the ranking loss alone)
   * @param gC the bias gradient to add to (d values), or null (always null when {@code bias} is)
   * @return the loss (nats)
   */
  double evaluate(
      float[] e,
      float[] a,
      float[] b,
      float[] bias,
      List<float[][]> positives,
      List<float[][]> negatives,
      boolean withPenalty,
      double weight,
      float[] gA,
      float[] gB,
      float[] gC) {
    // forward: h = A e, u = e + s B h, q = u / |u|
    for (int k = 0; k < r; k++) {
      double acc = 0;
      int row = k * d;
      for (int j = 0; j < d; j++) acc += a[row + j] * e[j];
      h[k] = acc;
    }
    double n2 = 0;
    for (int i = 0; i < d; i++) {
      double acc = 0;
      int row = i * r;
      for (int k = 0; k < r; k++) acc += b[row + k] * h[k];
      u[i] = e[i] + scaling * acc + (bias != null ? bias[i] : 0);
      n2 += u[i] * u[i];
    }
    double norm = Math.sqrt(n2);
    for (int i = 0; i < d; i++) q[i] = u[i] / norm;

    int np = positives.size();
    int m = np + negatives.size();
    double[] logits = new double[m];
    float[][] bestChunk = new float[m][];
    double max = Double.NEGATIVE_INFINITY;
    double maxPositive = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < m; c++) {
      float[][] chunks = c < np ? positives.get(c) : negatives.get(c - np);
      double bestScore = Double.NEGATIVE_INFINITY;
      for (float[] chunk : chunks) {
        double dot = 0;
        for (int i = 0; i < d; i++) dot += q[i] * chunk[i];
        if (dot > bestScore) {
          bestScore = dot;
          bestChunk[c] = chunk;
        }
      }
      logits[c] = bestScore / temperature;
      max = Math.max(max, logits[c]);
      if (c < np) maxPositive = Math.max(maxPositive, logits[c]);
    }
    double z = 0;
    for (int c = 0; c < m; c++) z += Math.exp(logits[c] - max);
    double logZ = max + Math.log(z);
    double value;
    double logZPositive = 0;
    if (loss == Loss.MIL_NCE) {
      double zp = 0;
      for (int c = 0; c < np; c++) zp += Math.exp(logits[c] - maxPositive);
      logZPositive = maxPositive + Math.log(zp);
      value = logZ - logZPositive;
    } else {
      double sum = 0;
      for (int c = 0; c < np; c++) sum += logits[c];
      value = logZ - sum / np;
    }
    double penalty = 0;
    double inv0 = 0;
    if (identityWeight > 0) {
      double e2 = 0;
      for (int i = 0; i < d; i++) e2 += (double) e[i] * e[i];
      inv0 = 1 / Math.sqrt(e2);
      for (int i = 0; i < d; i++) {
        double diff = q[i] - e[i] * inv0;
        penalty += diff * diff;
      }
      penalty *= identityWeight;
    }
    if (withPenalty) value += penalty;
    if (gA == null) return value;

    // backward: dL/dq = sum_c dL/dl_c * chunk_c / tau (+ 2 lambda (q - e^))
    Arrays.fill(g, 0);
    for (int c = 0; c < m; c++) {
      double p = Math.exp(logits[c] - logZ);
      double target;
      if (c >= np) {
        target = 0;
      } else if (loss == Loss.MIL_NCE) {
        target = Math.exp(logits[c] - logZPositive);
      } else {
        target = 1.0 / np;
      }
      double coef = (p - target) / temperature;
      float[] chunk = bestChunk[c];
      for (int i = 0; i < d; i++) g[i] += coef * chunk[i];
    }
    if (identityWeight > 0) {
      for (int i = 0; i < d; i++) g[i] += 2 * identityWeight * (q[i] - e[i] * inv0);
    }
    double gq = 0;
    for (int i = 0; i < d; i++) gq += g[i] * q[i];
    // dL/du = (g - (g.q) q) / |u|, reuse g
    for (int i = 0; i < d; i++) g[i] = (g[i] - gq * q[i]) / norm;
    if (gC != null) {
      for (int i = 0; i < d; i++) gC[i] += (float) (g[i] * weight);
    }
    Arrays.fill(dh, 0);
    for (int i = 0; i < d; i++) {
      int row = i * r;
      double gu = g[i] * weight;
      for (int k = 0; k < r; k++) {
        gB[row + k] += (float) (scaling * gu * h[k]);
        dh[k] += scaling * b[row + k] * gu;
      }
    }
    for (int k = 0; k < r; k++) {
      int row = k * d;
      for (int j = 0; j < d; j++) gA[row + j] += (float) (dh[k] * e[j]);
    }
    return value;
  }
}
