package io.ragstream.gateway.events;

import io.ragstream.core.event.AnswerEvent;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.GatewayEventJson;
import io.ragstream.core.event.QueryEvent;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link GatewayEvents} on Kafka: one idempotent {@link KafkaProducer} ({@code acks=all}), key =
 * {@code queryId} (UTF-8), value = {@link GatewayEventJson} bytes.
 *
 * <p><b>Producer settings.</b> Defaults, each overridable through {@code extraProducerProps} (which
 * is also where security settings go): {@code acks=all}, {@code enable.idempotence=true}, {@code
 * linger.ms=5}, {@code max.block.ms=5000}, {@code request.timeout.ms=10000}, {@code
 * delivery.timeout.ms=30000}. {@code bootstrap.servers} is the constructor argument; the
 * serializers are fixed.
 *
 * <p><b>Threads.</b> {@link KafkaProducer#send} blocks while it has no metadata for the topic (the
 * first send, or a broker that is unreachable) for up to {@code max.block.ms}, and while its buffer
 * is full. So a publish serializes the event on the calling thread (microseconds), then calls
 * {@code send} on a small dedicated worker pool ({@value #WORKER_THREADS} threads, named {@code
 * ragstream-gateway-events}), never on the event loop and never on Vert.x's shared worker pool that
 * searches use. The send callback completes the returned future on the caller's context ({@link
 * Vertx#getOrCreateContext()} captured at the call, via {@link Context#runOnContext}).
 *
 * <p><b>Failures.</b> A broker that cannot be reached fails a publish within {@code max.block.ms}
 * (no metadata) or {@code delivery.timeout.ms} (metadata known, broker gone), later if sends queue
 * behind blocked ones. At most {@value #MAX_PENDING} publishes may be waiting or in flight; beyond
 * that a publish fails at once with {@link RejectedExecutionException}. Every failure is counted in
 * {@link #dropped()}; the log gets one WARN when publishing starts failing and one INFO when it
 * works again (event contents are never logged).
 */
public final class KafkaGatewayEvents implements GatewayEvents {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaGatewayEvents.class);

  /** Most publishes waiting for a worker or for the broker's acknowledgement. */
  public static final int MAX_PENDING = 1_000;

  /** Threads that call {@link KafkaProducer#send}. */
  public static final int WORKER_THREADS = 2;

  /** How long {@link #close()} waits for buffered events to be acknowledged. */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private static final String WORKER_POOL = "ragstream-gateway-events";

  private final Vertx vertx;
  private final String queriesTopic;
  private final String feedbackTopic;
  private final String answersTopic;
  private final KafkaProducer<String, byte[]> producer;
  private final WorkerExecutor workers;

  /** Publishes waiting for a worker or the broker (bounded by {@link #MAX_PENDING}). */
  private final AtomicInteger pending = new AtomicInteger();

  /** Publishes whose record is not yet handed to the producer; {@link #close()} waits for them. */
  private final AtomicInteger unsent = new AtomicInteger();

  private final AtomicLong dropped = new AtomicLong();
  private final AtomicBoolean failing = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Events on the default topics {@value GatewayEvents#QUERIES_TOPIC} and {@value
   * GatewayEvents#FEEDBACK_TOPIC}; see {@link #KafkaGatewayEvents(Vertx, String, Map, String,
   * String)}.
   */
  public KafkaGatewayEvents(
      Vertx vertx, String bootstrapServers, Map<String, Object> extraProducerProps) {
    this(vertx, bootstrapServers, extraProducerProps, QUERIES_TOPIC, FEEDBACK_TOPIC, ANSWERS_TOPIC);
  }

  /**
   * Creates the producer; it connects lazily, so a broker that is down is noticed at the first
   * publish. Resolves the bootstrap host names: construct it off the event loop.
   *
   * @param vertx runs the sends on its worker pool and completes futures on its contexts
   * @param bootstrapServers Kafka's {@code bootstrap.servers}, e.g. {@code 127.0.0.1:9092}
   * @param extraProducerProps further producer settings, overriding the defaults (may be empty)
   * @param queriesTopic topic of query events; must exist unless the broker auto-creates topics
   * @param feedbackTopic topic of feedback events; same
   * @param answersTopic topic of answer events; same
   * @throws org.apache.kafka.common.KafkaException if the producer settings are invalid
   */
  public KafkaGatewayEvents(
      Vertx vertx,
      String bootstrapServers,
      Map<String, Object> extraProducerProps,
      String queriesTopic,
      String feedbackTopic,
      String answersTopic) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    QueryEvent.requireNotBlank("bootstrapServers", bootstrapServers);
    Objects.requireNonNull(extraProducerProps, "extraProducerProps");
    QueryEvent.requireNotBlank("queriesTopic", queriesTopic);
    QueryEvent.requireNotBlank("feedbackTopic", feedbackTopic);
    QueryEvent.requireNotBlank("answersTopic", answersTopic);
    this.answersTopic = answersTopic;
    this.queriesTopic = queriesTopic;
    this.feedbackTopic = feedbackTopic;
    this.producer =
        new KafkaProducer<>(
            producerConfig(bootstrapServers, extraProducerProps),
            new StringSerializer(),
            new ByteArraySerializer());
    this.workers =
        vertx.createSharedWorkerExecutor(WORKER_POOL, WORKER_THREADS, 60, TimeUnit.SECONDS);
  }

  /** The producer settings: the defaults, then {@code extra}, then the bootstrap servers. */
  static Map<String, Object> producerConfig(String bootstrapServers, Map<String, Object> extra) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    config.putAll(extra);
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return config;
  }

  /** Topic of query events. */
  public String queriesTopic() {
    return queriesTopic;
  }

  /** Topic of answer events. */
  public String answersTopic() {
    return answersTopic;
  }

  /** Topic of feedback events. */
  public String feedbackTopic() {
    return feedbackTopic;
  }

  @Override
  public Future<Void> publishQuery(QueryEvent event) {
    Objects.requireNonNull(event, "event");
    return publish(queriesTopic, event.queryId(), GatewayEventJson.toJson(event));
  }

  @Override
  public Future<Void> publishFeedback(FeedbackEvent event) {
    Objects.requireNonNull(event, "event");
    return publish(feedbackTopic, event.queryId(), GatewayEventJson.toJson(event));
  }

  @Override
  public Future<Void> publishAnswer(AnswerEvent event) {
    Objects.requireNonNull(event, "event");
    return publish(answersTopic, event.queryId(), GatewayEventJson.toJson(event));
  }

  private Future<Void> publish(String topic, String key, byte[] value) {
    unsent.incrementAndGet(); // before the closed check, so that close() waits for this send
    if (closed.get()) {
      unsent.decrementAndGet();
      dropped.incrementAndGet();
      return Future.failedFuture(new IllegalStateException("gateway events are closed"));
    }
    if (pending.incrementAndGet() > MAX_PENDING) {
      pending.decrementAndGet();
      unsent.decrementAndGet();
      dropped.incrementAndGet();
      return Future.failedFuture(
          new RejectedExecutionException(
              MAX_PENDING + " events already pending for Kafka (slow or unreachable); dropped"));
    }
    Send send = new Send(vertx.getOrCreateContext(), new ProducerRecord<>(topic, key, value));
    try {
      workers.executeBlocking(send, false).onFailure(send::fail);
    } catch (RuntimeException e) { // the worker pool is closed
      send.fail(e);
    }
    return send.promise.future();
  }

  /**
   * One publish: hands the record to the producer (on a worker) and completes its promise once, on
   * the caller's context.
   */
  private final class Send implements Callable<Void>, Callback {
    final Context context;
    final ProducerRecord<String, byte[]> record;
    final Promise<Void> promise = Promise.promise();
    final AtomicBoolean handedOver = new AtomicBoolean();
    final AtomicBoolean done = new AtomicBoolean();

    Send(Context context, ProducerRecord<String, byte[]> record) {
      this.context = context;
      this.record = record;
    }

    /** On a worker: may block up to {@code max.block.ms} while the producer lacks metadata. */
    @Override
    public Void call() {
      try {
        producer.send(record, this);
      } finally {
        handedOver();
      }
      return null;
    }

    private void handedOver() {
      if (handedOver.compareAndSet(false, true)) {
        unsent.decrementAndGet();
      }
    }

    /** Kafka's callback, on the producer's I/O thread (or the sending thread for early errors). */
    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
      if (exception == null) {
        succeed();
      } else {
        fail(exception);
      }
    }

    void succeed() {
      if (done.compareAndSet(false, true)) {
        pending.decrementAndGet();
        if (failing.compareAndSet(true, false)) {
          LOG.info("Publishing gateway events to Kafka works again (topic {})", record.topic());
        }
        context.runOnContext(v -> promise.tryComplete());
      }
    }

    void fail(Throwable error) {
      handedOver();
      if (done.compareAndSet(false, true)) {
        pending.decrementAndGet();
        dropped.incrementAndGet();
        if (failing.compareAndSet(false, true)) {
          LOG.warn(
              "Publishing gateway events to Kafka failed (topic {}): {}; dropping events until"
                  + " it works again",
              record.topic(),
              error.toString());
        } else {
          LOG.debug("Gateway event to {} dropped: {}", record.topic(), error.toString());
        }
        context.runOnContext(v -> promise.tryFail(error));
      }
    }
  }

  /** Publishes that failed or were rejected since construction. */
  @Override
  public long dropped() {
    return dropped.get();
  }

  /**
   * Rejects further publishes, lets publishes already accepted reach the producer, waits for
   * buffered events to be acknowledged and closes the producer (events it could not send fail) and
   * the worker pool; all within {@link #CLOSE_TIMEOUT}. Blocks: call it off the event loop.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
    try {
      // Sends still queued for a worker: a few milliseconds, up to max.block.ms if Kafka is down.
      while (unsent.get() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    } finally {
      workers.close();
    }
  }

  @Override
  public String toString() {
    return "KafkaGatewayEvents[" + queriesTopic + ", " + feedbackTopic + "]";
  }
}
