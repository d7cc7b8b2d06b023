package io.ragstream.trainer.launch;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a training job as a Kubernetes batch/v1 Job through the fabric8 client.
 *
 * <p><b>The Job</b> ({@link #jobFor}): name {@code ragstream-lora-<jobId>}, labels {@code
 * app.kubernetes.io/name=ragstream-trainer}, {@code app.kubernetes.io/component=llm-lora} and
 * {@value #JOB_ID_LABEL}; {@code spec.backoffLimit} and {@code spec.activeDeadlineSeconds} (the
 * job's deadline, rounded up to seconds) from config; one pod, {@code restartPolicy: Never}, one
 * container {@code trainer} running the command template with the job's paths mapped from the
 * trainer's {@link LlmLoraConfig#workDir()} to the pod's {@link
 * LlmLoraConfig.Kubernetes#mountPath()} (the same PersistentVolumeClaim), env {@code
 * RAGSTREAM_JOB_ID}, resources from config (Kubernetes API reference, batch/v1 Job).
 *
 * <p><b>Watching</b> is an informer on that one Job ({@code informOnCondition}): condition {@code
 * Complete=True} ends it {@link JobOutcome.Succeeded} when the output directory (read through the
 * trainer's mount) holds a PEFT adapter, else {@link JobOutcome.Failed}; {@code Failed=True} with
 * reason {@code DeadlineExceeded} ends it {@link JobOutcome.TimedOut}, with any other reason
 * ({@code BackoffLimitExceeded}, ...) {@link JobOutcome.Failed} naming reason and message; a Job
 * deleted by someone else ends {@link JobOutcome.Failed}. {@link JobHandle#cancel()} deletes the
 * Job with background propagation (Kubernetes then deletes its pods) and ends it {@link
 * JobOutcome.Cancelled}.
 *
 * <p>Thread-safe. The client belongs to the caller, who closes it.
 */
public final class KubernetesJobLauncher implements JobLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesJobLauncher.class);

  /** Label carrying the job id. */
  public static final String JOB_ID_LABEL = "ragstream.io/job-id";

  /** Prefix of Job names. */
  public static final String NAME_PREFIX = "ragstream-lora-";

  /** Job condition reason when {@code activeDeadlineSeconds} passed. */
  static final String DEADLINE_EXCEEDED = "DeadlineExceeded";

  private final KubernetesClient client;
  private final LlmLoraConfig.Kubernetes config;
  private final CommandTemplate command;
  private final Path workDir;
  private final Clock clock;
  private final Duration watchGrace;

  /** Default {@code watchGrace}: 5 min. */
  public static final Duration DEFAULT_WATCH_GRACE = Duration.ofMinutes(5);

  /** A launcher with the {@link #DEFAULT_WATCH_GRACE}. */
  public KubernetesJobLauncher(
      KubernetesClient client,
      LlmLoraConfig.Kubernetes config,
      CommandTemplate command,
      Path workDir,
      Clock clock) {
    this(client, config, command, workDir, clock, DEFAULT_WATCH_GRACE);
  }

  /**
   * @param client the Kubernetes client (its configured cluster and credentials)
   * @param config the Job settings
   * @param command the training command template
   * @param workDir the trainer's mount of the volume the pods mount at {@code config.mountPath()};
   *     every job path must lie below it
   * @param clock measures run times for the messages
   * @param watchGrace how long past its deadline a Job may stay without a final condition (the Job
   *     controller normally ends it at {@code activeDeadlineSeconds}); then the launcher deletes it
   *     itself and reports {@link JobOutcome.TimedOut}, so a lost Job never blocks a runner forever
   */
  public KubernetesJobLauncher(
      KubernetesClient client,
      LlmLoraConfig.Kubernetes config,
      CommandTemplate command,
      Path workDir,
      Clock clock,
      Duration watchGrace) {
    this.client = Objects.requireNonNull(client, "client");
    this.config = Objects.requireNonNull(config, "config");
    this.command = Objects.requireNonNull(command, "command");
    this.workDir = workDir.toAbsolutePath().normalize();
    this.clock = Objects.requireNonNull(clock, "clock");
    this.watchGrace = Objects.requireNonNull(watchGrace, "watchGrace");
  }

  /** The Job name of {@code jobId}. */
  public static String jobName(String jobId) {
    return NAME_PREFIX + jobId;
  }

  /**
   * The path in the pod of a trainer-local {@code path}: {@code mountPath} + its path below the
   * work directory.
   *
   * @throws IllegalArgumentException when {@code path} is not below the work directory
   */
  String podPath(Path path) {
    Path p = path.toAbsolutePath().normalize();
    if (!p.startsWith(workDir)) {
      throw new IllegalArgumentException(
          path + " is not below the work directory " + workDir + " that the pods mount");
    }
    String rel = workDir.relativize(p).toString().replace('\\', '/');
    String mount = config.mountPath().endsWith("/") ? config.mountPath() : config.mountPath() + "/";
    return rel.isEmpty() ? config.mountPath() : mount + rel;
  }

  /** The batch/v1 Job that runs {@code spec}. */
  public Job jobFor(JobSpec spec) {
    List<String> argv =
        command.render(
            Map.of(
                CommandTemplate.DATASET_DIR, podPath(spec.datasetDir()),
                CommandTemplate.TRAIN_FILE, podPath(spec.trainFile()),
                CommandTemplate.VALIDATION_FILE, podPath(spec.validationFile()),
                CommandTemplate.OUTPUT_DIR, podPath(spec.outputDir()),
                CommandTemplate.JOB_ID, spec.jobId(),
                CommandTemplate.BASE_MODEL, spec.baseModel()));
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", "ragstream-trainer");
    labels.put("app.kubernetes.io/component", "llm-lora");
    labels.put(JOB_ID_LABEL, spec.jobId());
    long deadlineSeconds = Math.max(1, (spec.deadline().toMillis() + 999) / 1000);
    return new JobBuilder()
        .withNewMetadata()
        .withName(jobName(spec.jobId()))
        .withNamespace(config.namespace())
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(config.backoffLimit())
        .withActiveDeadlineSeconds(deadlineSeconds)
        .withTtlSecondsAfterFinished(config.ttlSecondsAfterFinished())
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withServiceAccountName(config.serviceAccount())
        .addNewContainer()
        .withName("trainer")
        .withImage(config.image())
        .withCommand(argv)
        .addNewEnv()
        .withName(LocalCommandLauncher.ENV_JOB_ID)
        .withValue(spec.jobId())
        .endEnv()
        .withNewResources()
        .withRequests(quantities(config.requests()))
        .withLimits(quantities(config.limits()))
        .endResources()
        .addNewVolumeMount()
        .withName("work")
        .withMountPath(config.mountPath())
        .endVolumeMount()
        .endContainer()
        .addNewVolume()
        .withName("work")
        .withNewPersistentVolumeClaim()
        .withClaimName(config.volumeClaim())
        .endPersistentVolumeClaim()
        .endVolume()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static Map<String, Quantity> quantities(Map<String, String> values) {
    Map<String, Quantity> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, new Quantity(v)));
    return out;
  }

  @Override
  public JobHandle launch(JobSpec spec) {
    Objects.requireNonNull(spec, "spec");
    KubeJob job = new KubeJob(spec);
    Job built;
    try {
      built = jobFor(spec);
    } catch (IllegalArgumentException e) {
      job.outcome.complete(
          new JobOutcome.Failed(null, "cannot build the Kubernetes Job: " + e.getMessage()));
      return job;
    }
    Resource<Job> resource =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(config.namespace())
            .withName(built.getMetadata().getName());
    try {
      client.batch().v1().jobs().inNamespace(config.namespace()).resource(built).create();
    } catch (KubernetesClientException e) {
      LOG.warn("job {}: creating Kubernetes Job failed: {}", spec.jobId(), e.getMessage());
      job.outcome.complete(
          new JobOutcome.Failed(
              null,
              "could not create Job "
                  + config.namespace()
                  + "/"
                  + built.getMetadata().getName()
                  + ": HTTP "
                  + e.getCode()
                  + " "
                  + e.getMessage()));
      return job;
    }
    LOG.info(
        "job {} created as Kubernetes Job {}/{}",
        spec.jobId(),
        config.namespace(),
        built.getMetadata().getName());
    job.watch(resource);
    return job;
  }

  @Override
  public void close() {
    // The client is the caller's.
  }

  /** Longest wait, after a delete, for the informer to see it before it is stopped anyway. */
  static final Duration WATCH_STOP_WAIT = Duration.ofSeconds(5);

  private final class KubeJob implements JobHandle {
    private final JobSpec spec;
    private final CompletableFuture<JobOutcome> outcome = new CompletableFuture<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Instant startedAt = clock.instant();
    private volatile Resource<Job> resource;
    private volatile CompletableFuture<List<Job>> watch;

    KubeJob(JobSpec spec) {
      this.spec = spec;
    }

    void watch(Resource<Job> r) {
      this.resource = r;
      CompletableFuture<List<Job>> w =
          r.informOnCondition(jobs -> jobs.isEmpty() || terminal(jobs.get(0)).isPresent());
      this.watch = w;
      w.whenCompleteAsync(
          (jobs, error) -> {
            if (stopped.get()) {
              return; // cancel() or giveUp() completes the outcome
            }
            if (error != null) {
              outcome.complete(
                  new JobOutcome.Failed(null, "watching the Kubernetes Job failed: " + error));
            } else if (jobs.isEmpty()) {
              outcome.complete(
                  new JobOutcome.Failed(null, "Job " + name() + " was deleted before it finished"));
            } else {
              outcome.complete(finished(terminal(jobs.get(0)).orElseThrow()));
            }
          });
      CompletableFuture.delayedExecutor(
              spec.deadline().plus(watchGrace).toMillis(), TimeUnit.MILLISECONDS)
          .execute(this::giveUp);
    }

    /** The Job outlived deadline + grace without a final condition: delete it, report TIMED_OUT. */
    private void giveUp() {
      if (outcome.isDone() || !stopped.compareAndSet(false, true)) {
        return;
      }
      String deleted = delete();
      stopWatching(watch);
      outcome.complete(
          new JobOutcome.TimedOut(
              spec.deadline(),
              "Job "
                  + name()
                  + " had no final condition "
                  + watchGrace.toSeconds()
                  + " s after its deadline; "
                  + deleted));
    }

    /**
     * Stops the informer once it has seen the deletion (it then stops by itself), or after {@link
     * #WATCH_STOP_WAIT}. Deleting first and stopping the watch after is the order that leaves no
     * watch event in flight towards a closing watch: fabric8's mock API server blocks its event
     * loop when a watch closes while it is sending that watch an event (seen as 10 s timeouts of
     * the next request in KubernetesJobLauncherIT).
     */
    private void stopWatching(CompletableFuture<List<Job>> w) {
      if (w == null) {
        return;
      }
      try {
        w.get(WATCH_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        // not seen in time, or the watch failed: stop it regardless
      }
      w.cancel(false);
    }

    /** Deletes the Job with background propagation; says what happened. */
    private String delete() {
      try {
        resource.withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        return "deleted Job " + name() + " and its pods";
      } catch (KubernetesClientException e) {
        return "deleting Job " + name() + " failed (delete it by hand): " + e.getMessage();
      }
    }

    private String name() {
      return config.namespace() + "/" + jobName(spec.jobId());
    }

    @Override
    public String jobId() {
      return spec.jobId();
    }

    @Override
    public CompletableFuture<JobOutcome> outcome() {
      return outcome;
    }

    @Override
    public void cancel() {
      if (outcome.isDone() || !stopped.compareAndSet(false, true)) {
        return;
      }
      String deleted = resource == null ? "no Job to delete" : delete();
      stopWatching(watch);
      LOG.info("job {} cancelled: {}", spec.jobId(), deleted);
      outcome.complete(new JobOutcome.Cancelled("cancelled; " + deleted));
    }

    private JobOutcome finished(JobCondition condition) {
      long seconds = Duration.between(startedAt, clock.instant()).toSeconds();
      if ("Complete".equals(condition.getType())) {
        List<String> missing = PeftAdapterFiles.missing(spec.outputDir());
        if (!missing.isEmpty()) {
          return new JobOutcome.Failed(
              null,
              "Job "
                  + name()
                  + " completed but "
                  + spec.outputDir()
                  + " lacks "
                  + String.join(" and ", missing));
        }
        return new JobOutcome.Succeeded(
            spec.outputDir(),
            "Job " + name() + " completed after " + seconds + " s; adapter in " + spec.outputDir());
      }
      String detail =
          condition.getReason()
              + (condition.getMessage() == null ? "" : ": " + condition.getMessage());
      if (DEADLINE_EXCEEDED.equals(condition.getReason())) {
        return new JobOutcome.TimedOut(
            spec.deadline(), "Job " + name() + " passed activeDeadlineSeconds (" + detail + ")");
      }
      return new JobOutcome.Failed(null, "Job " + name() + " failed: " + detail);
    }
  }

  /** The Job's final condition ({@code Complete} or {@code Failed} with status True), if any. */
  static Optional<JobCondition> terminal(Job job) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> "True".equals(c.getStatus()))
        .filter(c -> "Complete".equals(c.getType()) || "Failed".equals(c.getType()))
        .findFirst();
  }
}
