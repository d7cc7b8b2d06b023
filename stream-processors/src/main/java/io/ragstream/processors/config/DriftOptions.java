package io.ragstream.processors.config;

import io.ragstream.core.model.Topics;
import io.ragstream.processors.drift.DriftSettings;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/**
 * Typed options of {@link io.ragstream.processors.drift.DriftJob}; docs/drift.md explains the
 * choices. {@link #settings} validates them, naming the option that is wrong.
 */
public final class DriftOptions {
  private DriftOptions() {}

  private static final DriftSettings D = DriftSettings.defaults();

  public static final ConfigOption<String> QUERIES_TOPIC =
      ConfigOptions.key("ragstream.drift.queries-topic")
          .stringType()
          .defaultValue(Topics.QUERIES)
          .withDescription("Topic of QueryEvent JSON (query embeddings, top scores).");

  public static final ConfigOption<String> FEEDBACK_TOPIC =
      ConfigOptions.key("ragstream.drift.feedback-topic")
          .stringType()
          .defaultValue(Topics.FEEDBACK)
          .withDescription("Topic of FeedbackEvent JSON.");

  public static final ConfigOption<String> DRIFT_TOPIC =
      ConfigOptions.key("ragstream.drift.topic")
          .stringType()
          .defaultValue(Topics.DRIFT)
          .withDescription("Topic the DriftEvents are written to (key kind:metric).");

  public static final ConfigOption<String> GROUP_ID =
      ConfigOptions.key("ragstream.drift.group-id")
          .stringType()
          .defaultValue("ragstream-drift")
          .withDescription("Kafka consumer group of the query and feedback sources.");

  public static final ConfigOption<Integer> WINDOW_SIZE =
      ConfigOptions.key("ragstream.drift.window-size")
          .intType()
          .defaultValue(D.windowSize())
          .withDescription(
              "Embeddings (chunks or queries) per tumbling count window; one test per window.");

  public static final ConfigOption<String> REFERENCE =
      ConfigOptions.key("ragstream.drift.reference")
          .stringType()
          .defaultValue(D.reference().wireName())
          .withDescription(
              "initial: the first reference-size embeddings, reservoir-sampled, frozen; rolling:"
                  + " the reference-sample-size embeddings just before each window.");

  public static final ConfigOption<Integer> REFERENCE_SIZE =
      ConfigOptions.key("ragstream.drift.reference-size")
          .intType()
          .defaultValue(D.referenceSize())
          .withDescription(
              "initial: how many of the first embeddings make up the reference (no windows are"
                  + " tested before). Must be >= reference-sample-size.");

  public static final ConfigOption<Integer> REFERENCE_SAMPLE_SIZE =
      ConfigOptions.key("ragstream.drift.reference-sample-size")
          .intType()
          .defaultValue(D.referenceSampleSize())
          .withDescription("Embeddings kept in the reference and compared with each window.");

  public static final ConfigOption<Integer> PERMUTATIONS =
      ConfigOptions.key("ragstream.drift.permutations")
          .intType()
          .defaultValue(D.permutations())
          .withDescription("Random splits of the MMD permutation test (p-value resolution).");

  public static final ConfigOption<Double> ALPHA =
      ConfigOptions.key("ragstream.drift.alpha")
          .doubleType()
          .defaultValue(D.alpha())
          .withDescription("Significance level: an MMD window drifts only when p <= alpha.");

  public static final ConfigOption<Double> MMD_THRESHOLD =
      ConfigOptions.key("ragstream.drift.mmd-threshold")
          .doubleType()
          .defaultValue(D.mmdThreshold())
          .withDescription("Least MMD² (effect size) that counts as drift, besides p <= alpha.");

  public static final ConfigOption<Double> CENTROID_THRESHOLD =
      ConfigOptions.key("ragstream.drift.centroid-threshold")
          .doubleType()
          .defaultValue(D.centroidThreshold())
          .withDescription("Least centroid cosine distance that counts as drift.");

  public static final ConfigOption<Integer> QUALITY_WINDOW_SIZE =
      ConfigOptions.key("ragstream.drift.quality.window-size")
          .intType()
          .defaultValue(D.qualityWindowSize())
          .withDescription("Queries per quality window, per search mode.");

  public static final ConfigOption<Double> TOP_SCORE_DROP_THRESHOLD =
      ConfigOptions.key("ragstream.drift.quality.top-score-drop")
          .doubleType()
          .defaultValue(D.topScoreDropThreshold())
          .withDescription("Least relative drop of the mean top-1 score that counts as drift.");

