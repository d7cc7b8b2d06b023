package io.ragstream.processors.sink;

import io.ragstream.core.json.Json;
import io.ragstream.core.model.IndexedEvent;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes {@link IndexedEvent}s as JSON to a Kafka topic ({@code ragstream.indexed}), keyed by
 * documentId, with a plain idempotent producer ({@code linger.ms=5}).
 *
 * <p>Delivery is best effort and at least once across restarts (a replay after a failure re-applies
 * and re-publishes): readers keep the first event per (documentId, version). A failed send is
 * counted in {@link #failed()} and logged at most once a minute; it never fails the indexing job,
 * since the index is right even when its telemetry is lost.
 */
public final class KafkaIndexedEventPublisher implements IndexedEventPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaIndexedEventPublisher.class);

  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;
  private final AtomicLong failed = new AtomicLong();
  private volatile long lastWarning;

  /** A publisher to {@code topic} of the cluster at {@code bootstrapServers}. */
  public KafkaIndexedEventPublisher(String bootstrapServers, String topic) {
    this.topic = topic;
    this.producer =
        new KafkaProducer<>(
            Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.LINGER_MS_CONFIG,
                5,
                ProducerConfig.CLIENT_ID_CONFIG,
                "ragstream-indexed-" + System.nanoTime()),
            new ByteArraySerializer(),
            new ByteArraySerializer());
  }

  @Override
  public void publish(IndexedEvent event) {
    producer.send(
        new ProducerRecord<>(
            topic,
            event.documentId().getBytes(StandardCharsets.UTF_8),
            Json.write(event).getBytes(StandardCharsets.UTF_8)),
        (meta, e) -> {
          if (e != null) {
            failed.incrementAndGet();
            long now = System.currentTimeMillis();
            if (now - lastWarning > 60_000) {
              lastWarning = now;
              LOG.warn(
                  "Freshness event not delivered to {} ({} so far): {}",
                  topic,
                  failed,
                  e.toString());
            }
          }
        });
  }

  @Override
  public void flush() {
    producer.flush();
  }

  /** Events whose delivery failed. */
  public long failed() {
    return failed.get();
  }

  @Override
  public void close() {
    producer.close(java.time.Duration.ofSeconds(5));
  }
}
