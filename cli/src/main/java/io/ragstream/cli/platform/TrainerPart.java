package io.ragstream.cli.platform;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.cli.config.LlmLoraSettings;
import io.ragstream.cli.config.RetrainingSettings;
import io.ragstream.cli.local.LlmLoraWiring;
import io.ragstream.core.adapter.FileAdapterRegistry;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.model.Topics;
import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchMode;
import io.ragstream.trainer.adapter.EvaluationGate;
import io.ragstream.trainer.adapter.HeldOutEvaluator;
import io.ragstream.trainer.adapter.QueryAdapterJob;
import io.ragstream.trainer.config.KindPolicy;
import io.ragstream.trainer.config.TriggerConfig;
import io.ragstream.trainer.policy.TrainerTrigger;
import io.ragstream.trainer.promote.AdapterLog;
import io.ragstream.trainer.run.TrainingJobRunner;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retraining side of the platform: the trainer trigger (Kafka Streams policy over {@code
 * ragstream.drift}, {@code ragstream.feedback} and {@code ragstream.training-results}, state under
 * {@code <data-dir>/trainer-trigger}) and the in-process trainer, which runs query-adapter jobs of
 * {@code ragstream.training-jobs} on the vectors of a store, gates each candidate on held-out
 * nDCG@10, writes it to the adapter registry and promotes it on {@code ragstream.adapters}.
 *
 * <p>The registry directory ({@code trainer.registry-dir}) must be readable by every gateway at the
 * same path: a promotion carries the adapter's file URI, and gateways load it from there. The store
 * belongs to the caller.
 */
public final class TrainerPart implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrainerPart.class);

  private final Closeables parts = new Closeables();
  private TrainerTrigger trigger;
  private TrainingJobRunner runner;
  private FileAdapterRegistry registry;

  private TrainerPart() {}

  /**
   * Starts the trigger (waits up to 120 s for it to run) and the trainer. The topics of the
   * retraining loop must exist (the caller creates them).
   *
   * @param llmLora external LLM LoRA training, or null when it is off
   * @param dataDir where the trigger keeps its state
   * @param embedderId id (model + revision) of the embedder whose queries adapters are trained for
   * @param store the index whose document vectors the trainer reads (blocking reads only)
   * @param registry meter registry for the trigger's metrics
   * @throws Exception when a part does not start; nothing is left running then
   */
  public static TrainerPart start(
      RetrainingSettings retraining,
      LlmLoraSettings llmLora,
      Path dataDir,
      String bootstrapServers,
      String embedderId,
      VectorStore store,
      MeterRegistry registry)
      throws Exception {
    TrainerPart part = new TrainerPart();
    try {
      part.startAll(retraining, llmLora, dataDir, bootstrapServers, embedderId, store, registry);
      return part;
    } catch (Exception | Error e) {
      part.close();
      throw e;
    }
  }

  private void startAll(
      RetrainingSettings retraining,
      LlmLoraSettings llmLoraSettings,
      Path dataDir,
      String bootstrapServers,
      String embedderId,
      VectorStore store,
      MeterRegistry meters)
      throws Exception {
    KindPolicy queryPolicy =
        KindPolicy.defaults(AdapterKind.QUERY_ADAPTER)
            .withEmbedder(embedderId)
            .withPairs(retraining.minNewPairs(), retraining.pairsAlone())
            .withTimes(retraining.cooldown(), KindPolicy.DEFAULT_QUERY_ADAPTER_JOB_TIMEOUT);
    // Closed after the trainer (pushed first), which runs its jobs.
    LlmLoraWiring llmLora =
        parts.push(LlmLoraWiring.create(llmLoraSettings, bootstrapServers, Clock.systemUTC()));
    TriggerConfig triggerConfig =
        llmLora.addPolicy(TriggerConfig.builder(dataDir).policy(queryPolicy)).build();
    trigger = parts.push(new TrainerTrigger(bootstrapServers, triggerConfig, meters));
    trigger.start().get(120, TimeUnit.SECONDS);

    registry = FileAdapterRegistry.open(retraining.registryDir());
    QueryAdapterJob queryJob =
        new QueryAdapterJob(
            retraining.adapterTraining(),
            store,
            registry,
            new EvaluationGate(
                new HeldOutEvaluator(store, SearchMode.DENSE, SearchFilter.NONE),
                retraining.gateMargin()),
            QueryAdapterJob.DEFAULT_GATE_FRACTION,
            Clock.systemUTC());
    AdapterLog adapterLog =
        parts.push(new AdapterLog(bootstrapServers, Topics.ADAPTERS, Duration.ofSeconds(60)));
    runner =
        parts.push(
            new TrainingJobRunner(
                    bootstrapServers,
                    queryJob,
                    llmLora.runner(),
                    registry,
                    adapterLog,
                    Duration.ofMinutes(2),
                    llmLora.maxJobTime(KindPolicy.DEFAULT_QUERY_ADAPTER_JOB_TIMEOUT),
                    Clock.systemUTC())
                .bindTo(meters));
    runner.start();
    LOG.info("Trainer trigger and trainer running; adapters registered in {}", registry.root());
  }

  /** The trigger's Kafka Streams state ({@code RUNNING} once started). */
  public KafkaStreams.State triggerState() {
    return trigger.state();
  }

  /** True while the trigger runs (or rebalances) and has not failed. */
  public boolean running() {
    KafkaStreams.State s = trigger.state();
    return (s == KafkaStreams.State.RUNNING || s == KafkaStreams.State.REBALANCING)
        && !trigger.terminated().isCompletedExceptionally();
  }

  /** False once the trigger has failed (it does not restart by itself). */
  public boolean healthy() {
    return !trigger.terminated().isCompletedExceptionally();
  }

  /** Training jobs the trainer has finished (promoted, rejected or failed). */
  public long jobsFinished() {
    return runner.finished();
  }

  /** The adapter registry directory. */
  public Path registryDir() {
    return registry.root();
  }

  /** Stops the trainer, the adapter log and the trigger. */
  @Override
  public void close() {
    parts.close();
  }
}