  public static final ConfigOption<Double> NO_ANSWER_INCREASE =
      ConfigOptions.key("ragstream.drift.quality.no-answer-increase")
          .doubleType()
          .defaultValue(D.noAnswerIncrease())
          .withDescription("Least rise of the no-answer rate over the reference's that is drift.");

  public static final ConfigOption<Integer> FEEDBACK_WINDOW_SIZE =
      ConfigOptions.key("ragstream.drift.quality.feedback-window-size")
          .intType()
          .defaultValue(D.feedbackWindowSize())
          .withDescription("Feedback events per window.");

  public static final ConfigOption<Double> NEGATIVE_FEEDBACK_INCREASE =
      ConfigOptions.key("ragstream.drift.quality.negative-feedback-increase")
          .doubleType()
          .defaultValue(D.negativeFeedbackIncrease())
          .withDescription(
              "Least rise of the negative-feedback rate over the reference's that is drift.");

  public static final ConfigOption<Long> SEED =
      ConfigOptions.key("ragstream.drift.seed")
          .longType()
          .defaultValue(D.seed())
          .withDescription("Seed of the reservoir sampling and the permutation tests.");

  /**
   * The validated settings of {@code conf}.
   *
   * @throws IllegalArgumentException naming the option whose value is missing, malformed or out of
   *     range
   */
  public static DriftSettings settings(Configuration conf) {
    DriftSettings.Reference reference = reference(conf.get(REFERENCE));
    int windowSize = get(conf, WINDOW_SIZE);
    int referenceSampleSize = get(conf, REFERENCE_SAMPLE_SIZE);
    int referenceSize = get(conf, REFERENCE_SIZE);
    check(windowSize >= 2, WINDOW_SIZE, windowSize, ">= 2");
    check(referenceSampleSize >= 2, REFERENCE_SAMPLE_SIZE, referenceSampleSize, ">= 2");
    check(
        referenceSize >= referenceSampleSize,
        REFERENCE_SIZE,
        referenceSize,
        ">= " + REFERENCE_SAMPLE_SIZE.key() + " (" + referenceSampleSize + ")");
    int permutations = get(conf, PERMUTATIONS);
    check(permutations >= 1, PERMUTATIONS, permutations, ">= 1");
    double alpha = get(conf, ALPHA);
    check(alpha > 0 && alpha < 1, ALPHA, alpha, "in (0, 1)");
    double mmd = nonNegative(conf, MMD_THRESHOLD);
    double centroid = nonNegative(conf, CENTROID_THRESHOLD);
    int qualityWindow = get(conf, QUALITY_WINDOW_SIZE);
    check(qualityWindow >= 1, QUALITY_WINDOW_SIZE, qualityWindow, ">= 1");
    double drop = nonNegative(conf, TOP_SCORE_DROP_THRESHOLD);
    double noAnswer = rate(conf, NO_ANSWER_INCREASE);
    int feedbackWindow = get(conf, FEEDBACK_WINDOW_SIZE);
    check(feedbackWindow >= 1, FEEDBACK_WINDOW_SIZE, feedbackWindow, ">= 1");
    double negative = rate(conf, NEGATIVE_FEEDBACK_INCREASE);
    return new DriftSettings(
        windowSize,
        reference,
        referenceSize,
        referenceSampleSize,
        permutations,
        alpha,
        mmd,
        centroid,
        qualityWindow,
        drop,
        noAnswer,
        feedbackWindow,
        negative,
        get(conf, SEED));
  }

  private static DriftSettings.Reference reference(String value) {
    for (DriftSettings.Reference r : DriftSettings.Reference.values()) {
      if (r.wireName().equals(value)) return r;
    }
    throw new IllegalArgumentException(
        REFERENCE.key() + " must be initial or rolling, was '" + value + "'");
  }

  private static <T> T get(Configuration conf, ConfigOption<T> option) {
    try {
      return conf.get(option);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "option " + option.key() + " is malformed: " + e.getMessage(), e);
    }
  }

  private static double nonNegative(Configuration conf, ConfigOption<Double> option) {
    double v = get(conf, option);
    check(v >= 0 && !Double.isInfinite(v), option, v, "finite and >= 0");
    return v;
  }

  private static double rate(Configuration conf, ConfigOption<Double> option) {
    double v = get(conf, option);
    check(v >= 0 && v <= 1, option, v, "in [0, 1]");
    return v;
  }

  private static void check(boolean ok, ConfigOption<?> option, Object value, String rule) {
    if (!ok) {
      throw new IllegalArgumentException(option.key() + " must be " + rule + ", was " + value);
    }
  }
}
