package io.ragstream.trainer.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.core.adapter.FileAdapterRegistry;
import io.ragstream.core.adapter.LoraAdapter;
import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.event.TrainingJobRequest;
import io.ragstream.core.event.TrainingJobResult;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueryAdapterJobTest {
  @TempDir Path dir;

  @Test
  void trainsRegistersGatesAndAnnouncesAPromotionThenKeepsItAgainstAnEqualSuccessor() {
    try (SyntheticTask task = new SyntheticTask(dir.resolve("index"), 11)) {
      List<TrainingPair> pairs = task.pairs(0, 400);
      FileAdapterRegistry registry = FileAdapterRegistry.open(dir.resolve("adapters"));
      AdapterTrainingConfig config =
          AdapterTrainingConfig.defaults()
              .withRank(4, 8)
              .withOptimizer(0.05, 5e-3)
              .withBudget(Duration.ofMinutes(2), 7);
      QueryAdapterJob job =
          new QueryAdapterJob(
              config,
              task.store,
              registry,
              new EvaluationGate(HeldOutEvaluator.dense(task.store), 0.005),
              0.25,
              Clock.systemUTC());
      TrainingJobRequest request =
          new TrainingJobRequest(
              "00000000-0000-4000-8000-0000000000aa",
              AdapterKind.QUERY_ADAPTER,
              "test",
              List.of(),
              "ragstream.feedback@0:400",
              400,
              SyntheticTask.EMBEDDER,
              1);

      QueryAdapterJob.Outcome first = job.run(request, () -> pairs, null);

      assertThat(first.promoted()).as(first.decision().reason()).isTrue();
      assertThat(first.events())
          .extracting(AdapterEvent::status)
          .containsExactly(AdapterEvent.Status.CANDIDATE, AdapterEvent.Status.PROMOTED);
      AdapterEvent promoted = first.events().get(1);
      assertThat(promoted.adapterId()).isEqualTo(first.registered().adapterId());
      assertThat(first.decision().candidateId()).isEqualTo(promoted.adapterId());
      assertThat(promoted.parent()).isEqualTo("base");
      assertThat(promoted.jobId()).isEqualTo(request.jobId());
      assertThat(promoted.metrics()).containsKeys("ndcg@10", "baseline.ndcg@10", "train.seconds");
      assertThat(first.result().outcome()).isEqualTo(TrainingJobResult.Outcome.SUCCEEDED);
      assertThat(first.result().adapterId()).isEqualTo(first.registered().adapterId());
      assertThat(registry.get(promoted.adapterId()).orElseThrow().parent()).isEqualTo("base");

      // The gateway's side: load by the event's URI.
      LoraAdapter serving = LoraAdapter.load(URI.create(promoted.uri()));
      assertThat(serving.adapterId()).isEqualTo(promoted.adapterId());

      // Same data, same seed: an identical successor is not better by the margin.
      QueryAdapterJob.Outcome second = job.run(request, () -> pairs, serving);
      assertThat(second.promoted()).isFalse();
      assertThat(second.events().get(1).status()).isEqualTo(AdapterEvent.Status.REJECTED);
      assertThat(second.events().get(1).parent()).isEqualTo(serving.adapterId());
      assertThat(second.registered().adapterId()).isNotEqualTo(serving.adapterId());
    }
  }
}
