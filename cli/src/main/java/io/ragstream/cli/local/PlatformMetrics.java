package io.ragstream.cli.local;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.ragstream.core.model.DeadLetterReason;
import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.IndexStats;
import io.ragstream.ingest.normalize.ChangeNormalizerRunner;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The local platform's own series on {@code GET /metrics}, beside the gateway's, the CDC slot's
 * ({@code ragstream_cdc_slot_*}), the freshness histograms and the indexing job's forwarded Flink
 * metrics:
 *
 * <ul>
 *   <li>{@code ragstream_kafka_consumer_lag_records{group,topic}}: records not yet consumed
 *       (committed) by the normalizer's and the indexer's consumer groups, refreshed by the
 *       readiness check every second ({@link #consumerLag}); the indexer commits on checkpoints, so
 *       its lag can stay up to one checkpoint interval behind what it has indexed;
 *   <li>{@code ragstream_index_documents}, {@code ragstream_index_points}, {@code
 *       ragstream_index_tombstones}: the size of the shared index;
 *   <li>{@code ragstream_index_last_committed_timestamp_seconds} and {@code
 *       ragstream_index_last_committed_age_seconds}: the newest source commit applied (the {@code
 *       asOf} of answers) and its age now (grows while the source is quiet, too);
 *   <li>{@code ragstream_dlq_records_total{stage="normalizer",reason}}: the normalizer's dead
 *       letters, read from its Kafka Streams metrics (the indexer's come through the Flink reporter
 *       under {@code stage="indexer"});
 *   <li>{@code ragstream_ready}: 1 once the snapshot is indexed and the pipeline has no lag.
 * </ul>
 */
final class PlatformMetrics {
  private static final long STATS_TTL_NANOS = 1_000_000_000L;

  private final MeterRegistry registry;
  private final Map<String, AtomicLong> lags = new ConcurrentHashMap<>();
  private final VectorStore store;
  private volatile IndexStats stats;
  private volatile long statsAt;

  PlatformMetrics(
      MeterRegistry registry,
      VectorStore store,
      ChangeNormalizerRunner normalizer,
      LongSupplier ready) {
    this.registry = registry;
    this.store = store;
    Gauge.builder("ragstream.index.documents", this, m -> m.stats().documents())
        .description("Live documents in the index")
        .register(registry);
    Gauge.builder("ragstream.index.points", this, m -> m.stats().points())
        .description("Live points (chunks) in the index")
        .register(registry);
    Gauge.builder("ragstream.index.tombstones", this, m -> m.stats().tombstones())
        .description("Deleted documents remembered for the version guard")
        .register(registry);
    Gauge.builder(
            "ragstream.index.last.committed.timestamp",
            this,
            m -> m.stats().lastCommittedAt() / 1000.0)
        .description("Newest source commit time applied to the index (asOf), epoch seconds")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder("ragstream.index.last.committed.age", this, PlatformMetrics::lastCommittedAge)
        .description("Age of the newest source commit applied to the index")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder("ragstream.ready", ready, r -> r.getAsLong())
        .description("1 once the initial snapshot is indexed and the pipeline has no lag")
        .strongReference(true)
        .register(registry);
    for (DeadLetterReason reason : DeadLetterReason.values()) {
      FunctionCounter.builder(
              "ragstream.dlq.records",
              normalizer,
              n -> n.deadLettersByReason().getOrDefault(reason.code(), 0.0))
          .description("Records sent to the dead-letter topic, by stage and reason")
          .tags(Tags.of("stage", "normalizer", "reason", reason.code()))
          .register(registry);
    }
  }

  /** Sets the lag of {@code group} on {@code topic}, registering the series on first use. */
  void consumerLag(String group, String topic, long records) {
    lags.computeIfAbsent(
            group + "\u0000" + topic,
            k -> {
              AtomicLong v = new AtomicLong();
              Gauge.builder("ragstream.kafka.consumer.lag.records", v, AtomicLong::get)
                  .description("Records of the topic not yet consumed by the consumer group")
                  .tags(Tags.of("group", group, "topic", topic))
                  .register(registry);
              return v;
            })
        .set(records);
  }

  private double lastCommittedAge() {
    long at = stats().lastCommittedAt();
    return at <= 0 ? Double.NaN : Math.max(0, System.currentTimeMillis() - at) / 1000.0;
  }

  /** The store's stats, read at most once a second (a scrape reads several gauges). */
  private IndexStats stats() {
    long now = System.nanoTime();
    IndexStats s = stats;
    if (s == null || now - statsAt > STATS_TTL_NANOS) {
      s = store.stats();
      stats = s;
      statsAt = now;
    }
    return s;
  }
}
