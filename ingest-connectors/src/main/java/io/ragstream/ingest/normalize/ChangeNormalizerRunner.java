package io.ragstream.ingest.normalize;

import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.error.RetriableException;
import io.ragstream.ingest.kafka.KafkaTopics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link ChangeNormalizer#topology(NormalizerConfig)} with {@link KafkaStreams}.
 *
 * <p>{@link #start()} creates missing topics when {@link NormalizerConfig#createTopics()} (inputs
 * and DLQ with {@code cleanup.policy=delete}, {@code ragstream.changes} compacted: with the
 * tombstones after deletes it keeps the latest change per document), starts the app and returns a
 * future that completes when it is RUNNING. An uncaught error shuts the client down and completes
 * {@link #terminated()} exceptionally: nothing restarts silently.
 *
 * <p>Why at-least-once by default: a crash replays input since the last commit (at most {@code
 * commit.interval.ms} worth), and replayed changes are harmless because applying a DocumentChange
 * is idempotent and version-guarded; exactly-once would need transactions on every commit and a
 * transaction state log the broker can create (replication factor and min ISR 1 on one broker).
 */
public final class ChangeNormalizerRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeNormalizerRunner.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final NormalizerConfig config;
  private final CompletableFuture<Void> running = new CompletableFuture<>();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private KafkaStreams streams;

  public ChangeNormalizerRunner(NormalizerConfig config) {
    this.config = config;
  }

  /**
   * Creates missing topics (if configured), starts Kafka Streams, and returns a future completing
   * when the app reaches RUNNING (exceptionally if it fails first).
   *
   * @throws RetriableException when topics cannot be created in time
   * @throws IllegalStateException when called twice
   */
  public synchronized CompletableFuture<Void> start() {
    if (streams != null) {
      throw new IllegalStateException("normalizer already started");
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
        new KafkaStreams(ChangeNormalizer.topology(config), ChangeNormalizer.streamsConfig(config));
    streams.setUncaughtExceptionHandler(
        e -> {
          failure.compareAndSet(null, e);
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    streams.setStateListener(this::onStateChange);
    streams.start();
    LOG.info(
        "Normalizer {} started: {} -> {} (DLQ {})",
        config.applicationId(),
        config.sourceTopics(),
        config.changesTopic(),
        config.dlqTopic());
    return running;
  }

  /** Completes when the app stopped: normally after {@link #close()}, else exceptionally. */
  public CompletableFuture<Void> terminated() {
    return terminated;
  }

  /** Current Kafka Streams state, or null before {@link #start()}. */
  public synchronized KafkaStreams.State state() {
    return streams == null ? null : streams.state();
  }

  /**
   * Dead letters the normalizer has sent, by reason code: the sum over its tasks of the Kafka
   * metric {@value io.ragstream.core.model.Topics#DLQ_METRIC}; empty before start and after close.
   * Counts restart from 0 with the Streams client.
   */
  public synchronized java.util.Map<String, Double> deadLettersByReason() {
    java.util.Map<String, Double> out = new java.util.HashMap<>();
    if (streams == null) return out;
    streams
        .metrics()
        .forEach(
            (name, metric) -> {
              if (name.name().equals(io.ragstream.core.model.Topics.DLQ_METRIC)
                  && metric.metricValue() instanceof Number n) {
                out.merge(
                    name.tags().getOrDefault("reason", "unknown"), n.doubleValue(), Double::sum);
              }
            });
    return out;
  }

  /** Stops the app (up to 30 s), committing processed input. Idempotent. */
  @Override
  public synchronized void close() {
    if (streams == null) {
      return;
    }
    if (!streams.close(CLOSE_TIMEOUT)) {
      LOG.warn("Normalizer did not stop within {}", CLOSE_TIMEOUT);
    }
    terminated.complete(null); // no-op when it already failed
    running.completeExceptionally(new IllegalStateException("normalizer closed before running"));
  }

  private void onStateChange(KafkaStreams.State newState, KafkaStreams.State oldState) {
    LOG.info("Normalizer state {} -> {}", oldState, newState);
    if (newState == KafkaStreams.State.RUNNING) {
      running.complete(null);
    } else if (newState == KafkaStreams.State.ERROR) {
      Throwable cause = failure.get();
      RagstreamException e =
          new RagstreamException(
              "normalizer "
                  + config.applicationId()
                  + " failed"
                  + (cause == null ? "" : ": " + cause.getMessage()),
              cause);
      running.completeExceptionally(e);
      terminated.completeExceptionally(e);
    }
  }

  private void createMissingTopics() {
    Set<String> inputsAndDlq = new LinkedHashSet<>(config.sourceTopics());
    inputsAndDlq.add(config.dlqTopic());
    List<NewTopic> topics = new ArrayList<>();
    short rf = (short) config.replicationFactor();
    for (String name : inputsAndDlq) {
      topics.add(new NewTopic(name, config.partitions(), rf));
    }
    topics.add(
        new NewTopic(config.changesTopic(), config.partitions(), rf)
            .configs(
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers()))) {
      for (String created : KafkaTopics.createMissing(admin, topics, ADMIN_TIMEOUT)) {
        LOG.info("Created topic {}", created);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetriableException("interrupted while creating normalizer topics", e);
    } catch (TimeoutException e) {
      throw new RetriableException(
          "Kafka at " + config.bootstrapServers() + " did not answer within " + ADMIN_TIMEOUT, e);
    } catch (ExecutionException e) {
      throw new RetriableException(
          "cannot list topics at " + config.bootstrapServers() + ": " + e.getCause(), e.getCause());
    }
  }
}
