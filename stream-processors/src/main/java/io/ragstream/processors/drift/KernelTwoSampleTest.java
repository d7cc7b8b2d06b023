package io.ragstream.processors.drift;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The kernel two-sample test of Gretton et al. (2012), "A Kernel Two-Sample Test", JMLR 13:723–773:
 * the unbiased estimate of the squared maximum mean discrepancy (MMD², their Eq. 3) between two
 * samples under a Gaussian RBF kernel, with a permutation test for its p-value. It follows the
 * reference implementation of alibi-detect's {@code MMDDrift} ({@code
 * alibi_detect.utils.tensorflow.kernels.GaussianRBF}, {@code sigma_median}, {@code
 * mmd2_from_kernel_matrix}) with {@code configure_kernel_from_x_ref=False}:
 *
 * <ul>
 *   <li>kernel {@code k(x, y) = exp(-‖x − y‖² / (2σ²))};
 *   <li>bandwidth by the median heuristic on the pooled sample: {@code σ² = ½ · median ‖xᵢ − xⱼ‖²}
 *       over the distinct pairs {@code i < j} of the pooled sample (the lower median, the element
 *       alibi-detect's {@code sigma_median} picks). When that median is 0 (more than half the pairs
 *       are duplicates) the mean of the non-zero squared distances is used instead, and when every
 *       distance is 0 the samples are identical and MMD² is 0;
 *   <li>MMD²ᵤ = {@code 1/(n(n−1)) Σ_{i≠j} k(xᵢ,xⱼ) + 1/(m(m−1)) Σ_{i≠j} k(yᵢ,yⱼ) − 2/(nm) Σ
 *       k(xᵢ,yⱼ)}; it can be slightly negative when the samples come from one distribution;
 *   <li>p-value: the pooled sample is split at random into groups of sizes {@code n} and {@code m}
 *       {@code permutations} times, and {@code p = (1 + #{MMD²ᵤ of a split ≥ observed}) / (1 +
 *       permutations)} (the +1 correction makes it a valid p-value, so {@code P(p ≤ α) ≤ α} under
 *       the null hypothesis; alibi-detect reports the share without it).
 * </ul>
 *
 * <p>The pooled kernel matrix is computed once ({@code O(N² d)} for {@code N = n + m} vectors of
 * dimension {@code d}); each permutation then costs {@code O(N m)} additions over it: with {@code
 * r_i = Σ_{j∈Y} k_ij}, {@code Σ_YY = Σ_{i∈Y} r_i}, {@code Σ_XY = Σ_{i∈X} r_i} and {@code Σ_XX =
 * Σ_all − Σ_YY − 2 Σ_XY} (diagonal excluded). Memory: about {@code 20 N²} bytes (distance and
 * kernel matrices and the sorted pair distances; 5 MiB for {@code N = 512}).
 *
 * <p>Deterministic for a given seed; stateless and thread-safe.
 */
public final class KernelTwoSampleTest {

  /**
   * The outcome of one test.
   *
   * @param mmd2 the unbiased MMD² estimate (unitless; in {@code [-2, 2]}, about 0 without drift)
   * @param pValue the permutation p-value, in {@code [1/(permutations + 1), 1]}
   * @param bandwidth the kernel bandwidth σ chosen by the median heuristic (units of the vectors)
   * @param permutations the number of random splits drawn
   */
  public record Result(double mmd2, double pValue, double bandwidth, int permutations) {}

  private KernelTwoSampleTest() {}

  /**
   * Tests whether {@code reference} and {@code current} come from the same distribution.
   *
   * @param reference the reference sample, {@code n >= 2} vectors of one dimension, finite values
   * @param current the sample to compare, {@code m >= 2} vectors of the same dimension
   * @param permutations number of random splits for the p-value, {@code >= 1}
   * @param seed seed of the splits
   * @return MMD²ᵤ, the permutation p-value in {@code [1/(permutations+1), 1]}, the bandwidth σ
   * @throws IllegalArgumentException naming the argument when a sample is too small, dimensions
   *     differ, a value is not finite or {@code permutations < 1}
   */
  public static Result test(float[][] reference, float[][] current, int permutations, long seed) {
    if (permutations < 1) {
      throw new IllegalArgumentException("permutations must be >= 1, was " + permutations);
    }
    int n = checkSample("reference", reference, 2, -1);
    int m = checkSample("current", current, 2, reference[0].length);
    double[] d2 = pooledSquaredDistances(reference, current);
    int size = n + m;
    double median = medianHeuristic(d2, size);
    double[] k = kernel(d2, size, median);
    double total = 0;
    for (double v : k) total += v;
    int[] y = new int[m];
    for (int j = 0; j < m; j++) y[j] = n + j;
    double observed = mmd2(k, size, total, y, n);
    // Splits: a partial Fisher–Yates shuffle draws the m indices of the second group.
    SplittableRandom random = new SplittableRandom(seed);
    int[] order = new int[size];
    for (int i = 0; i < size; i++) order[i] = i;
    int atLeast = 0;
    for (int b = 0; b < permutations; b++) {
      for (int j = 0; j < m; j++) {
        int pick = j + random.nextInt(size - j);
        int t = order[j];
        order[j] = order[pick];
        order[pick] = t;
      }
      System.arraycopy(order, 0, y, 0, m);
      if (mmd2(k, size, total, y, n) >= observed) atLeast++;
    }
    return new Result(
        observed, (1.0 + atLeast) / (1.0 + permutations), Math.sqrt(median / 2), permutations);
  }

