package io.ragstream.processors.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ragstream.core.event.DriftEvent;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.QueryEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** {@link QualityDriftFunction} in Flink's keyed operator harness. */
class QualityDriftFunctionTest {
  private static final DriftSettings SETTINGS = DriftSettings.defaults().withQualityWindows(10, 5);

  @Test
  void fallingTopScoresAndMoreEmptyResultsDriftPerMode() throws Exception {
    try (var h = harness(SETTINGS, null)) {
      for (int i = 0; i < 10; i++) h.processElement(query("dense", i < 9 ? 0.8 : -1, i), i);
      for (int i = 0; i < 10; i++) h.processElement(query("hybrid", 0.03, i), i);
      assertThat(h.extractOutputValues()).as("first windows are the references").isEmpty();
      for (int i = 0; i < 10; i++) h.processElement(query("dense", i < 6 ? 0.6 : -1, 100 + i), i);
      for (int i = 0; i < 10; i++) h.processElement(query("hybrid", 0.0295, 100 + i), i);
      List<DriftEvent> events = h.extractOutputValues();
      assertThat(events)
          .extracting(DriftEvent::metric)
          .containsExactly(
              "top_score_mean_drop_dense",
              "no_answer_rate_dense",
              "top_score_mean_drop_hybrid",
              "no_answer_rate_hybrid");
      DriftEvent drop = events.get(0);
      assertThat(drop.value()).isCloseTo(0.25, within(1e-9)); // (0.8 - 0.6) / 0.8
      assertThat(drop.drifted()).isTrue();
      assertThat(drop.kind()).isEqualTo(DriftEvent.Kind.QUALITY);
      assertThat(drop.pValue()).isNull();
      assertThat(drop.embedder()).isNull();
      assertThat(drop.windowStart()).isEqualTo(100);
      assertThat(drop.windowEnd()).isEqualTo(110);
      DriftEvent noAnswer = events.get(1);
      assertThat(noAnswer.value()).isCloseTo(0.4, within(1e-9));
      assertThat(noAnswer.threshold()).isCloseTo(0.1 + 0.1, within(1e-9));
      assertThat(noAnswer.drifted()).isTrue();
      assertThat(events.get(2).value())
          .as("hybrid compared with hybrid")
          .isCloseTo(1.0 / 60, within(1e-9));
      assertThat(events.get(2).drifted()).isFalse();
      assertThat(events.get(3).drifted()).isFalse();
    }
  }

  @Test
  void negativeFeedbackDriftsAcrossARestore() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(SETTINGS, null)) {
      for (int i = 0; i < 5; i++) h.processElement(feedback(i != 0, i), i); // 20 % negative
      for (int i = 0; i < 3; i++) h.processElement(feedback(false, 10 + i), i);
      snapshot = h.snapshot(1, 1);
    }
    try (var h = harness(SETTINGS, snapshot)) {
      h.processElement(feedback(true, 13), 0);
      h.processElement(feedback(false, 14), 0);
      List<DriftEvent> events = h.extractOutputValues();
      assertThat(events)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.metric()).isEqualTo(QualityDriftFunction.NEGATIVE_FEEDBACK);
                assertThat(e.value()).isCloseTo(0.8, within(1e-9));
                assertThat(e.threshold()).isCloseTo(0.2 + 0.15, within(1e-9));
                assertThat(e.drifted()).isTrue();
                assertThat(e.sampleSize()).isEqualTo(5);
                assertThat(e.referenceSize()).isEqualTo(5);
                assertThat(e.windowStart()).isEqualTo(10);
              });
    }
  }

  @Test
  void aRollingReferenceComparesWithThePreviousWindow() throws Exception {
    DriftSettings rolling = SETTINGS.withReference(DriftSettings.Reference.ROLLING, 256, 256);
    try (var h = harness(rolling, null)) {
      List<Double> means = List.of(0.8, 0.6, 0.6);
      long t = 0;
      for (double mean : means) {
        for (int i = 0; i < 10; i++) h.processElement(query("dense", mean, t++), 0);
      }
      List<Boolean> drifted = new ArrayList<>();
      for (DriftEvent e : h.extractOutputValues()) {
        if (e.metric().startsWith(QualityDriftFunction.TOP_SCORE_DROP)) drifted.add(e.drifted());
      }
      assertThat(drifted).containsExactly(true, false);
    }
  }

  /** A query whose top score is {@code top}, or without hits when {@code top < 0}. */
  private static QualitySample query(String mode, double top, long at) {
    boolean none = top < 0;
    QueryEvent e =
        new QueryEvent(
            QueryEvent.newQueryId(),
            "search",
            "t",
            "alice",
            "q",
            mode.equals("bm25") ? null : new float[] {1, 0},
            mode,
            10,
            none ? new double[0] : new double[] {top, top / 2},
            none ? List.of() : List.of("d1", "d2"),
            5,
            at,
            mode.equals("bm25") ? null : "m@1");
    return QualitySample.of(e);
  }

  private static QualitySample feedback(boolean relevant, long at) {
    return QualitySample.of(
        new FeedbackEvent(QueryEvent.newQueryId(), "d1", relevant, "t", "alice", at, null));
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, QualitySample, DriftEvent> harness(
      DriftSettings settings, OperatorSubtaskState restored) throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new QualityDriftFunction(settings)),
            QualitySample::key,
            Types.STRING);
    if (restored != null) h.initializeState(restored);
    h.open();
    return h;
  }
}
