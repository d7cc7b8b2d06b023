package io.ragstream.trainer.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.core.adapter.LoraAdapter;
import io.ragstream.trainer.adapter.AdapterTrainingConfig.StopOn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationGateTest {
  @TempDir Path dir;
  private SyntheticTask task;
  private List<TrainingPair> heldOut;
  private EvaluationGate gate;

  @BeforeEach
  void setUp() {
    task = new SyntheticTask(dir, 5);
    heldOut = task.pairs(300, 100);
    gate = new EvaluationGate(HeldOutEvaluator.dense(task.store), 0.01);
  }

  @AfterEach
  void tearDown() {
    task.close();
  }

  @Test
  void promotesABetterAdapterOverTheBaseModel() {
    GateDecision d = gate.decide(task.oracle(), null, heldOut);
    assertThat(d.promote()).isTrue();
    assertThat(d.servingId()).isEqualTo("base");
    assertThat(d.candidate().ndcgAt10()).isGreaterThan(d.serving().ndcgAt10() + 0.01);
    assertThat(d.queries()).isEqualTo(100);
    assertThat(d.metrics())
        .containsEntry("ndcg@10", d.candidate().ndcgAt10())
        .containsEntry("baseline.ndcg@10", d.serving().ndcgAt10())
        .containsKeys("mrr@10", "baseline.mrr@10");
    assertThat(d.reason()).startsWith("promote: candidate nDCG@10");
  }

  @Test
  void rejectsAWorseAdapterAndKeepsTheServingOne() {
    GateDecision overBase = gate.decide(task.scrambler(), null, heldOut);
    assertThat(overBase.promote()).isFalse();
    assertThat(overBase.candidate().ndcgAt10()).isLessThan(overBase.serving().ndcgAt10());

    LoraAdapter serving = task.oracle();
    GateDecision overServing = gate.decide(task.scrambler(), serving, heldOut);
    assertThat(overServing.promote()).isFalse();
    assertThat(overServing.servingId()).isEqualTo("oracle");
    assertThat(overServing.reason()).startsWith("reject:");
  }

  @Test
  void rejectsAnEqualAdapterBecauseOfTheMargin() {
    LoraAdapter serving = task.oracle();
    assertThat(gate.decide(serving.withId("copy"), serving, heldOut).promote()).isFalse();
    assertThat(
            new EvaluationGate(HeldOutEvaluator.dense(task.store), 0)
                .decide(serving.withId("copy"), serving, heldOut)
                .promote())
        .as("margin 0: ties promote")
        .isTrue();
  }

  @Test
  void rejectsAnAdapterTrainedOnShuffledLabels() {
    List<TrainingPair> train = task.pairs(0, 300);
    List<String> docs = new ArrayList<>();
    for (TrainingPair p : train) docs.add(p.relevantDocumentId());
    Collections.shuffle(docs, new Random(3));
    List<TrainingPair> shuffled = new ArrayList<>();
    for (int i = 0; i < train.size(); i++) {
      shuffled.add(train.get(i).withRelevantDocumentId(docs.get(i)));
    }
    AdapterTrainingConfig config =
        AdapterTrainingConfig.defaults()
            .withRank(4, 8)
            .withOptimizer(0.05, 5e-3)
            .withSchedule(15, 3, StopOn.NDCG)
            .withBudget(Duration.ofMinutes(5), 7);
    LoraAdapter noise =
        new QueryAdapterTrainer(config, task.store).train(shuffled, "synthetic@1").adapter();

    GateDecision overBase = gate.decide(noise, null, heldOut);
    assertThat(overBase.promote()).as(overBase.reason()).isFalse();
    GateDecision overServing = gate.decide(noise, task.oracle(), heldOut);
    assertThat(overServing.promote()).as(overServing.reason()).isFalse();
  }
}
