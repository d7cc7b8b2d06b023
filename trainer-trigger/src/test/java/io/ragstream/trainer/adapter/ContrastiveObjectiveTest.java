package io.ragstream.trainer.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ragstream.trainer.adapter.AdapterTrainingConfig.Loss;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContrastiveObjectiveTest {
  private static final int D = 6;
  private static final int R = 2;
  private static final double SCALING = 1.5;
  private static final double TAU = 0.1;

  private final Random random = new Random(3);
  private final float[] e = SyntheticTask.unit(gaussian(D));
  private final float[] a = gaussian(R * D);
  private final float[] b = scaled(gaussian(D * R), 0.3f);
  private final List<float[][]> positives =
      List.of(
          new float[][] {SyntheticTask.unit(gaussian(D))},
          new float[][] {SyntheticTask.unit(gaussian(D)), SyntheticTask.unit(gaussian(D))},
          new float[][] {SyntheticTask.unit(gaussian(D))});
  private final List<float[][]> negatives =
      List.of(
          new float[][] {SyntheticTask.unit(gaussian(D))},
          new float[][] {SyntheticTask.unit(gaussian(D))},
          new float[][] {SyntheticTask.unit(gaussian(D)), SyntheticTask.unit(gaussian(D))},
          new float[][] {SyntheticTask.unit(gaussian(D))});

  @ParameterizedTest(name = "{0}, identity weight {1}")
  @CsvSource({"INFO_NCE, 0", "SUP_CON, 0", "MIL_NCE, 0", "SUP_CON, 0.7", "MIL_NCE, 0.7"})
  void gradientMatchesFiniteDifferences(Loss loss, double identityWeight) {
    ContrastiveObjective objective =
        new ContrastiveObjective(D, R, SCALING, TAU, loss, identityWeight);
    List<float[][]> pos = loss == Loss.INFO_NCE ? positives.subList(0, 1) : positives;
    float[] gA = new float[a.length];
    float[] gB = new float[b.length];
    objective.evaluate(e, a, b, pos, negatives, true, 1.0, gA, gB);
    assertThat(norm(gA)).as("a non-trivial gradient of A").isGreaterThan(1e-2);
    assertThat(norm(gB)).as("a non-trivial gradient of B").isGreaterThan(1e-2);

    for (float[] theta : List.of(a, b)) {
      float[] analytic = theta == a ? gA : gB;
      for (int i = 0; i < theta.length; i++) {
        float saved = theta[i];
        double h = 1e-3;
        theta[i] = (float) (saved + h);
        double plus = objective.evaluate(e, a, b, pos, negatives, true, 1.0, null, null);
        theta[i] = (float) (saved - h);
        double minus = objective.evaluate(e, a, b, pos, negatives, true, 1.0, null, null);
        theta[i] = saved;
        double numeric = (plus - minus) / ((double) (float) (saved + h) - (float) (saved - h));
        assertThat((double) analytic[i])
            .as("%s dL/d%s[%d]", loss, theta == a ? "A" : "B", i)
            .isCloseTo(numeric, within(2e-3 + 2e-3 * Math.abs(numeric)));
      }
    }
  }

  @ParameterizedTest(name = "{0}, identity weight {1}, with a query bias")
  @CsvSource({"INFO_NCE, 0", "MIL_NCE, 0", "SUP_CON, 0.7", "MIL_NCE, 0.7"})
  void gradientWithAQueryBiasMatchesFiniteDifferences(Loss loss, double identityWeight) {
    ContrastiveObjective objective =
        new ContrastiveObjective(D, R, SCALING, TAU, loss, identityWeight);
    List<float[][]> pos = loss == Loss.INFO_NCE ? positives.subList(0, 1) : positives;
    float[] c = scaled(gaussian(D), 0.2f);
    float[] gA = new float[a.length];
    float[] gB = new float[b.length];
    float[] gC = new float[c.length];
    objective.evaluate(e, a, b, c, pos, negatives, true, 1.0, gA, gB, gC);
    assertThat(norm(gC)).as("a non-trivial gradient of the bias").isGreaterThan(1e-2);

    for (float[] theta : List.of(a, b, c)) {
      float[] analytic = theta == a ? gA : theta == b ? gB : gC;
      for (int i = 0; i < theta.length; i++) {
        float saved = theta[i];
        double h = 1e-3;
        theta[i] = (float) (saved + h);
        double plus = objective.evaluate(e, a, b, c, pos, negatives, true, 1.0, null, null, null);
        theta[i] = (float) (saved - h);
        double minus = objective.evaluate(e, a, b, c, pos, negatives, true, 1.0, null, null, null);
        theta[i] = saved;
        double numeric = (plus - minus) / ((double) (float) (saved + h) - (float) (saved - h));
        assertThat((double) analytic[i])
            .as("%s dL/d%s[%d]", loss, theta == a ? "A" : theta == b ? "B" : "c", i)
            .isCloseTo(numeric, within(2e-3 + 2e-3 * Math.abs(numeric)));
      }
    }
  }

  @Test
  void aZeroBiasIsNoBias() {
    ContrastiveObjective objective =
        new ContrastiveObjective(D, R, SCALING, TAU, Loss.MIL_NCE, 0.7);
    float[] gA = new float[a.length];
    float[] gB = new float[b.length];
    float[] gA0 = new float[a.length];
    float[] gB0 = new float[b.length];
    double with =
        objective.evaluate(
            e, a, b, new float[D], positives, negatives, true, 1, gA, gB, new float[D]);
    double without = objective.evaluate(e, a, b, positives, negatives, true, 1, gA0, gB0);
    assertThat(with).isCloseTo(without, within(1e-12));
    assertThat(gA).containsExactly(gA0);
    assertThat(gB).containsExactly(gB0);
  }

  @Test
  void supConWithOnePositiveIsInfoNce() {
    List<float[][]> one = positives.subList(1, 2);
    double infoNce =
        new ContrastiveObjective(D, R, SCALING, TAU, Loss.INFO_NCE, 0)
            .evaluate(e, a, b, one, negatives, true, 1, null, null);
    double supCon =
        new ContrastiveObjective(D, R, SCALING, TAU, Loss.SUP_CON, 0)
            .evaluate(e, a, b, one, negatives, true, 1, null, null);
    double milNce =
        new ContrastiveObjective(D, R, SCALING, TAU, Loss.MIL_NCE, 0)
            .evaluate(e, a, b, one, negatives, true, 1, null, null);
    assertThat(supCon).isCloseTo(infoNce, within(1e-12)).isCloseTo(milNce, within(1e-9));
    assertThat(infoNce).isPositive();
  }

  @Test
  void milNceIsAtMostSupConWithSeveralPositives() {
    // log Σ_p exp(l_p) >= mean_p l_p, so the MIL-NCE loss is the smaller one.
    double supCon =
        new ContrastiveObjective(D, R, SCALING, TAU, Loss.SUP_CON, 0)
            .evaluate(e, a, b, positives, negatives, true, 1, null, null);
    double milNce =
        new ContrastiveObjective(D, R, SCALING, TAU, Loss.MIL_NCE, 0)
            .evaluate(e, a, b, positives, negatives, true, 1, null, null);
    assertThat(milNce).isLessThan(supCon);
  }

  @Test
  void identityPenaltyIsZeroAtTheIdentityAndCountsOnlyWhenAsked() {
    float[] zeroB = new float[D * R];
    ContrastiveObjective plain = new ContrastiveObjective(D, R, SCALING, TAU, Loss.SUP_CON, 0);
    ContrastiveObjective penalised = new ContrastiveObjective(D, R, SCALING, TAU, Loss.SUP_CON, 5);
    assertThat(penalised.evaluate(e, a, zeroB, positives, negatives, true, 1, null, null))
        .isCloseTo(
            plain.evaluate(e, a, zeroB, positives, negatives, true, 1, null, null), within(1e-9));
    double without = plain.evaluate(e, a, b, positives, negatives, true, 1, null, null);
    assertThat(penalised.evaluate(e, a, b, positives, negatives, true, 1, null, null))
        .isGreaterThan(without + 1e-3);
    assertThat(penalised.evaluate(e, a, b, positives, negatives, false, 1, null, null))
        .isCloseTo(without, within(1e-12));
  }

  @Test
  void aDocumentRelevantToTheQueryIsNeverItsNegative() {
    // "shared" is a positive of another query in the batch and was mined as a hard negative, but
    // it is judged relevant to this query too (NFCorpus: documents relevant to many queries).
    List<String> negatives =
        QueryAdapterTrainer.negatives(
            Set.of("mine", "shared", "also-mine"),
            List.of("mine"),
            List.of("mine", "shared", "other", "other", "also-mine"),
            List.of("hard-1", "shared", "other", "hard-2"));
    assertThat(negatives).containsExactly("other", "hard-1", "hard-2");
  }

  private float[] gaussian(int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) random.nextGaussian();
    return x;
  }

  private static float[] scaled(float[] x, float f) {
    for (int i = 0; i < x.length; i++) x[i] *= f;
    return x;
  }

  private static double norm(float[] x) {
    double s = 0;
    for (float f : x) s += f * f;
    return Math.sqrt(s);
  }
}
