package io.ragstream.processors.drift;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.core.event.DriftEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** {@link EmbeddingDriftFunction} in Flink's keyed operator harness, on synthetic embeddings. */
class EmbeddingDriftFunctionTest {
  private static final String EMBEDDER = "test-model@1";
  private static final int DIM = 16;

  private static final DriftSettings SETTINGS =
      DriftSettings.defaults()
          .withWindowSize(30)
          .withReference(DriftSettings.Reference.INITIAL, 80, 40);

  private final Random random = new Random(3);
  private long clock = 1_000;

  @Test
  void aShiftedWindowDriftsAndWindowsOfTheReferenceDistributionDoNot() throws Exception {
    try (var h = harness(SETTINGS, null)) {
      feed(h, 80, 0); // reference phase: no events
      assertThat(h.extractOutputValues()).isEmpty();
      feed(h, 30, 0);
      feed(h, 30, 1.5);
      List<DriftEvent> events = h.extractOutputValues();
      assertThat(events).hasSize(4);
      assertThat(events)
          .extracting(DriftEvent::metric)
          .containsExactly(
              EmbeddingDriftFunction.MMD,
              EmbeddingDriftFunction.CENTROID,
              EmbeddingDriftFunction.MMD,
              EmbeddingDriftFunction.CENTROID);
      assertThat(events.subList(0, 2)).noneMatch(DriftEvent::drifted);
      assertThat(events.subList(2, 4)).allMatch(DriftEvent::drifted);

      DriftEvent mmd = events.get(2);
      assertThat(mmd.kind()).isEqualTo(DriftEvent.Kind.DOCUMENTS);
      assertThat(mmd.pValue()).isLessThanOrEqualTo(SETTINGS.alpha());
      assertThat(mmd.value()).isGreaterThanOrEqualTo(SETTINGS.mmdThreshold());
      assertThat(mmd.threshold()).isEqualTo(SETTINGS.mmdThreshold());
      assertThat(mmd.sampleSize()).isEqualTo(30);
      assertThat(mmd.referenceSize()).isEqualTo(40);
      assertThat(mmd.reference()).isEqualTo("initial");
      assertThat(mmd.embedder()).isEqualTo(EMBEDDER);
      assertThat(mmd.windowStart()).isEqualTo(1_000 + 110);
      assertThat(mmd.windowEnd()).isEqualTo(1_000 + 140);
      assertThat(events.get(3).pValue()).as("the centroid distance has no p-value").isNull();
      assertThat(events.get(0).pValue()).isGreaterThan(SETTINGS.alpha());
    }
  }

  @Test
  void referenceAndWindowSurviveASnapshotAndRestore() throws Exception {
    List<float[]> samples = new ArrayList<>();
    for (int i = 0; i < 80 + 15; i++) samples.add(vector(0));
    for (int i = 0; i < 15; i++) samples.add(vector(1.5));

    List<DriftEvent> uninterrupted;
    try (var h = harness(SETTINGS, null)) {
      for (float[] v : samples) h.processElement(sample(v, 7), 7);
      uninterrupted = h.extractOutputValues();
    }

    OperatorSubtaskState snapshot;
    try (var h = harness(SETTINGS, null)) {
      for (float[] v : samples.subList(0, 90)) h.processElement(sample(v, 7), 7);
      snapshot = h.snapshot(1, 1);
    }
    List<DriftEvent> restored;
    try (var h = harness(SETTINGS, snapshot)) {
      for (float[] v : samples.subList(90, samples.size())) h.processElement(sample(v, 7), 7);
      restored = h.extractOutputValues();
    }
    assertThat(uninterrupted).hasSize(2);
    assertThat(restored)
        .as("the restored operator closes the window with the same reference and samples")
        .usingRecursiveFieldByFieldElementComparatorIgnoringFields("at")
        .containsExactlyElementsOf(uninterrupted);
  }

  @Test
  void aRollingReferenceAdaptsAfterTheShift() throws Exception {
    DriftSettings rolling =
        SETTINGS.withReference(DriftSettings.Reference.ROLLING, 40, 40).withWindowSize(40);
    try (var h = harness(rolling, null)) {
      feed(h, 40, 0); // fills the reference
      feed(h, 40, 0);
      feed(h, 40, 1.5);
      feed(h, 40, 1.5);
      List<DriftEvent> mmd =
          h.extractOutputValues().stream()
              .filter(e -> e.metric().equals(EmbeddingDriftFunction.MMD))
              .toList();
      assertThat(mmd).extracting(DriftEvent::drifted).containsExactly(false, true, false);
      assertThat(mmd).allMatch(e -> e.reference().equals("rolling") && e.referenceSize() == 40);
    }
  }

  @Test
  void keepsModelsAndKindsApartAndGivesReplayedWindowsTheSameId() throws Exception {
    try (var h = harness(SETTINGS, null)) {
      for (int i = 0; i < 110; i++) {
        h.processElement(
            new StreamRecord<>(new EmbeddingSample(DriftEvent.Kind.QUERIES, "m@1", vector(0), i)));
        if (i < 100) {
          h.processElement(
              new StreamRecord<>(
                  new EmbeddingSample(DriftEvent.Kind.QUERIES, "m@2", vector(1.5), i)));
        }
      }
      List<DriftEvent> events = h.extractOutputValues();
      assertThat(events)
          .as("only m@1 has a full window after its reference; m@2 never met m@1's reference")
          .hasSize(2)
          .allMatch(e -> e.embedder().equals("m@1") && e.kind() == DriftEvent.Kind.QUERIES)
          .noneMatch(DriftEvent::drifted);
      assertThat(events.get(0).driftId())
          .isEqualTo(EmbeddingDriftFunction.eventId("QUERIES|m@1", "mmd_rbf", 0));
    }
  }

  @Test
  void skipsAnEmbeddingOfAnotherDimensionAndGoesOn() throws Exception {
    try (var h = harness(SETTINGS, null)) {
      feed(h, 80, 0);
      h.processElement(sample(new float[] {1, 0, 0}, 5), 5);
      feed(h, 30, 0);
      assertThat(h.extractOutputValues())
          .hasSize(2)
          .allSatisfy(e -> assertThat(e.sampleSize()).isEqualTo(30));
    }
  }

  private void feed(
      KeyedOneInputStreamOperatorTestHarness<String, EmbeddingSample, DriftEvent> h,
      int n,
      double shift)
      throws Exception {
    for (int i = 0; i < n; i++) h.processElement(sample(vector(shift), clock++), 0);
  }

  private static EmbeddingSample sample(float[] v, long at) {
    return new EmbeddingSample(DriftEvent.Kind.DOCUMENTS, EMBEDDER, v, at);
  }

  /** A unit vector around the first axis, moved towards the second axis by {@code shift}. */
  private float[] vector(double shift) {
    float[] v = new float[DIM];
    v[0] = 2;
    v[1] = (float) shift;
    for (int i = 0; i < DIM; i++) v[i] += (float) (0.3 * random.nextGaussian());
    double norm = 0;
    for (float x : v) norm += x * x;
    for (int i = 0; i < DIM; i++) v[i] /= (float) Math.sqrt(norm);
    return v;
  }

  static KeyedOneInputStreamOperatorTestHarness<String, EmbeddingSample, DriftEvent> harness(
      DriftSettings settings, OperatorSubtaskState restored) throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new EmbeddingDriftFunction(settings)),
            EmbeddingSample::key,
            Types.STRING);
    if (restored != null) h.initializeState(restored);
    h.open();
    return h;
  }
}
