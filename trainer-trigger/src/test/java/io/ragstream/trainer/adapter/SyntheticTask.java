package io.ragstream.trainer.adapter;

import io.ragstream.core.adapter.LoraAdapter;
import io.ragstream.core.model.PointId;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.Point;
import io.ragstream.store.lucene.LuceneVectorStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A retrieval task with a known low-rank distortion of the query side, on a real Lucene store.
 *
 * <p>{@value #DOCS} random unit documents in {@value #DIM} dimensions (one chunk each). Each query
 * has a true direction t = normalize(doc + noise) towards its relevant document, but the "base
 * embedder" returns e = normalize((I + U·Vᵀ)·t) with random U, V of rank {@value #TRUE_RANK}: a
 * linear shift a query adapter can undo. The exact inverse, {@code (I + UVᵀ)⁻¹ = I − U(I +
 * VᵀU)⁻¹Vᵀ} (Woodbury), is itself a rank-2 LoRA update: {@link #oracle()}.
 */
final class SyntheticTask implements AutoCloseable {
  static final int DIM = 32;
  static final int DOCS = 300;
  static final int TRUE_RANK = 2;
  static final String EMBEDDER = "synthetic@1";

  final LuceneVectorStore store;
  final List<float[]> docs = new ArrayList<>();
  final double[][] u = new double[DIM][TRUE_RANK];
  final double[][] v = new double[DIM][TRUE_RANK];
  private final Random random;

  SyntheticTask(Path dir, long seed) {
    random = new Random(seed);
    store = LuceneVectorStore.open(dir);
    for (int i = 0; i < DOCS; i++) {
      float[] d = unit(gaussian(DIM, 1.0));
      docs.add(d);
      store.apply(
          new DocumentUpdate.Upsert(
              doc(i),
              1,
              0,
              new DocumentAttributes("doc " + i, null, List.of(), Map.of()),
              "h" + i,
              List.of(new Point(PointId.of(doc(i), 0), 0, 1, "text " + i, 0, 1, d, EMBEDDER))));
    }
    for (int i = 0; i < DIM; i++) {
      for (int k = 0; k < TRUE_RANK; k++) {
        u[i][k] = random.nextGaussian() * 0.6;
        v[i][k] = random.nextGaussian() * 0.6;
      }
    }
  }

  static String doc(int i) {
    return "doc-" + i;
  }

  /**
   * {@code count} queries, each with one relevant document (query i → document i mod DOCS) and the
   * base top-20 as retrieved list.
   */
  List<TrainingPair> pairs(int from, int count) {
    List<TrainingPair> pairs = new ArrayList<>();
    HeldOutEvaluator base = HeldOutEvaluator.dense(store);
    for (int q = from; q < from + count; q++) {
      int target = q % DOCS;
      float[] noise = gaussian(DIM, 0.12);
      float[] t = new float[DIM];
      for (int i = 0; i < DIM; i++) t[i] = docs.get(target)[i] + noise[i];
      float[] e = distort(unit(t));
      List<String> retrieved =
          store
              .search(
                  new io.ragstream.core.store.SearchRequest(
                      "q", e, 20, io.ragstream.core.store.SearchMode.DENSE, null, true))
              .stream()
              .map(h -> h.documentId())
              .toList();
      pairs.add(
          new TrainingPair(String.format("q-%04d", q), "query " + q, e, doc(target), retrieved));
    }
    return pairs;
  }

  /** e = normalize((I + U Vᵀ) t). */
  float[] distort(float[] t) {
    double[] vt = new double[TRUE_RANK];
    for (int k = 0; k < TRUE_RANK; k++) for (int i = 0; i < DIM; i++) vt[k] += v[i][k] * t[i];
    float[] e = new float[DIM];
    for (int i = 0; i < DIM; i++) {
      double s = t[i];
      for (int k = 0; k < TRUE_RANK; k++) s += u[i][k] * vt[k];
      e[i] = (float) s;
    }
    return unit(e);
  }

  /** The exact inverse as a LoRA adapter: A = Vᵀ, B = −U(I + VᵀU)⁻¹, alpha = r. */
  LoraAdapter oracle() {
    double[][] m = new double[TRUE_RANK][TRUE_RANK]; // I + VᵀU
    for (int a = 0; a < TRUE_RANK; a++) {
      for (int b = 0; b < TRUE_RANK; b++) {
        double s = a == b ? 1 : 0;
        for (int i = 0; i < DIM; i++) s += v[i][a] * u[i][b];
        m[a][b] = s;
      }
    }
    double det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    double[][] inv = {{m[1][1] / det, -m[0][1] / det}, {-m[1][0] / det, m[0][0] / det}};
    float[] a = new float[TRUE_RANK * DIM];
    float[] b = new float[DIM * TRUE_RANK];
    for (int k = 0; k < TRUE_RANK; k++)
      for (int i = 0; i < DIM; i++) a[k * DIM + i] = (float) v[i][k];
    for (int i = 0; i < DIM; i++) {
      for (int k = 0; k < TRUE_RANK; k++) {
        double s = 0;
        for (int j = 0; j < TRUE_RANK; j++) s += u[i][j] * inv[j][k];
        b[i * TRUE_RANK + k] = (float) -s;
      }
    }
    return LoraAdapter.of("oracle", EMBEDDER, DIM, TRUE_RANK, TRUE_RANK, a, b);
  }

  /** An adapter that scrambles queries: large random A and B. */
  LoraAdapter scrambler() {
    float[] a = gaussian(2 * DIM, 1.0);
    float[] b = gaussian(DIM * 2, 1.0);
    return LoraAdapter.of("scrambler", EMBEDDER, DIM, 2, 8, a, b);
  }

  private float[] gaussian(int n, double sigma) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) (random.nextGaussian() * sigma);
    return x;
  }

  static float[] unit(float[] x) {
    double n = 0;
    for (float f : x) n += f * f;
    n = Math.sqrt(n);
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) out[i] = (float) (x[i] / n);
    return out;
  }

  @Override
  public void close() {
    store.close();
  }
}
