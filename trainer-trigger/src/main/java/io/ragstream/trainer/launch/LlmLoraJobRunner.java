package io.ragstream.trainer.launch;

import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.event.TrainingJobRequest;
import io.ragstream.core.event.TrainingJobResult;
import io.ragstream.trainer.dataset.ChatDataset;
import io.ragstream.trainer.dataset.ChatDatasetExporter;
import io.ragstream.trainer.dataset.DatasetInput;
import io.ragstream.trainer.dataset.DatasetSource;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
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
 * <p>{@link #train} also returns the {@link AdapterEvent}s to publish on {@code ragstream.adapters}
 * (key {@code LLM_LORA:<base-model>}): a registered adapter is a CANDIDATE; once vLLM has loaded it
 * under its new name it is PROMOTED with that {@link AdapterEvent#servedName()} (there is no
 * quality gate for LLM adapters: loading is the promotion); when vLLM refused it, it is REJECTED
 * with vLLM's reason. Without vLLM the CANDIDATE is the only event. Nothing is registered, so no
 * event is returned, when the job did not succeed.
 *
 * <p>{@link #run} and {@link #train} block for the whole job; run jobs on their own threads.
 * Thread-safe.
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
   * What a job came to: the events to publish on {@code ragstream.adapters} first, then the result
   * for {@code ragstream.training-results}.
   *
   * @param events the adapter's CANDIDATE and then PROMOTED or REJECTED event, in order; empty when
   *     no adapter was registered
   * @param result the job's result; never null
   */
  public record Outcome(List<AdapterEvent> events, TrainingJobResult result) {
    public Outcome {
      events = List.copyOf(events);
      Objects.requireNonNull(result, "result");
    }
  }

  /** The base model every adapter of this runner is for: the {@code embedder} of its events. */
  public String baseModel() {
    return config.baseModel();
  }

  /**
   * Runs {@code request} to its end.
   *
   * @return the result to publish on {@code ragstream.training-results}; never null
   * @throws IllegalArgumentException when {@code request} is not of kind LLM_LORA
   */
  public TrainingJobResult run(TrainingJobRequest request) {
    return train(request, null).result();
  }

  /**
   * Runs {@code request} to its end and says which adapter events it produced (see the class
   * comment).
   *
   * @param parent the LLM adapter serving when the job started (the {@code adapterId} of the latest
   *     PROMOTED event of key {@code LLM_LORA:<base-model>}, or {@link AdapterEvent#BASE}); {@code
   *     null} when unknown; becomes the events' {@code parent}
   * @return the events and the result; never null
   * @throws IllegalArgumentException when {@code request} is not of kind LLM_LORA
   */
  public Outcome train(TrainingJobRequest request, String parent) {
    Objects.requireNonNull(request, "request");
    if (request.kind() != AdapterKind.LLM_LORA) {
      throw new IllegalArgumentException(
          "LlmLoraJobRunner runs LLM_LORA jobs, got " + request.kind() + " " + request.jobId());
    }
    long startedAt = clock.millis();
    String jobId = request.jobId();
    LOG.info("job {} starts: {}", jobId, request.reason());
    try {
      Ending ending = execute(request);
      return new Outcome(events(request, parent, ending), finish(request, startedAt, ending));
    } catch (RuntimeException e) {
      // A result must still be published, or the trigger would count the job as running.
      LOG.error("job {} failed unexpectedly", jobId, e);
      return new Outcome(List.of(), finish(request, startedAt, failed("unexpected error: " + e)));
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

  /**
   * How {@link #execute} ended; {@code registered} and {@code metrics} are set once the adapter is
   * registered, {@code servedName} once vLLM loaded it, {@code refusal} when vLLM refused it.
   */
  /**
   * Cancels every job this runner is running (on shutdown, so no training process outlives the
   * trainer); each ends CANCELLED.
   *
   * @return how many jobs were cancelled
   */
  public int cancelAll() {
    int n = 0;
    for (String jobId : List.copyOf(running.keySet())) {
      if (cancel(jobId)) n++;
    }
    return n;
  }

  /** How many jobs this runner is running now (launched and not yet ended). */
  public int runningJobs() {
    return running.size();
  }

  private record Ending(
      TrainingJobResult.Outcome outcome,
      String adapterId,
      String message,
      RegisteredAdapter registered,
      Map<String, Double> metrics,
      String servedName,
      String refusal) {
    Ending(TrainingJobResult.Outcome outcome, String adapterId, String message) {
      this(outcome, adapterId, message, null, Map.of(), null, null);
    }
  }

  private List<AdapterEvent> events(TrainingJobRequest request, String parent, Ending ending) {
    RegisteredAdapter registered = ending.registered();
    if (registered == null) {
      return List.of();
    }
    List<AdapterEvent> events = new ArrayList<>();
    String uri = registered.directory().toAbsolutePath().toUri().toString();
    events.add(
        new AdapterEvent(
            registered.adapterId(),
            AdapterKind.LLM_LORA,
            config.baseModel(),
            uri,
            AdapterEvent.Status.CANDIDATE,
            ending.metrics(),
            parent,
            request.jobId(),
            "trained on "
                + ending.metrics().getOrDefault("dataset.examples", 0.0).intValue()
                + " examples and registered",
            clock.millis()));
    if (ending.servedName() != null) {
      events.add(
          new AdapterEvent(
              registered.adapterId(),
              AdapterKind.LLM_LORA,
              config.baseModel(),
              uri,
              AdapterEvent.Status.PROMOTED,
              ending.metrics(),
              parent,
              request.jobId(),
              "loaded into vLLM as model '"
                  + ending.servedName()
                  + "'; no quality gate for LLM adapters: loading promotes",
              clock.millis(),
              ending.servedName()));
    } else if (ending.refusal() != null) {
      events.add(
          new AdapterEvent(
              registered.adapterId(),
              AdapterKind.LLM_LORA,
              config.baseModel(),
              uri,
              AdapterEvent.Status.REJECTED,
              ending.metrics(),
              parent,
              request.jobId(),
              ending.refusal(),
              clock.millis()));
    }
    return events;
  }

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
      return new Ending(TrainingJobResult.Outcome.CANCELLED, null, "cancelled before launch");
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
    Map<String, Double> metrics =
        Map.of(
            "train.seconds", (clock.millis() - launchedAt) / 1000.0,
            "dataset.examples", (double) examples,
            "dataset.train", (double) dataset.manifest().counts().train(),
            "dataset.validation", (double) dataset.manifest().counts().validation());
    try {
      registered =
          sink.register(
              new TrainedAdapter(
                  jobId,
                  config.baseModel(),
                  succeeded.adapterDir(),
                  metrics,
                  dataset.manifest().sources()));
    } catch (RagstreamException | UncheckedIOException | IllegalStateException e) {
      return failed("trained, but registering the adapter failed: " + e.getMessage());
    }
    String trained =
        "trained on " + examples + " examples; registered as " + registered.adapterId();
    if (vllm == null) {
      return new Ending(
          TrainingJobResult.Outcome.SUCCEEDED,
          registered.adapterId(),
          trained + "; no vLLM configured to load it",
          registered,
          metrics,
          null,
          null);
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
      String refusal = "loading it into vLLM as " + name + " failed: " + e.getMessage();
      return new Ending(
          TrainingJobResult.Outcome.FAILED,
          null,
          trained + ", but " + refusal,
          registered,
          metrics,
          null,
          refusal);
    }
    return new Ending(
        TrainingJobResult.Outcome.SUCCEEDED,
        registered.adapterId(),
        trained + "; vLLM serves it as model '" + name + "'",
        registered,
        metrics,
        name,
        null);
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
    return new Ending(TrainingJobResult.Outcome.FAILED, null, message);
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
