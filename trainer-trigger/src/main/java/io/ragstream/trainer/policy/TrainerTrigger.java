package io.ragstream.trainer.policy;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.error.RetriableException;
import io.ragstream.trainer.config.TriggerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the trainer trigger ({@link TriggerTopology}) with {@link KafkaStreams}: consumes {@code
 * ragstream.drift}, {@code ragstream.feedback} and {@code ragstream.training-results}, publishes
 * {@code ragstream.training-jobs}.
 *
 * <p>{@link #start()} creates missing input and output topics (if {@link
 * TriggerConfig#createTopics()}), starts the app and returns a future that completes when it is
 * RUNNING, that is after the state stores were restored from their changelogs. An uncaught error
 * shuts the client down and completes {@link #terminated()} exceptionally: nothing restarts
 * silently. {@link #close()} leaves the consumer group, so a successor with the same application id
 * gets the partitions at once instead of after the session timeout.
 */
public final class TrainerTrigger implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrainerTrigger.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final String bootstrapServers;
  private final TriggerConfig config;
  private final Clock clock;
  private final TriggerMetrics metrics;
  private final CompletableFuture<Void> running = new CompletableFuture<>();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private KafkaStreams streams;

  /**
   * A trigger on the system clock.
   *
   * @param bootstrapServers Kafka {@code bootstrap.servers}, not blank
   * @param config the validated config
   * @param registry where the {@link TriggerMetrics} meters go, or {@code null} for none
   */
  public TrainerTrigger(String bootstrapServers, TriggerConfig config, MeterRegistry registry) {
    this(bootstrapServers, config, registry, Clock.systemUTC());
  }

  /** A trigger on {@code clock} (request times and job timeouts); see the other constructor. */
  public TrainerTrigger(
      String bootstrapServers, TriggerConfig config, MeterRegistry registry, Clock clock) {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("bootstrapServers must not be blank");
    }
    this.bootstrapServers = bootstrapServers;
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.metrics = new TriggerMetrics(registry, config.enabledKinds());
  }

  /**
   * Creates missing topics (if configured), starts Kafka Streams, and returns a future completing
   * when the app reaches RUNNING (exceptionally if it fails first).
   *
   * @throws RetriableException when Kafka does not answer or topics cannot be created in time
   * @throws IllegalStateException when called twice
   */
  public synchronized CompletableFuture<Void> start() {
    if (streams != null) {
      throw new IllegalStateException("trainer trigger already started");
    }
    try {
      Files.createDirectories(config.stateDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create state dir " + config.stateDir(), e);
    }
    if (config.createTopics()) {
      createMissingTopics();
    }
    streams =
        new KafkaStreams(
            TriggerTopology.build(config, clock, metrics),
            TriggerTopology.streamsConfig(bootstrapServers, config));
    streams.setUncaughtExceptionHandler(
        e -> {
          failure.compareAndSet(null, e);
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    streams.setStateListener(this::onStateChange);
    streams.start();
    LOG.info(
        "Trainer trigger {} started: {}, {}, {} -> {} (kinds {})",
        config.applicationId(),
        config.driftTopic(),
        config.feedbackTopic(),
        config.resultsTopic(),
        config.jobsTopic(),
        config.enabledKinds());
    return running;
  }

  /** Completes when the app stopped: normally after {@link #close()}, else exceptionally. */
  public CompletableFuture<Void> terminated() {
    return terminated;
  }

  /** The meters (in the registry given, or a private one). */
  public TriggerMetrics metrics() {
    return metrics;
  }

  /** Current Kafka Streams state, or null before {@link #start()}. */
  public synchronized KafkaStreams.State state() {
    return streams == null ? null : streams.state();
  }

  /** Stops the app (up to 30 s), committing processed input and leaving the group. Idempotent. */
  @Override
  public synchronized void close() {
    if (streams == null) {
      return;
    }
    boolean stopped =
        streams.close(
            CloseOptions.timeout(CLOSE_TIMEOUT)
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    if (!stopped) {
      LOG.warn("Trainer trigger did not stop within {}", CLOSE_TIMEOUT);
    }
    terminated.complete(null); // no-op when it already failed
    running.completeExceptionally(
        new IllegalStateException("trainer trigger closed before running"));
  }

  private void onStateChange(KafkaStreams.State newState, KafkaStreams.State oldState) {
    LOG.info("Trainer trigger state {} -> {}", oldState, newState);
    if (newState == KafkaStreams.State.RUNNING) {
      running.complete(null);
    } else if (newState == KafkaStreams.State.ERROR) {
      Throwable cause = failure.get();
      RagstreamException e =
          new RagstreamException(
              "trainer trigger "
                  + config.applicationId()
                  + " failed"
                  + (cause == null ? "" : ": " + cause.getMessage()),
              cause);
      running.completeExceptionally(e);
      terminated.completeExceptionally(e);
    }
  }

  private void createMissingTopics() {
    Set<String> names =
        new LinkedHashSet<>(
            List.of(
                config.driftTopic(),
                config.feedbackTopic(),
                config.resultsTopic(),
                config.jobsTopic(),
                config.dlqTopic()));
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      Set<String> existing =
          admin.listTopics().names().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (String name : names) {
        if (!existing.contains(name)) {
          missing.add(new NewTopic(name, config.partitions(), (short) config.replicationFactor()));
        }
      }
      for (Map.Entry<String, KafkaFuture<Void>> e :
          admin.createTopics(missing).values().entrySet()) {
        try {
          e.getValue().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          LOG.info("Created topic {}", e.getKey());
        } catch (ExecutionException ex) {
          if (!(ex.getCause() instanceof TopicExistsException)) {
            throw new RagstreamException(
                "cannot create topic " + e.getKey() + ": " + ex.getCause().getMessage(),
                ex.getCause());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetriableException("interrupted while creating trainer trigger topics", e);
    } catch (TimeoutException e) {
      throw new RetriableException(
          "Kafka at " + bootstrapServers + " did not answer within " + ADMIN_TIMEOUT, e);
    } catch (ExecutionException e) {
      throw new RetriableException(
          "cannot list topics at " + bootstrapServers + ": " + e.getCause(), e.getCause());
    }
  }
}
