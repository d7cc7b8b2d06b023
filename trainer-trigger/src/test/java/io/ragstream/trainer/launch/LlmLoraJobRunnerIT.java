package io.ragstream.trainer.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.event.TrainingJobRequest;
import io.ragstream.core.event.TrainingJobResult;
import io.ragstream.core.event.TrainingJobResult.Outcome;
import io.ragstream.trainer.dataset.ChatEvents;
import io.ragstream.trainer.dataset.DatasetInput;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LlmLoraJobRunner} end to end: in-memory events → exported dataset → a real python3 process
 * reading it → registered adapter → loaded into {@link FakeVllmServer} (a local server with vLLM's
 * semantics; no vLLM can run here).
 */
class LlmLoraJobRunnerIT {
  private static final String BASE = "meta-llama/Llama-3.2-1B-Instruct";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-23T21:30:00Z"), ZoneOffset.UTC);
  private static Vertx vertx;

  @TempDir Path dir;
  private FakeVllmServer vllmServer;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    vertx.close();
  }

  @BeforeEach
  void startVllm() throws Exception {
    vllmServer = new FakeVllmServer(vertx, BASE, null);
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    vllmServer.close();
  }

  private static final DatasetInput EVENTS =
      DatasetInput.of(
          List.of(
              ChatEvents.answer(1, "Bees dance [1].", "d1"),
              ChatEvents.answer(2, "Ants use pheromones [2].", "d2"),
              ChatEvents.answer(3, "Both [1][2].", "d1", "d2"),
              ChatEvents.answer(4, "Wrong source [3].", "d3")),
          List.of(
              ChatEvents.feedback(1, "d1", true),
              ChatEvents.feedback(2, "d2", true),
              ChatEvents.feedback(3, "d1", true),
              ChatEvents.feedback(4, "d1", true),
              ChatEvents.feedback(4, "d3", false)));

  private LlmLoraJobRunner runner(List<String> command, int minExamples, DatasetInput events) {
    LlmLoraConfig config =
        LlmLoraConfig.local(dir.resolve("work"), BASE, command)
            .withDeadline(Duration.ofMinutes(2))
            .withMinExamples(minExamples)
            .withVllm(
                new LlmLoraConfig.Vllm(
                    vllmServer.baseUrl(),
                    null,
                    "rag-llama",
                    null,
                    Duration.ofSeconds(5),
                    2,
                    Duration.ofMillis(10)));
    LocalCommandLauncher launcher =
        new LocalCommandLauncher(config.commandTemplate(), Duration.ofSeconds(2), 10, CLOCK);
    VllmAdapterLoader loader = new VllmAdapterLoader(vertx, config.vllm());
    closeables.add(launcher);
    closeables.add(loader);
    return new LlmLoraJobRunner(
        config,
        dataset -> events,
        launcher,
        new DirectoryAdapterSink(dir.resolve("registry"), CLOCK),
        loader,
        CLOCK);
  }

  private static List<String> fakeTrainer() {
    return List.of(
        "python3",
        Path.of("src/test/resources/fake-trainer/sft_lora.py").toAbsolutePath().toString(),
        "{train_file}",
        "{validation_file}",
        "{output_dir}",
        "{base_model}");
  }

  private static TrainingJobRequest request(String jobId) {
    return new TrainingJobRequest(
        jobId, AdapterKind.LLM_LORA, "test", List.of(), "ragstream.feedback@0:5", 3, null, 1L);
  }

  @Test
  void trainsRegistersAndLoadsTheAdapterUnderANewName() throws Exception {
    String jobId = "3f2a9c1b-0000-4000-8000-000000000001";

    LlmLoraJobRunner.Outcome outcome =
        runner(fakeTrainer(), 3, EVENTS).train(request(jobId), AdapterEvent.BASE);
    TrainingJobResult result = outcome.result();

    assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(result.adapterId()).isEqualTo("llm-20261123-213000-3f2a9c1b");
    assertThat(outcome.events())
        .extracting(AdapterEvent::status, AdapterEvent::servedName, AdapterEvent::key)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                AdapterEvent.Status.CANDIDATE, null, "LLM_LORA:" + BASE),
            org.assertj.core.groups.Tuple.tuple(
                AdapterEvent.Status.PROMOTED,
                "rag-llama-llm-20261123-213000-3f2a9c1b",
                "LLM_LORA:" + BASE));
    assertThat(outcome.events())
        .allSatisfy(
            e -> {
              assertThat(e.adapterId()).isEqualTo(result.adapterId());
              assertThat(e.jobId()).isEqualTo(jobId);
              assertThat(e.parent()).isEqualTo(AdapterEvent.BASE);
              assertThat(e.metrics()).containsEntry("dataset.examples", 3.0);
              assertThat(e.uri())
                  .isEqualTo(
                      dir.resolve("registry")
                          .resolve(result.adapterId())
                          .toAbsolutePath()
                          .toUri()
                          .toString());
            });
    assertThat(result.jobId()).isEqualTo(jobId);
    Path registered = dir.resolve("registry").resolve(result.adapterId());
    assertThat(PeftAdapterFiles.missing(registered)).isEmpty();
    assertThat(Files.readString(registered.resolve(PeftAdapterFiles.CONFIG)))
        .contains("\"examples\": 3"); // answer 4 cites a document judged irrelevant
    assertThat(Files.readString(registered.resolve(DirectoryAdapterSink.METADATA_FILE)))
        .contains(jobId, BASE);
    String served = "rag-llama-llm-20261123-213000-3f2a9c1b";
    assertThat(vllmServer.loras).containsEntry(served, registered.toAbsolutePath().toString());
    assertThat(result.message()).contains("trained on 3 examples", "'" + served + "'");
  }

  @Test
  void failsWithoutLaunchingWhenTooFewExamplesAreSelected() {
    String jobId = UUID.randomUUID().toString();
    LlmLoraJobRunner runner = runner(fakeTrainer(), 4, EVENTS);

    TrainingJobResult result = runner.run(request(jobId));

    assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(result.adapterId()).isNull();
    assertThat(result.message())
        .contains("only 3 examples", "cited_document_judged_irrelevant", "min-examples is 4");
    assertThat(runner.jobDir(jobId).resolve("output")).doesNotExist();
    assertThat(vllmServer.requests).isEmpty();
  }

  @Test
  void reportsAFailedJobWithItsExitCode() {
    TrainingJobResult result =
        runner(List.of("bash", "-c", "echo no GPU >&2; exit 3"), 1, EVENTS)
            .run(request(UUID.randomUUID().toString()));

    assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(result.message()).contains("exit code 3", "no GPU");
    assertThat(vllmServer.loras).isEmpty();
  }

  @Test
  void cancelStopsARunningJob() throws Exception {
    String jobId = UUID.randomUUID().toString();
    LlmLoraJobRunner runner = runner(List.of("bash", "-c", "echo started; sleep 300"), 1, EVENTS);

    CompletableFuture<TrainingJobResult> result =
        CompletableFuture.supplyAsync(() -> runner.run(request(jobId)));
    Path log = runner.jobDir(jobId).resolve(JobSpec.LOG_FILE);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Files.exists(log) && Files.readString(log).contains("started"));
    assertThat(runner.cancel(jobId)).isTrue();

    TrainingJobResult ended = result.get(30, TimeUnit.SECONDS);
    assertThat(ended.outcome()).isEqualTo(Outcome.CANCELLED);
    assertThat(ended.adapterId()).isNull();
  }

  @Test
  void cancelAllStopsTheRunningJobOnShutdown() throws Exception {
    String jobId = UUID.randomUUID().toString();
    LlmLoraJobRunner runner = runner(List.of("bash", "-c", "echo started; sleep 300"), 1, EVENTS);
    assertThat(runner.cancelAll()).isZero();

    CompletableFuture<LlmLoraJobRunner.Outcome> outcome =
        CompletableFuture.supplyAsync(() -> runner.train(request(jobId), null));
    Path log = runner.jobDir(jobId).resolve(JobSpec.LOG_FILE);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Files.exists(log) && Files.readString(log).contains("started"));
    assertThat(runner.runningJobs()).isEqualTo(1);
    assertThat(runner.cancelAll()).isEqualTo(1);

    LlmLoraJobRunner.Outcome ended = outcome.get(30, TimeUnit.SECONDS);
    assertThat(ended.result().outcome()).isEqualTo(Outcome.CANCELLED);
    assertThat(ended.events()).isEmpty();
    assertThat(runner.runningJobs()).isZero();
  }

  @Test
  void failsNamingTheRegisteredAdapterWhenVllmAlreadyServesItsName() {
    String jobId = "3f2a9c1b-0000-4000-8000-000000000002";
    vllmServer.loras.put("rag-llama-llm-20261123-213000-3f2a9c1b", "/old/weights");

    LlmLoraJobRunner.Outcome outcome = runner(fakeTrainer(), 1, EVENTS).train(request(jobId), null);
    TrainingJobResult result = outcome.result();

    assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(result.message())
        .contains("registered as llm-20261123-213000-3f2a9c1b", "already serves", "never reused");
    assertThat(outcome.events())
        .extracting(AdapterEvent::status)
        .containsExactly(AdapterEvent.Status.CANDIDATE, AdapterEvent.Status.REJECTED);
    assertThat(outcome.events().get(1).reason()).contains("already serves");
    assertThat(outcome.events()).extracting(AdapterEvent::servedName).containsOnlyNulls();
    assertThat(vllmServer.loras)
        .containsEntry("rag-llama-llm-20261123-213000-3f2a9c1b", "/old/weights");
  }

  @Test
  void anUnexpectedErrorStillEndsInAFailedResult() {
    LocalCommandLauncher launcher =
        new LocalCommandLauncher(
            CommandTemplate.parse("c", fakeTrainer()), Duration.ofSeconds(1), 5, CLOCK);
    closeables.add(launcher);
    LlmLoraJobRunner broken =
        new LlmLoraJobRunner(
            LlmLoraConfig.local(dir.resolve("work2"), BASE, fakeTrainer()),
            dataset -> {
              throw new IllegalStateException("disk on fire");
            },
            launcher,
            new DirectoryAdapterSink(dir.resolve("registry2"), CLOCK),
            null,
            CLOCK);

    TrainingJobResult result = broken.run(request(UUID.randomUUID().toString()));

    assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(result.message()).contains("unexpected error", "disk on fire");
  }

  @Test
  void refusesOtherKinds() {
    TrainingJobRequest query =
        new TrainingJobRequest(
            UUID.randomUUID().toString(),
            AdapterKind.QUERY_ADAPTER,
            "test",
            List.of(),
            "ragstream.feedback@0:5",
            3,
            "bge-small-en-v1.5-q",
            1L);

    assertThatThrownBy(() -> runner(fakeTrainer(), 1, EVENTS).run(query))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("QUERY_ADAPTER");
  }
}
