package io.ragstream.processors.drift;

/**
 * The cosine distance between the centroids (means) of two samples of embeddings: {@code 1 −
 * cos(mean(X), mean(Y))}, in {@code [0, 2]}; 0 when the means point the same way. A cheap, easily
 * read first-moment drift signal (alibi-detect and Evidently report the same "embedding centroid"
 * distance); it misses changes that keep the mean, which {@link KernelTwoSampleTest} catches.
 * Stateless and thread-safe.
 */
public final class CentroidDistance {
  private CentroidDistance() {}

  /**
   * The cosine distance between the means of {@code reference} and {@code current}.
   *
   * @param reference at least one vector; all of one dimension, finite values
   * @param current at least one vector of the same dimension
   * @throws IllegalArgumentException naming the argument when a sample is empty, dimensions differ,
   *     a value is not finite or a mean is the zero vector (no direction)
   */
  public static double cosine(float[][] reference, float[][] current) {
    KernelTwoSampleTest.checkSample("reference", reference, 1, -1);
    KernelTwoSampleTest.checkSample("current", current, 1, reference[0].length);
    double[] a = mean(reference);
    double[] b = mean(current);
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    if (na == 0) throw new IllegalArgumentException("the mean of reference is the zero vector");
    if (nb == 0) throw new IllegalArgumentException("the mean of current is the zero vector");
    double cos = dot / Math.sqrt(na * nb);
    return 1 - Math.max(-1, Math.min(1, cos));
  }

  /** The component-wise mean of a non-empty sample. */
  static double[] mean(float[][] sample) {
    double[] mean = new double[sample[0].length];
    for (float[] v : sample) {
      for (int i = 0; i < mean.length; i++) mean[i] += v[i];
    }
    for (int i = 0; i < mean.length; i++) mean[i] /= sample.length;
    return mean;
  }
}
