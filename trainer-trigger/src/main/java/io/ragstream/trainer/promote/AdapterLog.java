package io.ragstream.trainer.promote;

import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ragstream.adapters} topic as the history of adapter decisions: reads it to its end (no
 * consumer group) and publishes new {@link AdapterEvent}s (idempotent producer, {@code acks=all},
 * key = {@link AdapterEvent#key()}). What serves is not stored anywhere else: it is the adapter of
 * the latest {@link AdapterEvent.Status#PROMOTED} event of a key, which is also what every gateway
 * computes. Thread-safe; blocking.
 */
public final class AdapterLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AdapterLog.class);

  private final String bootstrapServers;
  private final String topic;
  private final Duration timeout;
  private final KafkaProducer<String, byte[]> producer;

  /**
   * @param bootstrapServers Kafka's {@code bootstrap.servers}
   * @param topic normally {@link Topics#ADAPTERS}; must exist
   * @param timeout bound of each read to the end and each publish
   */
  public AdapterLog(String bootstrapServers, String topic, Duration timeout) {
    this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    this.topic = Objects.requireNonNull(topic, "topic");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) timeout.toMillis());
    this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  /**
   * Publishes {@code event} and waits for the broker's acknowledgement.
   *
   * @throws IllegalStateException when it is not acknowledged within the timeout, with the cause
   */
  public void publish(AdapterEvent event) {
    byte[] value = Json.write(event).getBytes(StandardCharsets.UTF_8);
    try {
      producer
          .send(new ProducerRecord<>(topic, event.key(), value))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info("{} {} for {} ({})", event.status(), event.adapterId(), event.key(), event.reason());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing to " + topic, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "could not publish " + event.status() + " " + event.adapterId() + " to " + topic, e);
    }
  }

  /**
   * Every event on the topic, oldest first (by record timestamp, then partition and offset);
   * malformed records are skipped with a warning.
   *
   * @throws IllegalStateException when the topic does not exist or cannot be read to its end in
   *     time
   */
  public List<AdapterEvent> history() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    record Read(long timestamp, int partition, long offset, AdapterEvent event) {}
    List<Read> read = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist");
      }
      List<TopicPartition> partitions =
          infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end in " + timeout);
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          try {
            read.add(
                new Read(
                    r.timestamp(),
                    r.partition(),
                    r.offset(),
                    Json.mapper().readValue(r.value(), AdapterEvent.class)));
          } catch (IOException | RuntimeException e) {
            LOG.warn(
                "skipping malformed record {}-{}@{}: {}",
                r.topic(),
                r.partition(),
                r.offset(),
                e.getMessage());
          }
        }
      }
    }
    return read.stream()
        .sorted(
            Comparator.comparingLong(Read::timestamp)
                .thenComparingInt(Read::partition)
                .thenComparingLong(Read::offset))
        .map(Read::event)
        .toList();
  }

  /** The latest {@link AdapterEvent.Status#PROMOTED} event of {@code key} in {@code history}. */
  public static Optional<AdapterEvent> serving(List<AdapterEvent> history, String key) {
    AdapterEvent last = null;
    for (AdapterEvent e : history) {
      if (e.key().equals(key) && e.status() == AdapterEvent.Status.PROMOTED) last = e;
    }
    return Optional.ofNullable(last);
  }

  @Override
  public void close() {
    producer.close(timeout);
  }
}
