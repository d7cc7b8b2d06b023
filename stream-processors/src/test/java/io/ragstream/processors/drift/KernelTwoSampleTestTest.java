package io.ragstream.processors.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class KernelTwoSampleTestTest {
  private static final float[][] X = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};
  private static final float[][] Y = {{2, 2}, {3, 2}, {2.5f, 3}};

  @Test
  void matchesAlibiDetectsEstimateAndMedianBandwidth() {
    // Reference values from numpy with alibi-detect's sigma_median and mmd2_from_kernel_matrix.
    KernelTwoSampleTest.Result r = KernelTwoSampleTest.test(X, Y, 50, 1);
    assertThat(r.bandwidth()).isCloseTo(1.5811388300841898, within(1e-12));
    assertThat(r.mmd2()).isCloseTo(1.0688116044055944, within(1e-12));
    assertThat(r.permutations()).isEqualTo(50);
  }

  @Test
  void theFastPermutedStatisticEqualsTheDirectFormulaOnTheSubsets() {
    Random random = new Random(7);
    float[][] x = gaussian(random, 9, 5, 0);
    float[][] y = gaussian(random, 6, 5, 0.3);
    float[][] pooled = new float[15][];
    System.arraycopy(x, 0, pooled, 0, 9);
    System.arraycopy(y, 0, pooled, 9, 6);
    double[] d2 = KernelTwoSampleTest.pooledSquaredDistances(x, y);
    double median = KernelTwoSampleTest.medianHeuristic(d2, 15);
    double[] k = KernelTwoSampleTest.kernel(d2, 15, median);
    double total = 0;
    for (double v : k) total += v;
    int[] second = {0, 4, 7, 11, 12, 14};
    boolean[] inSecond = new boolean[15];
    for (int i : second) inSecond[i] = true;
    double xx = 0, yy = 0, xy = 0;
    for (int i = 0; i < 15; i++) {
      for (int j = 0; j < 15; j++) {
        if (i == j) continue;
        double v = Math.exp(-d2[i * 15 + j] / median);
        if (!inSecond[i] && !inSecond[j]) xx += v;
        else if (inSecond[i] && inSecond[j]) yy += v;
        else if (inSecond[i]) xy += v;
      }
    }
    double direct = xx / (9 * 8) + yy / (6 * 5) - 2 * xy / (9 * 6);
    assertThat(KernelTwoSampleTest.mmd2(k, 15, total, second, 9)).isCloseTo(direct, within(1e-12));
  }

  @Test
  void separatedSamplesGetTheSmallestPossiblePValue() {
    Random random = new Random(1);
    KernelTwoSampleTest.Result r =
        KernelTwoSampleTest.test(gaussian(random, 30, 8, 0), gaussian(random, 30, 8, 2), 99, 3);
    assertThat(r.pValue()).as("(1 + 0) / (1 + 99)").isEqualTo(0.01);
    assertThat(r.mmd2()).isGreaterThan(0.5);
  }

  @Test
  void thePValueIsValidUnderTheNullHypothesis() {
    // 300 tests of two samples of one distribution: P(p <= 0.05) must be about 0.05, not more.
    Random random = new Random(11);
    int rejected = 0;
    int runs = 300;
    for (int run = 0; run < runs; run++) {
      KernelTwoSampleTest.Result r =
          KernelTwoSampleTest.test(gaussian(random, 20, 3, 0), gaussian(random, 15, 3, 0), 99, run);
      if (r.pValue() <= 0.05) rejected++;
      assertThat(r.pValue()).isBetween(0.01, 1.0);
    }
    assertThat((double) rejected / runs).isBetween(0.015, 0.09);
  }

  @Test
  void aSmallShiftIsSignificantWithEnoughSamplesAndNotWithout() {
    Random random = new Random(5);
    double pLarge =
        KernelTwoSampleTest.test(gaussian(random, 200, 4, 0), gaussian(random, 200, 4, 0.4), 100, 1)
            .pValue();
    double pSmall =
        KernelTwoSampleTest.test(gaussian(random, 5, 4, 0), gaussian(random, 5, 4, 0.4), 100, 1)
            .pValue();
    assertThat(pLarge).isLessThan(0.02);
    assertThat(pSmall).isGreaterThan(0.05);
  }

  @Test
  void identicalVectorsHaveNoDiscrepancy() {
    float[][] same = {{1, 2}, {1, 2}, {1, 2}};
    KernelTwoSampleTest.Result r = KernelTwoSampleTest.test(same, same, 10, 1);
    assertThat(r.mmd2()).isZero();
    assertThat(r.pValue()).isEqualTo(1.0);
  }

  @Test
  void isDeterministicForASeed() {
    Random random = new Random(9);
    float[][] x = gaussian(random, 20, 3, 0);
    float[][] y = gaussian(random, 20, 3, 0.2);
    assertThat(KernelTwoSampleTest.test(x, y, 100, 42))
        .isEqualTo(KernelTwoSampleTest.test(x, y, 100, 42));
  }

  @Test
  void rejectsBadInputNamingIt() {
    assertThatThrownBy(() -> KernelTwoSampleTest.test(new float[][] {{1}}, Y, 10, 1))
        .hasMessage("reference must have at least 2 vectors, has 1");
    assertThatThrownBy(() -> KernelTwoSampleTest.test(X, new float[][] {{1, 2}, {1}}, 10, 1))
        .hasMessage("current[1] must have dimension 2, has 1");
    assertThatThrownBy(
            () -> KernelTwoSampleTest.test(X, new float[][] {{1, 2}, {Float.NaN, 1}}, 10, 1))
        .hasMessage("current[1][0] must be finite, was NaN");
    assertThatThrownBy(() -> KernelTwoSampleTest.test(X, Y, 0, 1))
        .hasMessage("permutations must be >= 1, was 0");
  }

  @Test
  void centroidDistanceMatchesNumpyAndIsZeroForOneDirection() {
    assertThat(CentroidDistance.cosine(X, Y)).isCloseTo(0.0005940006464124625, within(1e-12));
    assertThat(CentroidDistance.cosine(new float[][] {{1, 0}}, new float[][] {{0, 3}}))
        .isCloseTo(1.0, within(1e-12));
    assertThat(CentroidDistance.cosine(new float[][] {{1, 1}}, new float[][] {{2, 2}, {3, 3}}))
        .isCloseTo(0.0, within(1e-12));
    assertThatThrownBy(
            () -> CentroidDistance.cosine(new float[][] {{1, 0}, {-1, 0}}, new float[][] {{1, 0}}))
        .hasMessage("the mean of reference is the zero vector");
  }

  static float[][] gaussian(Random random, int n, int dim, double shift) {
    float[][] out = new float[n][dim];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < dim; j++) out[i][j] = (float) (random.nextGaussian() + shift);
    }
    return out;
  }
}
