package io.ragstream.trainer.run;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ragstream.core.adapter.AdapterRegistry;
import io.ragstream.core.adapter.LoraAdapter;
import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.event.TrainingJobRequest;
import io.ragstream.core.event.TrainingJobResult;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.Topics;
import io.ragstream.trainer.adapter.KafkaTrainingPairSource;
import io.ragstream.trainer.adapter.QueryAdapterJob;
import io.ragstream.trainer.launch.LlmLoraJobRunner;
import io.ragstream.trainer.promote.AdapterLog;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer: runs every {@link TrainingJobRequest} of {@code ragstream.training-jobs}, one at a
 * time, and publishes what came of it: {@link AdapterEvent}s on {@code ragstream.adapters} (the
 * query adapter's CANDIDATE, then PROMOTED or REJECTED by the evaluation gate) and one {@link
 * TrainingJobResult} on {@code ragstream.training-results}, which ends the job for the trigger. LLM
 * LoRA adapters are announced too: CANDIDATE when registered, PROMOTED with the name vLLM serves
 * them under once loaded ({@link AdapterEvent#servedName()}), REJECTED when vLLM refused them
 * (docs/llm-lora.md).
 *
 * <ul>
 *   <li>{@link AdapterKind#QUERY_ADAPTER}: the labelled pairs up to the request's {@code dataset}
 *       position ({@link KafkaTrainingPairSource}), trained, gated against the adapter serving now
 *       (the latest promotion on {@code ragstream.adapters}) and registered by {@link
 *       QueryAdapterJob}.
 *   <li>{@link AdapterKind#LLM_LORA}: {@link LlmLoraJobRunner} (dataset export, external launcher,
 *       vLLM load); FAILED at once when none is configured.
 * </ul>
 *
 * <p>Delivery: consumer group {@value #GROUP}, offsets committed after a job's result is published,
 * so a job interrupted by a crash runs again (at least once; a re-run registers a new adapter id,
 * never overwrites one). Any exception of a job ends it FAILED with the reason; the runner goes on.
 * A malformed request is logged and counted.
 */
public final class TrainingJobRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingJobRunner.class);

  /** Consumer group of the trainer. */
  public static final String GROUP = "ragstream-trainer";

  /**
   * Counter of ended training jobs, tags {@code kind} and {@code outcome} (a {@link
   * TrainingJobResult.Outcome}); scraped as {@code ragstream_training_jobs_total}.
   */
  public static final String JOBS = "ragstream.training.jobs";

  /**
   * Timer of a job's run time (its result's {@code endedAt - startedAt}), tags {@code kind} and
   * {@code outcome}; scraped as {@code ragstream_training_job_duration_seconds_*}.
   */
  public static final String DURATION = "ragstream.training.job.duration";

  /**
   * Counter of malformed requests skipped; scraped as {@code
   * ragstream_training_jobs_malformed_total}.
   */
  public static final String MALFORMED = "ragstream.training.jobs.malformed";

  private final String bootstrapServers;
  private final QueryAdapterJob queryAdapterJob;
  private final LlmLoraJobRunner llmLoraRunner;
  private final AdapterRegistry registry;
  private final AdapterLog adapterLog;
  private final Duration readTimeout;
  private final Duration maxJobTime;
  private final Clock clock;
  private final KafkaProducer<String, byte[]> producer;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong malformed = new AtomicLong();
  private final AtomicLong finished = new AtomicLong();
  private volatile MeterRegistry meters;
  private KafkaConsumer<String, byte[]> consumer;
  private Thread thread;

  /**
   * @param bootstrapServers Kafka's {@code bootstrap.servers}
   * @param queryAdapterJob trains, gates and registers query adapters
   * @param llmLoraRunner runs LLM LoRA jobs; null when none is configured
   * @param registry the query adapter registry (to load the serving adapter)
   * @param adapterLog reads and writes {@code ragstream.adapters}
   * @param readTimeout bound of reading a job's labelled pairs and the adapters history
   * @param maxJobTime the longest a job may run (Kafka's {@code max.poll.interval.ms} is set above
   *     it, so a long job does not cost the trainer its group membership)
   */
  public TrainingJobRunner(
      String bootstrapServers,
      QueryAdapterJob queryAdapterJob,
      LlmLoraJobRunner llmLoraRunner,
      AdapterRegistry registry,
      AdapterLog adapterLog,
      Duration readTimeout,
      Duration maxJobTime,
      Clock clock) {
    this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    this.queryAdapterJob = Objects.requireNonNull(queryAdapterJob, "queryAdapterJob");
    this.llmLoraRunner = llmLoraRunner;
    this.registry = Objects.requireNonNull(registry, "registry");
    this.adapterLog = Objects.requireNonNull(adapterLog, "adapterLog");
    this.readTimeout = Objects.requireNonNull(readTimeout, "readTimeout");
    this.maxJobTime = Objects.requireNonNull(maxJobTime, "maxJobTime");
    this.clock = Objects.requireNonNull(clock, "clock");
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  /**
   * Records ended jobs ({@link #JOBS}, {@link #DURATION}) and malformed requests ({@link
   * #MALFORMED}) in {@code registry}; call before {@link #start()}.
   *
   * @return this runner
   */
  public TrainingJobRunner bindTo(MeterRegistry registry) {
    this.meters = Objects.requireNonNull(registry, "registry");
    for (AdapterKind kind : AdapterKind.values()) {
      for (TrainingJobResult.Outcome outcome : TrainingJobResult.Outcome.values()) {
        jobCounter(registry, kind, outcome); // every series from 0, so increase() sees the first
      }
    }
    Counter.builder(MALFORMED)
        .description("Malformed training job requests the trainer skipped")
        .register(registry);
    return this;
  }

  private static Counter jobCounter(
      MeterRegistry registry, AdapterKind kind, TrainingJobResult.Outcome outcome) {
    return Counter.builder(JOBS)
        .description("Training jobs the trainer ended, by kind and outcome")
        .tag("kind", kind.name())
        .tag("outcome", outcome.name())
        .register(registry);
  }

  private void record(TrainingJobResult result) {
    MeterRegistry registry = meters;
    if (registry == null) return;
    jobCounter(registry, result.kind(), result.outcome()).increment();
    Timer.builder(DURATION)
        .description("Run time of ended training jobs")
        .tag("kind", result.kind().name())
        .tag("outcome", result.outcome().name())
        .register(registry)
        .record(Duration.ofMillis(Math.max(0, result.endedAt() - result.startedAt())));
  }

  /** Subscribes and runs jobs on a thread of its own ({@code ragstream-trainer}). */
  public synchronized void start() {
    if (thread != null) throw new IllegalStateException("already started");
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
    props.put(
        ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
        (int) Math.min(Integer.MAX_VALUE, maxJobTime.plusMinutes(5).toMillis()));
    consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(Topics.TRAINING_JOBS));
    thread = new Thread(this::loop, "ragstream-trainer");
    thread.setDaemon(true);
    thread.start();
    LOG.info("Trainer started: running jobs of {}", Topics.TRAINING_JOBS);
  }

  /** Jobs finished (any outcome) since start. */
  public long finished() {
    return finished.get();
  }

  /** Malformed requests skipped since start. */
  public long malformed() {
    return malformed.get();
  }

  private void loop() {
    try {
      while (!closed.get()) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          TrainingJobRequest request;
          try {
            request = Json.mapper().readValue(record.value(), TrainingJobRequest.class);
          } catch (Exception e) {
            malformed.incrementAndGet();
            MeterRegistry registry = meters;
            if (registry != null) registry.counter(MALFORMED).increment();
            LOG.warn(
                "skipping malformed training job at {}-{}@{}: {}",
                record.topic(),
                record.partition(),
                record.offset(),
                e.getMessage());
            consumer.commitSync();
            continue;
          }
          TrainingJobResult result = run(request);
          send(Topics.TRAINING_RESULTS, result.kind().name(), Json.write(result));
          finished.incrementAndGet();
          record(result);
          consumer.commitSync();
        }
      }
    } catch (WakeupException e) {
      if (!closed.get()) LOG.error("trainer stopped unexpectedly", e);
    } catch (RuntimeException e) {
      LOG.error("trainer stopped: {}", e.toString(), e);
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** Runs one job to its result; never throws. */
  TrainingJobResult run(TrainingJobRequest request) {
    long startedAt = clock.millis();
    LOG.info("Training job {} ({}): {}", request.jobId(), request.kind(), request.reason());
    try {
      return switch (request.kind()) {
        case QUERY_ADAPTER -> runQueryAdapter(request);
        case LLM_LORA -> {
          if (llmLoraRunner == null) {
            yield failed(
                request,
                "LLM LoRA jobs are not configured (training.llm-lora.*); nothing was launched",
                startedAt);
          }
          yield runLlmLora(request);
        }
      };
    } catch (RuntimeException e) {
      LOG.error("Training job {} failed", request.jobId(), e);
      return failed(request, e.getClass().getSimpleName() + ": " + e.getMessage(), startedAt);
    }
  }

  private TrainingJobResult runQueryAdapter(TrainingJobRequest request) {
    String key = AdapterKind.QUERY_ADAPTER + ":" + request.embedder();
    Optional<AdapterEvent> serving = AdapterLog.serving(adapterLog.history(), key);
    LoraAdapter servingAdapter =
        serving.isEmpty() || AdapterEvent.BASE.equals(serving.get().adapterId())
            ? null
            : registry.load(serving.get().adapterId());
    QueryAdapterJob.Outcome outcome =
        queryAdapterJob.run(
            request,
            new KafkaTrainingPairSource(
                bootstrapServers, request.dataset(), request.embedder(), readTimeout),
            servingAdapter);
    outcome.events().forEach(adapterLog::publish);
    return outcome.result();
  }

  /**
   * Runs an LLM LoRA job and publishes its adapter events (CANDIDATE, then PROMOTED with the vLLM
   * served name or REJECTED) before its result; the events' parent is the LLM adapter serving for
   * the runner's base model now.
   */
  private TrainingJobResult runLlmLora(TrainingJobRequest request) {
    String key = AdapterKind.LLM_LORA + ":" + llmLoraRunner.baseModel();
    String parent =
        AdapterLog.serving(adapterLog.history(), key)
            .map(AdapterEvent::adapterId)
            .orElse(AdapterEvent.BASE);
    LlmLoraJobRunner.Outcome outcome = llmLoraRunner.train(request, parent);
    outcome.events().forEach(adapterLog::publish);
    return outcome.result();
  }

  private TrainingJobResult failed(TrainingJobRequest request, String message, long startedAt) {
    long now = Math.max(startedAt, clock.millis());
    return new TrainingJobResult(
        request.jobId(),
        request.kind(),
        TrainingJobResult.Outcome.FAILED,
        null,
        message == null || message.isBlank() ? "failed" : message,
        startedAt,
        now);
  }

  private void send(String topic, String key, String json) {
    try {
      producer
          .send(new ProducerRecord<>(topic, key, json.getBytes(StandardCharsets.UTF_8)))
          .get(readTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing to " + topic, e);
    } catch (Exception e) {
      throw new IllegalStateException("could not publish to " + topic, e);
    }
  }

  /** Stops after the running job (a running job is not interrupted); idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    if (consumer != null) consumer.wakeup();
    if (thread != null) {
      try {
        thread.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    producer.close(Duration.ofSeconds(5));
  }
}
