package io.ragstream.gateway.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.IndexedEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Freshness of the index from the {@code ragstream.indexed} telemetry ({@link IndexedEvent}): how
 * long a committed source change takes to become searchable, per source table, and where the time
 * goes.
 *
 * <ul>
 *   <li>{@code ragstream_freshness_seconds{table}}: commit → searchable, a Prometheus histogram
 *       with the buckets of {@link #SLO_BUCKETS} (for {@code histogram_quantile} and SLO ratios);
 *   <li>{@code ragstream_freshness_recent_seconds{table,quantile}}: the same as a summary with
 *       client-side quantiles p50/p90/p99 over a sliding window of {@link #WINDOW} (Micrometer's
 *       Prometheus registry exports no quantiles on a histogram, hence a second family): what
 *       {@code ragstream status} prints as "the last minutes";
 *   <li>{@code ragstream_freshness_stage_seconds{stage}}: count, sum and max of each hop: {@code
 *       capture} (commit → captured), {@code normalize} (→ normalized), {@code index} (→ chunked
 *       and embedded, including the wait in Kafka), {@code apply} (→ searchable). A hop whose
 *       stamps are unknown (0) is not recorded.
 * </ul>
 *
 * <p>Events come either directly ({@link #record}, e.g. from tests) or from a Kafka consumer of the
 * topic ({@link #follow}): in local mode the platform follows the topic on its embedded broker; in
 * a distributed deployment run {@link #follow} in one process that exports metrics (e.g. one
 * gateway), since every follower reads every event (no consumer group) and several followers would
 * count each change several times. Delivery on the topic is at least once: a replayed change is
 * counted again.
 *
 * <p>Thread-safe.
 */
public final class FreshnessMetrics implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FreshnessMetrics.class);

  /** Meter name of commit → searchable (Prometheus: {@code ragstream_freshness_seconds}). */
  public static final String FRESHNESS = "ragstream.freshness";

  /**
   * Meter name of the windowed quantiles (Prometheus: {@code ragstream_freshness_recent_seconds}).
   */
  public static final String RECENT = "ragstream.freshness.recent";

  /** Meter name of the hops (Prometheus: {@code ragstream_freshness_stage_seconds}). */
  public static final String STAGE = "ragstream.freshness.stage";

  /** Bucket bounds of the freshness histogram: the SLOs an operator may pick from. */
  public static final List<Duration> SLO_BUCKETS =
      List.of(
          Duration.ofMillis(100),
          Duration.ofMillis(250),
          Duration.ofMillis(500),
          Duration.ofMillis(750),
          Duration.ofSeconds(1),
          Duration.ofMillis(1500),
          Duration.ofSeconds(2),
          Duration.ofSeconds(3),
          Duration.ofSeconds(5),
          Duration.ofSeconds(10),
          Duration.ofSeconds(30),
          Duration.ofSeconds(60),
          Duration.ofMinutes(5));

  /** Window of the client-side quantiles. */
  public static final Duration WINDOW = Duration.ofMinutes(5);

  private final MeterRegistry registry;
  private final Map<String, Timer[]> byTable = new ConcurrentHashMap<>();
  private final Map<String, Timer> byStage = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private volatile Thread thread;

  /** Freshness meters in {@code registry} (registered as tables and hops are first seen). */
  public FreshnessMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** Records one applied change. Events without a commit time count in no histogram. */
  public void record(IndexedEvent e) {
    long freshness = e.freshnessMillis();
    if (freshness >= 0) {
      for (Timer t : byTable.computeIfAbsent(e.table(), this::freshnessTimers)) {
        t.record(Duration.ofMillis(freshness));
      }
    }
    hop("capture", e.committedAt(), e.capturedAt());
    hop("normalize", e.capturedAt(), e.normalizedAt());
    hop("index", e.normalizedAt(), e.embeddedAt());
    hop("apply", e.embeddedAt(), e.searchableAt());
  }

  /**
   * Registers the freshness histogram of {@code table} now, so it is exported before any change.
   */
  public void expectTable(String table) {
    byTable.computeIfAbsent(table, this::freshnessTimers);
  }

  private void hop(String stage, long from, long to) {
    if (from <= 0 || to <= 0) return;
    byStage
        .computeIfAbsent(
            stage,
            s ->
                Timer.builder(STAGE)
                    .description("Time of one hop of a change from commit to searchable")
                    .tag("stage", s)
                    .register(registry))
        .record(Duration.ofMillis(Math.max(0, to - from)));
  }

  private Timer[] freshnessTimers(String table) {
    return new Timer[] {
      Timer.builder(FRESHNESS)
          .description("Source commit to searchable in the index, per source table")
          .tag("table", table)
          .serviceLevelObjectives(SLO_BUCKETS.toArray(Duration[]::new))
          .register(registry),
      Timer.builder(RECENT)
          .description(
              "Source commit to searchable, quantiles over the last "
                  + WINDOW.toMinutes()
                  + " minutes")
          .tag("table", table)
          .publishPercentiles(0.5, 0.9, 0.99)
          .distributionStatisticExpiry(WINDOW)
          .distributionStatisticBufferLength(5)
          .register(registry)
    };
  }

  /**
   * Follows {@code topic} on {@code bootstrapServers} from its end (no consumer group, no committed
   * offsets) on a daemon thread, recording each event; unreadable records are skipped (logged at
   * DEBUG). Waits up to a minute for the topic to exist. Call at most once.
   */
  public FreshnessMetrics follow(String bootstrapServers, String topic) {
    if (thread != null) throw new IllegalStateException("already following");
    consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.CLIENT_ID_CONFIG,
                "ragstream-freshness-" + System.nanoTime(),
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                100),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    Thread t = new Thread(() -> run(topic), "ragstream-freshness");
    t.setDaemon(true);
    thread = t;
    t.start();
    return this;
  }

  private void run(String topic) {
    try (KafkaConsumer<byte[], byte[]> c = consumer) {
      List<TopicPartition> partitions = List.of();
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (partitions.isEmpty() && !closed.get() && System.nanoTime() < deadline) {
        partitions =
            c.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
      }
      if (partitions.isEmpty()) {
        LOG.warn("Topic {} not found: no freshness metrics", topic);
        return;
      }
      c.assign(partitions);
      c.seekToEnd(partitions);
      while (!closed.get()) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofSeconds(1))) {
          try {
            record(
                Json.mapper()
                    .readValue(new String(r.value(), StandardCharsets.UTF_8), IndexedEvent.class));
          } catch (Exception e) {
            LOG.debug(
                "Skipping unreadable {} record at offset {}: {}", topic, r.offset(), e.toString());
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      if (!closed.get())
        LOG.warn("Freshness metrics stopped following {}: {}", topic, e.toString());
    }
  }

  /** Stops following the topic (the meters stay in the registry). */
  @Override
  public void close() throws InterruptedException {
    if (closed.getAndSet(true)) return;
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) c.wakeup();
    Thread t = thread;
    if (t != null) t.join(10_000);
  }
}