  /**
   * The unbiased MMD² of the split whose second group is {@code y} ({@code m} pooled indices) and
   * whose first group is the other {@code n} indices, over the pooled kernel matrix {@code k} (row
   * major, {@code size × size}, zero diagonal, {@code total} = sum of all entries).
   */
  static double mmd2(double[] k, int size, double total, int[] y, int n) {
    int m = y.length;
    boolean[] inY = new boolean[size];
    for (int j : y) inY[j] = true;
    double sumYy = 0;
    double sumXy = 0;
    for (int i = 0; i < size; i++) {
      int row = i * size;
      double r = 0;
      for (int j : y) r += k[row + j];
      if (inY[i]) sumYy += r;
      else sumXy += r;
    }
    double sumXx = total - sumYy - 2 * sumXy;
    return sumXx / ((double) n * (n - 1))
        + sumYy / ((double) m * (m - 1))
        - 2 * sumXy / ((double) n * m);
  }

  /**
   * The RBF kernel matrix {@code exp(-d2 / median)} (so {@code 2σ² = median}) of a pooled sample
   * with squared distances {@code d2}, row major, with a zero diagonal (the unbiased estimate
   * leaves out {@code i = j}).
   */
  static double[] kernel(double[] d2, int size, double median) {
    double[] k = new double[size * size];
    if (median == 0) {
      return k; // every pooled vector is the same: every split has MMD² = 0
    }
    for (int i = 0; i < size; i++) {
      for (int j = i + 1; j < size; j++) {
        double v = Math.exp(-d2[i * size + j] / median);
        k[i * size + j] = v;
        k[j * size + i] = v;
      }
    }
    return k;
  }

  /**
   * {@code 2σ²}: the lower median of the squared distances of the distinct pairs ({@code d2} is the
   * full {@code size × size} matrix), or the mean of the non-zero ones when that median is 0, or 0
   * when all are 0.
   */
  static double medianHeuristic(double[] d2, int size) {
    int pairs = size * (size - 1) / 2;
    double[] upper = new double[pairs];
    int p = 0;
    for (int i = 0; i < size; i++) {
      for (int j = i + 1; j < size; j++) upper[p++] = d2[i * size + j];
    }
    Arrays.sort(upper);
    double median = upper[(pairs - 1) / 2];
    if (median > 0) return median;
    double sum = 0;
    int nonZero = 0;
    for (double v : upper) {
      if (v > 0) {
        sum += v;
        nonZero++;
      }
    }
    return nonZero == 0 ? 0 : sum / nonZero;
  }

  /** Squared Euclidean distances of the pooled sample, full {@code N × N} matrix, row major. */
  static double[] pooledSquaredDistances(float[][] x, float[][] y) {
    int size = x.length + y.length;
    float[][] all = new float[size][];
    System.arraycopy(x, 0, all, 0, x.length);
    System.arraycopy(y, 0, all, x.length, y.length);
    double[] d2 = new double[size * size];
    for (int i = 0; i < size; i++) {
      float[] a = all[i];
      for (int j = i + 1; j < size; j++) {
        float[] b = all[j];
        double s = 0;
        for (int t = 0; t < a.length; t++) {
          double d = a[t] - b[t];
          s += d * d;
        }
        d2[i * size + j] = s;
        d2[j * size + i] = s;
      }
    }
    return d2;
  }

  /**
   * Checks a sample and returns its size.
   *
   * @param dimension the required dimension, or -1 to take the first vector's
   */
  static int checkSample(String name, float[][] sample, int minSize, int dimension) {
    if (sample == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    if (sample.length < minSize) {
      throw new IllegalArgumentException(
          name + " must have at least " + minSize + " vectors, has " + sample.length);
    }
    int dim = dimension < 0 ? (sample[0] == null ? 0 : sample[0].length) : dimension;
    if (dim == 0) {
      throw new IllegalArgumentException(name + "[0] must be a non-empty vector");
    }
    for (int i = 0; i < sample.length; i++) {
      float[] v = sample[i];
      if (v == null || v.length != dim) {
        throw new IllegalArgumentException(
            name
                + "["
                + i
                + "] must have dimension "
                + dim
                + ", has "
                + (v == null ? "none (null)" : v.length));
      }
      for (int t = 0; t < dim; t++) {
        if (!Float.isFinite(v[t])) {
          throw new IllegalArgumentException(
              name + "[" + i + "][" + t + "] must be finite, was " + v[t]);
        }
      }
    }
    return sample.length;
  }
}
