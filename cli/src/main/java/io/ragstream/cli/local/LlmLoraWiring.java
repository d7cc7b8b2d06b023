package io.ragstream.cli.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.ragstream.cli.config.LlmLoraSettings;
import io.ragstream.core.model.Topics;
import io.ragstream.trainer.config.KindPolicy;
import io.ragstream.trainer.config.TriggerConfig;
import io.ragstream.trainer.dataset.KafkaDatasetReader;
import io.ragstream.trainer.launch.DirectoryAdapterSink;
import io.ragstream.trainer.launch.JobLauncher;
import io.ragstream.trainer.launch.KubernetesJobLauncher;
import io.ragstream.trainer.launch.LlmLoraConfig;
import io.ragstream.trainer.launch.LlmLoraJobRunner;
import io.ragstream.trainer.launch.LocalCommandLauncher;
import io.ragstream.trainer.launch.VllmAdapterLoader;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the parts of external LLM LoRA training for the trainer of {@code ragstream local} from
 * {@link LlmLoraSettings} (docs/llm-lora.md): the dataset source ({@link KafkaDatasetReader} over
 * {@code ragstream.feedback} and {@code ragstream.answers}), the launcher ({@link
 * LocalCommandLauncher}, or {@link KubernetesJobLauncher} with a fabric8 client configured from the
 * default kubeconfig or the pod's service account), the registry ({@link DirectoryAdapterSink}) and
 * the vLLM loader ({@link VllmAdapterLoader} on a Vert.x instance of its own), wired into an {@link
 * LlmLoraJobRunner}; and the trigger policy of kind {@code LLM_LORA}.
 *
 * <p>When the settings are {@code null} (LLM LoRA off) nothing is built: {@link #runner()} is
 * {@code null}, {@link #addPolicy} adds nothing, and {@link #close()} does nothing, so the caller
 * wires both cases the same way. {@link #close()} closes what was built, in reverse order; close it
 * after the trainer that uses the runner.
 */
public final class LlmLoraWiring implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LlmLoraWiring.class);

  /** Time beyond the kill grace that {@link #close()} waits for cancelled jobs to end. */
  static final Duration STOP_MARGIN = Duration.ofSeconds(10);

  private final LlmLoraSettings settings;
  private final LlmLoraJobRunner runner;
  private final Deque<AutoCloseable> closeables;

  private LlmLoraWiring(
      LlmLoraSettings settings, LlmLoraJobRunner runner, Deque<AutoCloseable> closeables) {
    this.settings = settings;
    this.runner = runner;
    this.closeables = closeables;
  }

  /**
   * Builds the runner of {@code settings}.
   *
   * @param settings the LLM LoRA settings; {@code null} when LLM LoRA training is off
   * @param bootstrapServers Kafka's {@code bootstrap.servers}, for the dataset
   * @param clock stamps jobs, datasets and adapter ids
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the Kubernetes client
   *     cannot be configured (launcher {@code kubernetes})
   */
  public static LlmLoraWiring create(
      LlmLoraSettings settings, String bootstrapServers, Clock clock) {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(clock, "clock");
    Deque<AutoCloseable> closeables = new ArrayDeque<>();
    if (settings == null) {
      return new LlmLoraWiring(null, null, closeables);
    }
    LlmLoraConfig config = settings.config();
    try {
      JobLauncher launcher;
      if (config.launcher() == LlmLoraConfig.Launcher.KUBERNETES) {
        KubernetesClient client = new KubernetesClientBuilder().build();
        closeables.push(client);
        launcher =
            new KubernetesJobLauncher(
                client, config.kubernetes(), config.commandTemplate(), config.workDir(), clock);
      } else {
        launcher =
            new LocalCommandLauncher(
                config.commandTemplate(), config.killGrace(), config.logTailLines(), clock);
      }
      closeables.push(launcher);
      VllmAdapterLoader loader = null;
      if (config.vllm() != null) {
        Vertx vertx = Vertx.vertx();
        closeables.push(
            () ->
                vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
        loader = new VllmAdapterLoader(vertx, config.vllm());
        closeables.push(loader);
      }
      LlmLoraJobRunner runner =
          new LlmLoraJobRunner(
              config,
              new KafkaDatasetReader(
                  bootstrapServers, Map.of(), Topics.ANSWERS, settings.datasetTimeout(), clock),
              launcher,
              new DirectoryAdapterSink(settings.registryDir(), clock),
              loader,
              clock);
      LOG.info(
          "LLM LoRA jobs: launcher {}, work dir {}, registry {}, vLLM {}",
          config.launcher(),
          config.workDir(),
          settings.registryDir(),
          config.vllm() == null ? "none (adapters are registered, not loaded)" : config.vllm());
      return new LlmLoraWiring(settings, runner, closeables);
    } catch (RuntimeException e) {
      new LlmLoraWiring(settings, null, closeables).close();
      throw e;
    }
  }

  /** The runner for {@code TrainingJobRunner}; {@code null} when LLM LoRA training is off. */
  public LlmLoraJobRunner runner() {
    return runner;
  }

  /**
   * Adds the {@code LLM_LORA} {@link KindPolicy} (enabled) to {@code builder} when LLM LoRA
   * training is on; leaves it unchanged otherwise.
   *
   * @return {@code builder}
   */
  public TriggerConfig.Builder addPolicy(TriggerConfig.Builder builder) {
    return settings == null ? builder : builder.policy(settings.policy());
  }

  /**
   * The longest a trainer job may run: the larger of {@code otherJobs} and the LLM LoRA trigger's
   * job timeout (which is longer than the job's deadline), for the trainer's Kafka {@code
   * max.poll.interval.ms}.
   */
  public Duration maxJobTime(Duration otherJobs) {
    if (settings == null) return otherJobs;
    Duration llm = settings.policy().jobTimeout();
    return llm.compareTo(otherJobs) > 0 ? llm : otherJobs;
  }

  /**
   * Waits until the cancelled jobs have ended (a local process tree gets SIGKILL after the kill
   * grace; the launcher's timer that sends it must outlive the wait), at most {@code bound}.
   */
  private void awaitStopped(Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    try {
      while (runner.runningJobs() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (runner.runningJobs() > 0) {
      LOG.warn("{} LLM LoRA job(s) still stopping after {}", runner.runningJobs(), bound);
    }
  }

  /**
   * Cancels the jobs still running ({@link LlmLoraJobRunner#cancelAll()}: a local process tree is
   * stopped, a Kubernetes Job deleted) and waits up to the kill grace + {@link #STOP_MARGIN} for
   * them to end, then closes the vLLM loader, the launcher and the clients; idempotent.
   */
  @Override
  public void close() {
    if (runner != null) {
      int cancelled = runner.cancelAll();
      if (cancelled > 0) {
        LOG.info("Cancelled {} running LLM LoRA job(s) on shutdown", cancelled);
        awaitStopped(settings.config().killGrace().plus(STOP_MARGIN));
      }
    }
    while (!closeables.isEmpty()) {
      AutoCloseable c = closeables.pop();
      try {
        c.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        LOG.warn("closing {} failed: {}", c, e.toString());
      }
    }
  }
}
