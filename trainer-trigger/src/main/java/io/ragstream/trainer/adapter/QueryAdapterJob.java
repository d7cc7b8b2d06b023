package io.ragstream.trainer.adapter;

import io.ragstream.core.adapter.AdapterRegistry;
import io.ragstream.core.adapter.LoraAdapter;
import io.ragstream.core.adapter.RegisteredAdapter;
import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.event.TrainingJobRequest;
import io.ragstream.core.event.TrainingJobResult;
import io.ragstream.core.port.VectorStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One in-process query-adapter training job, end to end: read the pairs ({@link
 * TrainingPairSource}), hold out {@code gateFraction} of the queries, train ({@link
 * QueryAdapterTrainer}) on the rest, register the adapter ({@link AdapterRegistry}), gate it
 * against the serving adapter or the base model ({@link EvaluationGate}), and say what happened as
 * the {@link AdapterEvent}s to publish on {@code ragstream.adapters} (CANDIDATE, then PROMOTED or
 * REJECTED) and the {@link TrainingJobResult} for {@code ragstream.training-results}. Publishing
 * and the gateway's swap are the caller's; this class touches no Kafka producer.
 *
 * <p>Blocks for the whole job. Not thread-safe; one job at a time.
 */
public final class QueryAdapterJob {
  /** Default share of the labelled queries held out for the gate. */
  public static final double DEFAULT_GATE_FRACTION = 0.2;

  private final AdapterTrainingConfig config;
  private final VectorStore store;
  private final AdapterRegistry registry;
  private final EvaluationGate gate;
  private final double gateFraction;
  private final Clock clock;

  /**
   * @param gateFraction share of the labelled queries held out for the gate, in (0, 0.5]
   */
  public QueryAdapterJob(
      AdapterTrainingConfig config,
      VectorStore store,
      AdapterRegistry registry,
      EvaluationGate gate,
      double gateFraction,
      Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.store = Objects.requireNonNull(store, "store");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.gate = Objects.requireNonNull(gate, "gate");
    if (!(gateFraction > 0 && gateFraction <= 0.5)) {
      throw new IllegalArgumentException("gateFraction must be in (0, 0.5], was " + gateFraction);
    }
    this.gateFraction = gateFraction;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * What a job produced.
   *
   * @param registered the registered candidate
   * @param training the training outcome
   * @param decision the gate's decision
   * @param events the events to publish, in order: CANDIDATE, then PROMOTED or REJECTED
   * @param result the job's result
   */
  public record Outcome(
      RegisteredAdapter registered,
      TrainingOutcome training,
      GateDecision decision,
      List<AdapterEvent> events,
      TrainingJobResult result) {
    public Outcome {
      events = List.copyOf(events);
    }

    /** The adapter that serves after the job: the candidate when promoted, else unchanged. */
    public boolean promoted() {
      return decision.promote();
    }
  }

  /**
   * Runs {@code request} on the pairs of {@code source}.
   *
   * @param serving the serving adapter, or null when the base model serves
   * @throws IllegalArgumentException when the request is not a {@link AdapterKind#QUERY_ADAPTER}
   *     job, or the serving adapter is for another embedder, or there are too few labelled queries
   *     (see {@link QueryAdapterTrainer#train})
   */
  public Outcome run(TrainingJobRequest request, TrainingPairSource source, LoraAdapter serving) {
    if (request.kind() != AdapterKind.QUERY_ADAPTER) {
      throw new IllegalArgumentException("not a query-adapter job: " + request.kind());
    }
    long startedAt = clock.millis();
    String embedder = request.embedder();
    if (serving != null) serving.requireCompatible(embedder, serving.dimension());
    String parent = serving == null ? AdapterEvent.BASE : serving.adapterId();
    List<TrainingPair> pairs = source.pairs();
    PairSplit split = PairSplit.byQuery(pairs, gateFraction, config.seed());
    TrainingOutcome training = new QueryAdapterTrainer(config, store).train(split.kept(), embedder);
    Map<String, Double> trainMetrics = new LinkedHashMap<>();
    trainMetrics.put("train.seconds", training.seconds());
    trainMetrics.put("train.epochs", (double) (training.epochs().size() - 1));
    trainMetrics.put("train.best-epoch", (double) training.bestEpoch());
    trainMetrics.put("train.pairs", (double) training.trainPairs());
    trainMetrics.put("validation.initial", training.baselineValidation());
    trainMetrics.put("validation.best", training.bestValidation());
    LoraAdapter candidate = training.adapter();
    // Gated before registering, so that the registry records the gate's figures with the adapter.
    GateDecision decision = gate.decide(candidate, serving, split.heldOut());
    Map<String, Double> metrics = new LinkedHashMap<>(trainMetrics);
    metrics.putAll(decision.metrics());
    RegisteredAdapter registered = registry.register(candidate, metrics, parent, request.jobId());
    decision =
        new GateDecision(
            decision.promote(),
            registered.adapterId(),
            decision.servingId(),
            decision.candidate(),
            decision.serving(),
            decision.margin(),
            decision.queries(),
            decision.reason());
    long now = clock.millis();
    List<AdapterEvent> events = new ArrayList<>();
    String uri = registered.uri().toString();
    events.add(
        new AdapterEvent(
            registered.adapterId(),
            AdapterKind.QUERY_ADAPTER,
            embedder,
            uri,
            AdapterEvent.Status.CANDIDATE,
            metrics,
            parent,
            request.jobId(),
            "trained on "
                + training.trainPairs()
                + " pairs in "
                + String.format(java.util.Locale.ROOT, "%.1f", training.seconds())
                + " s",
            now));
    events.add(
        new AdapterEvent(
            registered.adapterId(),
            AdapterKind.QUERY_ADAPTER,
            embedder,
            uri,
            decision.promote() ? AdapterEvent.Status.PROMOTED : AdapterEvent.Status.REJECTED,
            metrics,
            parent,
            request.jobId(),
            decision.reason(),
            now));
    TrainingJobResult result =
        new TrainingJobResult(
            request.jobId(),
            AdapterKind.QUERY_ADAPTER,
            TrainingJobResult.Outcome.SUCCEEDED,
            registered.adapterId(),
            registered.adapterId() + " " + decision.reason(),
            startedAt,
            Math.max(startedAt, now));
    return new Outcome(registered, training, decision, events, result);
  }
}
