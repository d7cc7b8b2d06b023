package io.ragstream.trainer.launch;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.ragstream.core.event.TrainingJobResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KubernetesJobLauncher} against fabric8's mock API server in CRUD mode: a fake of the
 * Kubernetes API server (no cluster can run here), so the test plays the Job controller by writing
 * the Job's status conditions as Kubernetes would.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesJobLauncherIT {
  private static final String NS = "training";
  private static final Duration WAIT = Duration.ofSeconds(30);

  static KubernetesClient client;
  static KubernetesMockServer server;

  @TempDir Path workDir;
  private KubernetesJobLauncher launcher;

  @BeforeEach
  void setUp() {
    LlmLoraConfig.Kubernetes config =
        new LlmLoraConfig.Kubernetes(
            NS,
            "ghcr.io/acme/trl-lora:0.12",
            "ragstream-work",
            "/work",
            "trainer",
            Map.of("cpu", "4", "memory", "32Gi"),
            Map.of("nvidia.com/gpu", "1", "memory", "48Gi"),
            0,
            3600);
    launcher =
        new KubernetesJobLauncher(
            client,
            config,
            CommandTemplate.parse(
                "training.llm-lora.command",
                List.of(
                    "python3",
                    "/opt/train/sft_lora.py",
                    "--train={train_file}",
                    "--validation={validation_file}",
                    "--output={output_dir}",
                    "--model={base_model}",
                    "--run-name=lora-{job_id}")),
            workDir,
            Clock.systemUTC(),
            Duration.ofMillis(300));
  }

  private JobSpec spec(Duration deadline) throws Exception {
    String jobId = UUID.randomUUID().toString();
    Path jobDir = workDir.resolve("jobs").resolve(jobId);
    Path dataset = jobDir.resolve("dataset");
    Files.createDirectories(dataset);
    Files.createDirectories(jobDir.resolve("output"));
    return new JobSpec(
        jobId,
        "meta-llama/Llama-3.2-1B-Instruct",
        jobDir,
        dataset,
        dataset.resolve("train.jsonl"),
        dataset.resolve("validation.jsonl"),
        jobDir.resolve("output"),
        deadline);
  }

  @Test
  void createsTheDocumentedBatchV1Job() throws Exception {
    JobSpec spec = spec(Duration.ofMillis(5400_500));
    launcher.launch(spec);

    Job job =
        client.batch().v1().jobs().inNamespace(NS).withName("ragstream-lora-" + spec.jobId()).get();
    assertThat(job).isNotNull();
    assertThat(job.getMetadata().getLabels())
        .containsEntry(KubernetesJobLauncher.JOB_ID_LABEL, spec.jobId());
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(5401L); // rounded up
    assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(3600);
    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getServiceAccountName()).isEqualTo("trainer");
    assertThat(pod.getVolumes().get(0).getPersistentVolumeClaim().getClaimName())
        .isEqualTo("ragstream-work");
    Container c = pod.getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("ghcr.io/acme/trl-lora:0.12");
    assertThat(c.getVolumeMounts().get(0).getMountPath()).isEqualTo("/work");
    String jobPath = "/work/jobs/" + spec.jobId();
    assertThat(c.getCommand())
        .containsExactly(
            "python3",
            "/opt/train/sft_lora.py",
            "--train=" + jobPath + "/dataset/train.jsonl",
            "--validation=" + jobPath + "/dataset/validation.jsonl",
            "--output=" + jobPath + "/output",
            "--model=meta-llama/Llama-3.2-1B-Instruct",
            "--run-name=lora-" + spec.jobId());
    assertThat(c.getEnv().get(0).getValue()).isEqualTo(spec.jobId());
    assertThat(c.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
    assertThat(c.getResources().getRequests()).containsEntry("memory", new Quantity("32Gi"));
  }

  @Test
  void succeedsWhenTheJobCompletesWithAnAdapter() throws Exception {
    JobSpec spec = spec(Duration.ofHours(1));
    JobHandle handle = launcher.launch(spec);
    Files.writeString(spec.outputDir().resolve(PeftAdapterFiles.CONFIG), "{}");
    Files.write(spec.outputDir().resolve(PeftAdapterFiles.WEIGHTS), new byte[] {8, 0});

    setCondition(
        spec, "Complete", "CompletionsReached", "Reached expected number of succeeded pods");
    JobOutcome outcome = handle.outcome().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOf(JobOutcome.Succeeded.class);
    assertThat(((JobOutcome.Succeeded) outcome).adapterDir()).isEqualTo(spec.outputDir());
  }

  @Test
  void failsWhenTheJobCompletesWithoutAnAdapter() throws Exception {
    JobSpec spec = spec(Duration.ofHours(1));
    JobHandle handle = launcher.launch(spec);

    setCondition(spec, "Complete", "CompletionsReached", null);
    JobOutcome outcome = handle.outcome().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOf(JobOutcome.Failed.class);
    assertThat(outcome.message()).contains("adapter_config.json and adapter_model.safetensors");
  }

  @Test
  void failsWithTheReasonWhenTheJobFails() throws Exception {
    JobSpec spec = spec(Duration.ofHours(1));
    JobHandle handle = launcher.launch(spec);
    assertThat(handle.outcome()).isNotDone();

    setCondition(
        spec, "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
    JobOutcome outcome = handle.outcome().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOf(JobOutcome.Failed.class);
    assertThat(outcome.message())
        .contains("BackoffLimitExceeded", "reached the specified backoff limit");
  }

  @Test
  void timesOutWhenKubernetesEndsTheJobAtItsDeadline() throws Exception {
    JobSpec spec = spec(Duration.ofMinutes(30));
    JobHandle handle = launcher.launch(spec);

    setCondition(
        spec, "Failed", "DeadlineExceeded", "Job was active longer than specified deadline");
    JobOutcome outcome = handle.outcome().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOf(JobOutcome.TimedOut.class);
    assertThat(outcome.outcome()).isEqualTo(TrainingJobResult.Outcome.TIMED_OUT);
    assertThat(outcome.message()).contains("longer than specified deadline");
  }

  @Test
  void cancelDeletesTheJobWithBackgroundPropagation() throws Exception {
    JobSpec spec = spec(Duration.ofHours(1));
    JobHandle handle = launcher.launch(spec);
    String name = "ragstream-lora-" + spec.jobId();
    assertThat(client.batch().v1().jobs().inNamespace(NS).withName(name).get()).isNotNull();
    // Cancel once the informer watches: a delete racing its list/watch start-up could hang the
    // mock server's GET (seen once in CI, 10 s timeout).
    awaitWatch(name);

    handle.cancel();
    JobOutcome outcome = handle.outcome().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOf(JobOutcome.Cancelled.class);
    assertThat(client.batch().v1().jobs().inNamespace(NS).withName(name).get()).isNull();
    List<RecordedRequest> deletes = new ArrayList<>();
    RecordedRequest request;
    while ((request = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
      if ("DELETE".equals(request.getMethod()) && request.getPath().contains(name)) {
        deletes.add(request);
      }
    }
    assertThat(deletes).hasSize(1);
    assertThat(deletes.get(0).getBody().readUtf8())
        .contains("\"propagationPolicy\":\"Background\"");
  }

  @Test
  void failsWhenSomeoneElseDeletesTheJob() throws Exception {
    JobSpec spec = spec(Duration.ofHours(1));
    JobHandle handle = launcher.launch(spec);
    // The mock API server does not replay events that happened between an informer's list and
    // its watch (a real one does, from the listed resourceVersion): delete once it watches.
    awaitWatch(KubernetesJobLauncher.jobName(spec.jobId()));

    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withName(KubernetesJobLauncher.jobName(spec.jobId()))
        .delete();
    JobOutcome outcome = handle.outcome().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOf(JobOutcome.Failed.class);
    assertThat(outcome.message()).contains("was deleted before it finished");
  }

  @Test
  void deletesAndTimesOutAJobThatOutlivesItsDeadlineWithoutAFinalCondition() throws Exception {
    JobSpec spec = spec(Duration.ofSeconds(1)); // watch grace 300 ms; no controller sets Failed
    JobHandle handle = launcher.launch(spec);

    JobOutcome outcome = handle.outcome().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(outcome).isInstanceOf(JobOutcome.TimedOut.class);
    assertThat(outcome.message()).contains("no final condition", "deleted Job");
    assertThat(
            client
                .batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withName(KubernetesJobLauncher.jobName(spec.jobId()))
                .get())
        .isNull();
  }

  /** Waits until the mock server has received the informer's watch request for {@code name}. */
  private static void awaitWatch(String name) throws InterruptedException {
    long end = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < end) {
      RecordedRequest r = server.takeRequest(100, TimeUnit.MILLISECONDS);
      if (r != null && r.getPath().contains("watch=true") && r.getPath().contains(name)) {
        return;
      }
    }
    throw new AssertionError("no watch request for " + name + " within " + WAIT);
  }

  /** Plays the Job controller: sets one condition with status True on the Job's status. */
  private static void setCondition(JobSpec spec, String type, String reason, String message)
      throws InterruptedException {
    awaitWatch(
        KubernetesJobLauncher.jobName(spec.jobId())); // see failsWhenSomeoneElseDeletesTheJob
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withName(KubernetesJobLauncher.jobName(spec.jobId()))
        .editStatus(
            job ->
                new JobBuilder(job)
                    .editOrNewStatus()
                    .addNewCondition()
                    .withType(type)
                    .withStatus("True")
                    .withReason(reason)
                    .withMessage(message)
                    .endCondition()
                    .endStatus()
                    .build());
  }
}
