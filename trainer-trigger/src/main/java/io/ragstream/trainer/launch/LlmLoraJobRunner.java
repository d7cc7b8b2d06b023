package io.ragstream.trainer.launch;

import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.event.TrainingJobRequest;
import io.ragstream.core.event.TrainingJobResult;
import io.ragstream.core.event.TrainingJobResult.Outcome;
import io.ragstream.trainer.dataset.ChatDataset;
import io.ragstream.trainer.dataset.ChatDatasetExporter;
import io.ragstream.trainer.dataset.DatasetInput;
import io.ragstream.trainer.dataset.DatasetSource;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link TrainingJobRequest} of kind {@link AdapterKind#LLM_LORA} end to end: reads the
 * events ({@link DatasetSource}), exports the chat dataset to {@code
 * <work-dir>/jobs/<jobId>/dataset}, launches the job ({@link JobLauncher}) with its output in
 * {@code <work-dir>/jobs/<jobId>/output}, waits for its outcome, registers the adapter ({@link
 * AdapterSink}) and loads it into vLLM under {@link VllmAdapterLoader#servedName} (when vLLM is
 * configured), and returns the {@link TrainingJobResult} to publish.
 *
 * <p>Outcomes: SUCCEEDED only when the adapter is registered and (with vLLM) loaded, {@code
 * adapterId} set; FAILED when the dataset reference is bad or cannot be read, fewer than {@code
 * dataset.min-examples} examples were selected (nothing is launched), the job failed, the adapter
 * could not be registered, or vLLM refused it (the message then names the registered adapter id);
 * TIMED_OUT and CANCELLED as the launcher reports them ({@link #cancel}). Any other exception also
 * ends in a FAILED result (logged), so every request gets a result.
 *
 * <p>{@link #run} blocks for the whole job; run jobs on their own threads. Thread-safe.
 */
public final class LlmLoraJobRunner {
  private static final Logger LOG = LoggerFactory.getLogger(LlmLoraJobRunner.class);

  private final LlmLoraConfig config;
  private final DatasetSource source;
  private final ChatDatasetExporter exporter;
  private final JobLauncher launcher;
  private final AdapterSink sink;
  private final VllmAdapterLoader vllm;
  private final Clock clock;
  private final Map<String, JobHandle> running = new ConcurrentHashMap<>();
  private final Set<String> cancelled = ConcurrentHashMap.newKeySet();

  /**
   * @param config job settings
   * @param source where the dataset's events come from
   * @param launcher runs the job
   * @param sink registers adapters
   * @param vllm loads adapters; {@code null} exactly when {@code config.vllm()} is null
   * @param clock stamps {@code startedAt}/{@code endedAt} and the dataset
   */
  public LlmLoraJobRunner(
      LlmLoraConfig config,
      DatasetSource source,
      JobLauncher launcher,
      AdapterSink sink,
      VllmAdapterLoader vllm,
      Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.source = Objects.requireNonNull(source, "source");
    this.launcher = Objects.requireNonNull(launcher, "launcher");
    this.sink = Objects.requireNonNull(sink, "sink");
    if ((vllm == null) != (config.vllm() == null)) {
      throw new IllegalArgumentException(
          "vllm loader must be given exactly when training.llm-lora.vllm is configured");
    }
    this.vllm = vllm;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.exporter =
        new ChatDatasetExporter(config.includeExtractive(), config.validationFraction(), clock);
  }

  /** The directory of job {@code jobId}: {@code <work-dir>/jobs/<jobId>}. */
  public Path jobDir(String jobId) {
    return config.workDir().resolve("jobs").resolve(jobId);
  }

  /**
   * Runs {@code request} to its end.
   *
   * @return the result to publish on {@code ragstream.training-results}; never null
   * @throws IllegalArgumentException when {@code request} is not of kind LLM_LORA
   */
  public TrainingJobResult run(TrainingJobRequest request) {
    Objects.requireNonNull(request, "request");
    if (request.kind() != AdapterKind.LLM_LORA) {
      throw new IllegalArgumentException(
          "LlmLoraJobRunner runs LLM_LORA jobs, got " + request.kind() + " " + request.jobId());
    }
    long startedAt = clock.millis();
    String jobId = request.jobId();
    LOG.info("job {} starts: {}", jobId, request.reason());
    try {
      return finish(request, startedAt, execute(request));
    } catch (RuntimeException e) {
      // A result must still be published, or the trigger would count the job as running.
      LOG.error("job {} failed unexpectedly", jobId, e);
      return finish(request, startedAt, failed("unexpected error: " + e));
    } finally {
      running.remove(jobId);
      cancelled.remove(jobId);
    }
  }

  /**
   * Cancels job {@code jobId} if this runner runs it (or is about to launch it).
   *
   * @return whether the job was running here
   */
  public boolean cancel(String jobId) {
    cancelled.add(jobId);
    JobHandle handle = running.get(jobId);
    if (handle != null) {
      handle.cancel();
      return true;
    }
    return false;
  }

  private record Ending(Outcome outcome, String adapterId, String message) {}

  private Ending execute(TrainingJobRequest request) {
    String jobId = request.jobId();
    Path jobDir = jobDir(jobId);
    DatasetInput input;
    try {
      input = source.read(request.dataset());
    } catch (IllegalArgumentException e) {
      return failed("bad dataset reference: " + e.getMessage());
    } catch (RagstreamException e) {
      return failed("could not read the dataset " + request.dataset() + ": " + e.getMessage());
    }
    ChatDataset dataset;
    try {
      dataset = exporter.export(input, jobDir.resolve("dataset"));
    } catch (UncheckedIOException | IllegalStateException e) {
      return failed("could not export the dataset: " + e.getMessage());
    }
    int examples = dataset.examples();
    if (examples < config.minExamples()) {
      return failed(
          "only "
              + examples
              + " examples selected from "
              + input.answers().size()
              + " answers (skipped "
              + dataset.manifest().counts().skipped()
              + "); "
              + LlmLoraConfig.PREFIX
              + "dataset.min-examples is "
              + config.minExamples());
    }
    if (cancelled.contains(jobId)) {
      return new Ending(Outcome.CANCELLED, null, "cancelled before launch");
    }
    JobSpec spec =
        new JobSpec(
            jobId,
            config.baseModel(),
            jobDir,
            dataset.dir(),
            dataset.trainFile(),
            dataset.validationFile(),
            jobDir.resolve("output"),
            config.deadline());
    long launchedAt = clock.millis();
    JobHandle handle = launcher.launch(spec);
    running.put(jobId, handle);
    if (cancelled.contains(jobId)) {
      handle.cancel(); // cancel() ran between the check and the put
    }
    JobOutcome outcome = await(handle);
    LOG.info("job {} ended {}: {}", jobId, outcome.outcome(), outcome.message());
    if (!(outcome instanceof JobOutcome.Succeeded succeeded)) {
      return new Ending(outcome.outcome(), null, outcome.message());
    }
    RegisteredAdapter registered;
    try {
      registered =
          sink.register(
              new TrainedAdapter(
                  jobId,
                  config.baseModel(),
                  succeeded.adapterDir(),
                  Map.of(
                      "train.seconds", (clock.millis() - launchedAt) / 1000.0,
                      "dataset.examples", (double) examples,
                      "dataset.train", (double) dataset.manifest().counts().train(),
                      "dataset.validation", (double) dataset.manifest().counts().validation()),
                  dataset.manifest().sources()));
    } catch (RagstreamException | UncheckedIOException | IllegalStateException e) {
      return failed("trained, but registering the adapter failed: " + e.getMessage());
    }
    String trained =
        "trained on " + examples + " examples; registered as " + registered.adapterId();
    if (vllm == null) {
      return new Ending(
          Outcome.SUCCEEDED, registered.adapterId(), trained + "; no vLLM configured to load it");
    }
    String name =
        VllmAdapterLoader.servedName(config.vllm().adapterNamePrefix(), registered.adapterId());
    String path =
        config.vllm().adapterRoot() == null
            ? registered.directory().toAbsolutePath().toString()
            : config.vllm().adapterRoot() + "/" + registered.adapterId();
    try {
      vllm.load(name, path);
    } catch (RagstreamException e) {
      return failed(
          trained + ", but loading it into vLLM as " + name + " failed: " + e.getMessage());
    }
    return new Ending(
        Outcome.SUCCEEDED,
        registered.adapterId(),
        trained + "; vLLM serves it as model '" + name + "'");
  }

  private static JobOutcome await(JobHandle handle) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return handle.outcome().get();
        } catch (InterruptedException e) {
          interrupted = true;
          handle.cancel(); // the runner is stopping: do not leave the job behind
        } catch (ExecutionException e) {
          return new JobOutcome.Failed(null, "launcher failed: " + e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Ending failed(String message) {
    return new Ending(Outcome.FAILED, null, message);
  }

  private TrainingJobResult finish(TrainingJobRequest request, long startedAt, Ending ending) {
    return new TrainingJobResult(
        request.jobId(),
        request.kind(),
        ending.outcome(),
        ending.adapterId(),
        ending.message(),
        startedAt,
        Math.max(startedAt, clock.millis()));
  }
}
