package io.ragstream.trainer.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.adapter.LoraAdapter;
import io.ragstream.trainer.adapter.AdapterTrainingConfig.StopOn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueryAdapterTrainerTest {
  @TempDir Path dir;
  private SyntheticTask task;
  private List<TrainingPair> train;
  private List<TrainingPair> heldOut;

  private static final AdapterTrainingConfig CONFIG =
      AdapterTrainingConfig.defaults()
          .withRank(4, 8)
          .withOptimizer(0.05, 5e-3)
          .withSchedule(40, 5, StopOn.NDCG)
          .withBudget(Duration.ofMinutes(5), 7);

  @BeforeEach
  void setUp() {
    task = new SyntheticTask(dir, 11);
    train = task.pairs(0, 300);
    heldOut = task.pairs(300, 100);
  }

  @AfterEach
  void tearDown() {
    task.close();
  }

  @Test
  void recoversAKnownLowRankQueryShift() {
    HeldOutEvaluator evaluator = HeldOutEvaluator.dense(task.store);
    double base = evaluator.evaluate(heldOut, (LoraAdapter) null).meanNdcg(10);
    double oracle = evaluator.evaluate(heldOut, task.oracle()).meanNdcg(10);
    assertThat(oracle).as("the task is solvable by undoing the shift").isGreaterThan(base + 0.2);

    TrainingOutcome outcome =
        new QueryAdapterTrainer(CONFIG, task.store).train(train, "synthetic@1");
    double trained = evaluator.evaluate(heldOut, outcome.adapter()).meanNdcg(10);

    assertThat(trained)
        .as("held-out nDCG@10: base %.3f, trained %.3f, oracle %.3f", base, trained, oracle)
        .isGreaterThan(base + 0.5 * (oracle - base));
    assertThat(outcome.bestEpoch()).isPositive();
    assertThat(outcome.bestValidation()).isGreaterThan(outcome.baselineValidation());
    assertThat(outcome.epochs().get(0).epoch()).isZero();
    assertThat(outcome.adapter().rank()).isEqualTo(4);
    assertThat(outcome.adapter().embedder()).isEqualTo("synthetic@1");
    // Training loss goes down from the first epoch to the best one.
    assertThat(outcome.epochs().get(outcome.bestEpoch()).trainLoss())
        .isLessThan(outcome.epochs().get(1).trainLoss());
  }

  @Test
  void learnsAQueryBiasWhenAskedAndValidatesEveryKSteps() {
    // 240 training queries (80 % of 300), batch 32: 8 steps per epoch, a check every 3 steps
    AdapterTrainingConfig config = CONFIG.withSchedule(2, 50, StopOn.NDCG).withQueryBias(true, 3);
    TrainingOutcome outcome = new QueryAdapterTrainer(config, task.store).train(train, "s");
    assertThat(outcome.epochs()).hasSize(1 + 16 / 3);
    assertThat(outcome.epochs().get(1).epoch()).isEqualTo(1);
    assertThat(outcome.epochs().get(outcome.epochs().size() - 1).epoch()).isEqualTo(2);
    float[] bias = outcome.adapter().bias();
    if (outcome.bestEpoch() > 0) {
      assertThat(bias).isNotNull();
      double n2 = 0;
      for (float x : bias) n2 += x * x;
      assertThat(n2).as("the bias moved").isPositive();
    }
    assertThat(bias).as("a bias is part of the adapter").isNotNull();

    LoraAdapter plain =
        new QueryAdapterTrainer(CONFIG.withSchedule(2, 50, StopOn.NDCG), task.store)
            .train(train, "s")
            .adapter();
    assertThat(plain.bias()).as("off by default").isNull();
  }

  @Test
  void minesOnceWithTheBaseModelWhenAskedInsteadOfBeforeEveryEpoch() {
    AdapterTrainingConfig everyEpoch = CONFIG.withSchedule(3, 50, StopOn.LOSS);
    AdapterTrainingConfig once = everyEpoch.withMining(true, true);
    long queries = train.stream().map(TrainingPair::queryId).distinct().count();

    java.util.concurrent.atomic.AtomicInteger searches =
        new java.util.concurrent.atomic.AtomicInteger();
    io.ragstream.core.port.VectorStore counting =
        (io.ragstream.core.port.VectorStore)
            java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {io.ragstream.core.port.VectorStore.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("search")) searches.incrementAndGet();
                  try {
                    return method.invoke(task.store, args);
                  } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                  }
                });

    TrainingOutcome mineOnce = new QueryAdapterTrainer(once, counting).train(train, "s");
    assertThat(mineOnce.epochs()).hasSize(4);
    assertThat(searches.get())
        .as("one base-model search per training and validation query, before training")
        .isEqualTo((int) queries);

    searches.set(0);
    new QueryAdapterTrainer(everyEpoch, counting).train(train, "s");
    assertThat(searches.get())
        .as("mined again before every epoch")
        .isGreaterThan(3 * (int) queries / 2);
  }

  @Test
  void isDeterministicForASeed() {
    AdapterTrainingConfig short_ = CONFIG.withSchedule(3, 5, StopOn.LOSS);
    LoraAdapter first = new QueryAdapterTrainer(short_, task.store).train(train, "s").adapter();
    LoraAdapter second = new QueryAdapterTrainer(short_, task.store).train(train, "s").adapter();
    assertThat(second.a()).containsExactly(first.a());
    assertThat(second.b()).containsExactly(first.b());
  }

  @Test
  void returnsTheInitialStateWhenNoEpochBeatsIt() {
    // Shuffled labels: no epoch improves validation nDCG over the B = 0 state by much; whatever it
    // returns, an identity-like adapter has B = 0 exactly when epoch 0 stays best.
    TrainingOutcome outcome =
        new QueryAdapterTrainer(
                CONFIG.withSchedule(1, 1, StopOn.NDCG).withOptimizer(0.05, 1e-12), task.store)
            .train(train, "s");
    assertThat(outcome.bestEpoch()).isZero();
    assertThat(outcome.adapter().b()).containsOnly(0f);
  }

  @Test
  void stopsWhenTheTimeBudgetRunsOut() {
    AtomicLong now = new AtomicLong();
    // Every reading of the clock advances it by 1 s; the budget is 3 s.
    QueryAdapterTrainer trainer =
        new QueryAdapterTrainer(
            CONFIG.withBudget(Duration.ofSeconds(3), 7),
            task.store,
            () -> now.getAndAdd(1_000_000_000L));
    TrainingOutcome outcome = trainer.train(train, "s");
    assertThat(outcome.stopReason()).isEqualTo("time-budget");
    assertThat(outcome.epochs().size() - 1).isLessThan(3);
  }

  @Test
  void rejectsTooFewQueriesAndDimensionMismatches() {
    QueryAdapterTrainer trainer = new QueryAdapterTrainer(CONFIG, task.store);
    assertThatThrownBy(() -> trainer.train(train.subList(0, 3), "s"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("need at least 4 labelled queries");
    List<TrainingPair> wide = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      float[] e = new float[64];
      e[i] = 1;
      wide.add(new TrainingPair("q-" + i, "x", e, SyntheticTask.doc(1), List.of()));
    }
    assertThatThrownBy(() -> trainer.train(wide, "s"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dimension mismatch: the query embeddings are 64-d")
        .hasMessageContaining("document doc-1 are 32-d");
  }
}
