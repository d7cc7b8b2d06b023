package io.ragstream.processors.drift;

import io.ragstream.core.event.DriftEvent;
import io.ragstream.processors.drift.internal.QualityWindow;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Retrieval-quality drift ({@link DriftEvent.Kind#QUALITY}), keyed by {@link QualitySample#key()}:
 * tumbling count windows of {@link DriftSettings#qualityWindowSize()} queries per search mode and
 * of {@link DriftSettings#feedbackWindowSize()} feedback events, each compared with a reference
 * window. Per closed window it emits, drifted or not:
 *
 * <ul>
 *   <li>{@code top_score_mean_drop_<mode>}: {@code (ref − cur) / |ref|} of the mean top-1 score of
 *       the queries with hits (positive = scores fell; absolute difference when the reference mean
 *       is 0); drifted when {@code >= topScoreDropThreshold}. Left out when either window had no
 *       query with hits;
 *   <li>{@code no_answer_rate_<mode>}: the share of queries without hits; drifted when {@code >=}
 *       the reference's share + {@code noAnswerIncrease} (that sum is the event's threshold);
 *   <li>{@value #NEGATIVE_FEEDBACK} (feedback windows): the share of judgements {@code relevant =
 *       false}; drifted when {@code >=} the reference's share + {@code negativeFeedbackIncrease}.
 * </ul>
 *
 * <p>Reference: with {@code INITIAL} the key's first window (frozen; it emits nothing), with {@code
 * ROLLING} the window just before. Window sums and reference are Flink keyed state. Gauges as in
 * {@link EmbeddingDriftFunction}.
 */
public class QualityDriftFunction extends KeyedProcessFunction<String, QualitySample, DriftEvent> {
  private static final long serialVersionUID = 1L;

  /** Metric prefix of the relative top-1 score drop, followed by the mode. */
  public static final String TOP_SCORE_DROP = "top_score_mean_drop_";

  /** Metric prefix of the no-answer rate, followed by the mode. */
  public static final String NO_ANSWER = "no_answer_rate_";

  /** Metric name of the negative-feedback rate. */
  public static final String NEGATIVE_FEEDBACK = "negative_feedback_rate";

  private final DriftSettings settings;

  private transient ValueState<QualityWindow> current;
  private transient ValueState<QualityWindow> reference;
  private transient DriftGauges gauges;

  public QualityDriftFunction(DriftSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  @Override
  public void open(OpenContext openContext) {
    current =
        getRuntimeContext()
            .getState(new ValueStateDescriptor<>("quality-window", QualityWindow.class));
    reference =
        getRuntimeContext()
            .getState(new ValueStateDescriptor<>("quality-reference", QualityWindow.class));
    gauges = new DriftGauges(getRuntimeContext().getMetricGroup());
  }

  @Override
  public void processElement(QualitySample sample, Context ctx, Collector<DriftEvent> out)
      throws Exception {
    QualityWindow w = current.value();
    if (w == null) w = new QualityWindow();
    w.count++;
    if (sample.noAnswer()) w.noAnswers++;
    if (!Double.isNaN(sample.topScore())) {
      w.hits++;
      w.topScoreSum += sample.topScore();
    }
    if (sample.negative()) w.negatives++;
    w.start = Math.min(w.start, sample.at());
    w.end = Math.max(w.end, sample.at());
    int size = sample.isFeedback() ? settings.feedbackWindowSize() : settings.qualityWindowSize();
    if (w.count < size) {
      current.update(w);
      return;
    }
    QualityWindow ref = reference.value();
    if (ref != null) {
      emit(ctx.getCurrentKey(), w, ref, out);
    }
    if (ref == null || settings.reference() == DriftSettings.Reference.ROLLING) {
      reference.update(w);
    }
    QualityWindow next = new QualityWindow();
    next.index = w.index + 1;
    current.update(next);
  }

  private void emit(String key, QualityWindow w, QualityWindow ref, Collector<DriftEvent> out) {
    long now = System.currentTimeMillis();
    if (key.equals(QualitySample.FEEDBACK_KEY)) {
      double threshold = Math.min(1, ref.negativeRate() + settings.negativeFeedbackIncrease());
      out.collect(event(key, NEGATIVE_FEEDBACK, w.negativeRate(), threshold, w, ref, now));
      return;
    }
    String mode = key.substring(QualitySample.QUERY_KEY_PREFIX.length());
    double refMean = ref.meanTopScore();
    double curMean = w.meanTopScore();
    if (!Double.isNaN(refMean) && !Double.isNaN(curMean)) {
      double drop = refMean == 0 ? refMean - curMean : (refMean - curMean) / Math.abs(refMean);
      out.collect(
          event(key, TOP_SCORE_DROP + mode, drop, settings.topScoreDropThreshold(), w, ref, now));
    }
    double threshold = Math.min(1, ref.noAnswerRate() + settings.noAnswerIncrease());
    out.collect(event(key, NO_ANSWER + mode, w.noAnswerRate(), threshold, w, ref, now));
  }

  private DriftEvent event(
      String key,
      String metric,
      double value,
      double threshold,
      QualityWindow w,
      QualityWindow ref,
      long now) {
    gauges.set(DriftEvent.Kind.QUALITY, metric, value, null);
    return new DriftEvent(
        EmbeddingDriftFunction.eventId(key, metric, w.index),
        DriftEvent.Kind.QUALITY,
        metric,
        value,
        threshold,
        null,
        value >= threshold,
        Math.max(0, w.start),
        Math.max(0, w.end) + 1,
        w.count,
        ref.count,
        settings.reference().wireName(),
        null,
        now);
  }
}
