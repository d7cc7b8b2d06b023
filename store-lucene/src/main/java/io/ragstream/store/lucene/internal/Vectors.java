package io.ragstream.store.lucene.internal;

/** Vector checks for {@link org.apache.lucene.index.VectorSimilarityFunction#DOT_PRODUCT}. */
public final class Vectors {
  /** Relative tolerance on the squared norm under which a vector counts as unit length. */
  static final double UNIT_TOLERANCE = 1e-4;

  private Vectors() {}

  /**
   * Returns {@code v} when its L2 norm is 1 (within {@value #UNIT_TOLERANCE}), else a scaled copy
   * of unit length. DOT_PRODUCT equals cosine only on unit vectors, so callers that forgot to
   * normalize still get cosine scores.
   *
   * @throws IllegalArgumentException when {@code v} is empty, all zeros, or not finite
   */
  public static float[] unit(float[] v) {
    if (v.length == 0) {
      throw new IllegalArgumentException("vector is empty");
    }
    double squared = 0;
    for (float x : v) {
      squared += (double) x * x;
    }
    if (!Double.isFinite(squared) || squared == 0) {
      throw new IllegalArgumentException(
          "vector must be finite and non-zero, squared norm " + squared);
    }
    if (Math.abs(squared - 1) <= UNIT_TOLERANCE) {
      return v;
    }
    double norm = Math.sqrt(squared);
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) (v[i] / norm);
    }
    return out;
  }

  /**
   * Cosine similarity from a Lucene DOT_PRODUCT score, which is {@code (1 + dot) / 2} for unit
   * vectors (see {@code VectorSimilarityFunction.DOT_PRODUCT}).
   */
  public static double cosineFromScore(float luceneScore) {
    return 2.0 * luceneScore - 1.0;
  }
}
