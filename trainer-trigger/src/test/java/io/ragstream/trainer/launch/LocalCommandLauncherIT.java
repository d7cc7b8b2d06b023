package io.ragstream.trainer.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ragstream.core.event.TrainingJobResult;
import io.ragstream.trainer.dataset.ChatDataset;
import io.ragstream.trainer.dataset.ChatDatasetExporter;
import io.ragstream.trainer.dataset.ChatEvents;
import io.ragstream.trainer.dataset.DatasetInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LocalCommandLauncher} running real child processes (python3 and bash). */
class LocalCommandLauncherIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private final List<LocalCommandLauncher> launchers = new ArrayList<>();

  @AfterEach
  void closeLaunchers() {
    launchers.forEach(LocalCommandLauncher::close);
  }

  private LocalCommandLauncher launcher(String... argv) {
    LocalCommandLauncher launcher =
        new LocalCommandLauncher(
            CommandTemplate.parse("training.llm-lora.command", List.of(argv)),
            Duration.ofSeconds(2),
            5,
            Clock.systemUTC());
    launchers.add(launcher);
    return launcher;
  }

  private JobSpec spec(Duration deadline) {
    String jobId = UUID.randomUUID().toString();
    Path jobDir = dir.resolve(jobId);
    ChatDataset dataset =
        new ChatDatasetExporter(false, 0.25, Clock.systemUTC())
            .export(
                DatasetInput.of(
                    List.of(
                        ChatEvents.answer(1, "Bees dance [1].", "d1"),
                        ChatEvents.answer(2, "Ants use pheromones [2].", "d2"),
                        ChatEvents.answer(3, "Both [1][2].", "d1", "d2"),
                        ChatEvents.answer(4, "Unjudged.", "d1")),
                    List.of(
                        ChatEvents.feedback(1, "d1", true),
                        ChatEvents.feedback(2, "d2", true),
                        ChatEvents.feedback(3, "d1", true))),
                jobDir.resolve("dataset"));
    return new JobSpec(
        jobId,
        "meta-llama/Llama-3.2-1B-Instruct",
        jobDir,
        dataset.dir(),
        dataset.trainFile(),
        dataset.validationFile(),
        jobDir.resolve("output"),
        deadline);
  }

  private static Path script() {
    return Path.of("src/test/resources/fake-trainer/sft_lora.py").toAbsolutePath();
  }

  @Test
  void succeedsWhenTheProcessReadsTheDatasetAndWritesAnAdapter() throws Exception {
    JobSpec spec = spec(Duration.ofSeconds(60));
    JobHandle handle =
        launcher(
                "python3",
                script().toString(),
                "{train_file}",
                "{validation_file}",
                "{output_dir}",
                "{base_model}")
            .launch(spec);

    JobOutcome outcome = handle.outcome().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOf(JobOutcome.Succeeded.class);
    assertThat(outcome.outcome()).isEqualTo(TrainingJobResult.Outcome.SUCCEEDED);
    assertThat(((JobOutcome.Succeeded) outcome).adapterDir()).isEqualTo(spec.outputDir());
    assertThat(PeftAdapterFiles.missing(spec.outputDir())).isEmpty();
    assertThat(Files.readString(spec.outputDir().resolve(PeftAdapterFiles.CONFIG)))
        .contains("\"examples\": 3")
        .contains("meta-llama/Llama-3.2-1B-Instruct");
    assertThat(Files.readString(spec.logFile())).contains("read 3 examples", "saved adapter");
  }

  @Test
  void failsWithTheExitCodeAndTheLogTail() throws Exception {
    JobSpec spec = spec(Duration.ofSeconds(60));
    JobHandle handle =
        launcher(
                "bash",
                "-c",
                "for i in 1 2 3 4 5 6 7; do echo line $i; done; echo 'CUDA out of memory' >&2;"
                    + " exit 3")
            .launch(spec);

    JobOutcome outcome = handle.outcome().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOf(JobOutcome.Failed.class);
    JobOutcome.Failed failed = (JobOutcome.Failed) outcome;
    assertThat(failed.exitCode()).isEqualTo(3);
    assertThat(failed.message())
        .startsWith("exit code 3")
        .contains("CUDA out of memory", "line 7", "line 4")
        .doesNotContain("line 3"); // 5 lines of tail
  }

  @Test
  void failsNamingTheMissingAdapterFileWhenExitZeroLeavesNoAdapter() throws Exception {
    JobSpec spec = spec(Duration.ofSeconds(60));
    JobHandle handle =
        launcher("bash", "-c", "echo '{{}}' > '{output_dir}/adapter_config.json'").launch(spec);

    JobOutcome outcome = handle.outcome().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOf(JobOutcome.Failed.class);
    assertThat(outcome.message())
        .contains("exit code 0", PeftAdapterFiles.WEIGHTS)
        .doesNotContain("lacks " + PeftAdapterFiles.CONFIG);
  }

  @Test
  void failsWhenTheProgramDoesNotExist() throws Exception {
    JobHandle handle = launcher("/nonexistent/trainer", "{train_file}").launch(spec(WAIT));

    JobOutcome outcome = handle.outcome().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOf(JobOutcome.Failed.class);
    assertThat(outcome.message()).contains("could not start /nonexistent/trainer");
  }

  @Test
  void timesOutAndKillsTheProcessTree() throws Exception {
    JobSpec spec = spec(Duration.ofMillis(1500));
    Path pids = dir.resolve("pids-timeout");
    JobHandle handle = launcher("bash", "-c", sleeper(pids)).launch(spec);
    List<Long> tree = awaitPids(pids);

    JobOutcome outcome = handle.outcome().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOf(JobOutcome.TimedOut.class);
    assertThat(outcome.outcome()).isEqualTo(TrainingJobResult.Outcome.TIMED_OUT);
    assertThat(((JobOutcome.TimedOut) outcome).deadline()).isEqualTo(Duration.ofMillis(1500));
    assertGone(tree);
  }

  @Test
  void cancelStopsTheProcessTree() throws Exception {
    JobSpec spec = spec(Duration.ofMinutes(5));
    Path pids = dir.resolve("pids-cancel");
    JobHandle handle = launcher("bash", "-c", sleeper(pids)).launch(spec);
    List<Long> tree = awaitPids(pids);
    assertThat(handle.outcome()).isNotDone();

    handle.cancel();
    handle.cancel(); // idempotent
    JobOutcome outcome = handle.outcome().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOf(JobOutcome.Cancelled.class);
    assertThat(outcome.outcome()).isEqualTo(TrainingJobResult.Outcome.CANCELLED);
    assertGone(tree);
  }

  /** A bash script that starts a child sleeping 300 s, writes "bash-pid child-pid" and waits. */
  private static String sleeper(Path pids) {
    return "sleep 300 & child=$!; echo \"$$ $child\" > '"
        + pids
        + ".tmp'; mv '"
        + pids
        + ".tmp' '"
        + pids
        + "'; wait $child";
  }

  private static List<Long> awaitPids(Path pids) throws IOException {
    await().atMost(WAIT).until(() -> Files.exists(pids));
    return java.util.Arrays.stream(Files.readString(pids).trim().split(" "))
        .map(Long::parseLong)
        .toList();
  }

  private static void assertGone(List<Long> pids) {
    assertThat(pids).hasSize(2);
    for (long pid : pids) {
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
                      .as("pid %d", pid)
                      .isNotEqualTo(java.util.Optional.of(true)));
    }
  }
}
