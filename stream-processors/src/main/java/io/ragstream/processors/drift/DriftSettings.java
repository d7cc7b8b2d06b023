package io.ragstream.processors.drift;

import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;

/**
 * The settings of {@link DriftJob}, validated; built from {@link
 * io.ragstream.processors.config.DriftOptions} (whose descriptions say what each one means) or
 * directly in tests. {@link #defaults()} are the documented defaults (docs/drift.md).
 *
 * @param windowSize embeddings (chunks or queries) per tumbling count window, {@code >= 2}
 * @param reference which reference the windows are compared with
 * @param referenceSize {@code initial}: how many of the first embeddings make up the reference
 *     (reservoir-sampled down to {@code referenceSampleSize}); {@code >= referenceSampleSize}
 * @param referenceSampleSize embeddings kept in the reference and compared, {@code >= 2}
 * @param permutations random splits of the MMD permutation test, {@code >= 1}
 * @param alpha significance level of the MMD test, in {@code (0, 1)}; a window drifts when {@code p
 *     <= alpha}
 * @param mmdThreshold the least MMD² that counts as drift (effect size), {@code >= 0}
 * @param centroidThreshold the least centroid cosine distance that counts as drift, {@code >= 0}
 * @param qualityWindowSize queries per quality window (per search mode), {@code >= 1}
 * @param topScoreDropThreshold the least relative drop of the mean top-1 score that counts as
 *     drift, {@code >= 0} (0.1 = 10 % lower)
 * @param noAnswerIncrease the least rise of the no-answer rate over the reference's that counts as
 *     drift, in {@code [0, 1]}
 * @param feedbackWindowSize feedback events per window, {@code >= 1}
 * @param negativeFeedbackIncrease the least rise of the negative-feedback rate over the reference's
 *     that counts as drift, in {@code [0, 1]}
 * @param seed seed of the reservoir sampling and permutation tests (each window's test is seeded
 *     from it and the window's number, so a replay gives the same result)
 */
public record DriftSettings(
    int windowSize,
    Reference reference,
    int referenceSize,
    int referenceSampleSize,
    int permutations,
    double alpha,
    double mmdThreshold,
    double centroidThreshold,
    int qualityWindowSize,
    double topScoreDropThreshold,
    double noAnswerIncrease,
    int feedbackWindowSize,
    double negativeFeedbackIncrease,
    long seed)
    implements Serializable {

  /** What each window is compared with. */
  public enum Reference {
    /**
     * The first {@code referenceSize} samples (for an index built from an initial corpus: that
     * corpus), reservoir-sampled, then frozen. Detects any departure from the initial state,
     * including slow drift; needs a deliberate reset after an accepted change.
     */
    INITIAL,
    /**
     * The {@code referenceSampleSize} samples just before the window (the preceding windows).
     * Detects abrupt changes and then adapts to them; slow drift can go unseen.
     */
    ROLLING;

    /** The wire name ({@code initial}, {@code rolling}) used in {@code DriftEvent.reference}. */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final long serialVersionUID = 1L;

  public DriftSettings {
    Objects.requireNonNull(reference, "reference");
    atLeast("windowSize", windowSize, 2);
    atLeast("referenceSampleSize", referenceSampleSize, 2);
    atLeast("referenceSize", referenceSize, referenceSampleSize);
    atLeast("permutations", permutations, 1);
    if (!(alpha > 0 && alpha < 1)) {
      throw new IllegalArgumentException("alpha must be in (0, 1), was " + alpha);
    }
    nonNegative("mmdThreshold", mmdThreshold);
    nonNegative("centroidThreshold", centroidThreshold);
    atLeast("qualityWindowSize", qualityWindowSize, 1);
    nonNegative("topScoreDropThreshold", topScoreDropThreshold);
    rate("noAnswerIncrease", noAnswerIncrease);
    atLeast("feedbackWindowSize", feedbackWindowSize, 1);
    rate("negativeFeedbackIncrease", negativeFeedbackIncrease);
  }

  /** The defaults of {@link io.ragstream.processors.config.DriftOptions}. */
  public static DriftSettings defaults() {
    return new DriftSettings(
        256, Reference.INITIAL, 1024, 256, 100, 0.01, 0.02, 0.03, 256, 0.1, 0.1, 64, 0.15, 0);
  }

  /** These settings with another window size. */
  public DriftSettings withWindowSize(int size) {
    return new DriftSettings(
        size,
        reference,
        referenceSize,
        referenceSampleSize,
        permutations,
        alpha,
        mmdThreshold,
        centroidThreshold,
        qualityWindowSize,
        topScoreDropThreshold,
        noAnswerIncrease,
        feedbackWindowSize,
        negativeFeedbackIncrease,
        seed);
  }

  /** These settings with another reference: {@code size} first samples, {@code sampleSize} kept. */
  public DriftSettings withReference(Reference mode, int size, int sampleSize) {
    return new DriftSettings(
        windowSize,
        mode,
        size,
        sampleSize,
        permutations,
        alpha,
        mmdThreshold,
        centroidThreshold,
        qualityWindowSize,
        topScoreDropThreshold,
        noAnswerIncrease,
        feedbackWindowSize,
        negativeFeedbackIncrease,
        seed);
  }

  /** These settings with other quality window sizes. */
  public DriftSettings withQualityWindows(int queries, int feedback) {
    return new DriftSettings(
        windowSize,
        reference,
        referenceSize,
        referenceSampleSize,
        permutations,
        alpha,
        mmdThreshold,
        centroidThreshold,
        queries,
        topScoreDropThreshold,
        noAnswerIncrease,
        feedback,
        negativeFeedbackIncrease,
        seed);
  }

  /** These settings with another seed. */
  public DriftSettings withSeed(long newSeed) {
    return new DriftSettings(
        windowSize,
        reference,
        referenceSize,
        referenceSampleSize,
        permutations,
        alpha,
        mmdThreshold,
        centroidThreshold,
        qualityWindowSize,
        topScoreDropThreshold,
        noAnswerIncrease,
        feedbackWindowSize,
        negativeFeedbackIncrease,
        newSeed);
  }

  private static void atLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + ", was " + value);
    }
  }

  private static void nonNegative(String name, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(name + " must be finite and >= 0, was " + value);
    }
  }

  private static void rate(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(name + " must be in [0, 1], was " + value);
    }
  }
}
