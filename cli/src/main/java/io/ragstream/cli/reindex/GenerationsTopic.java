package io.ragstream.cli.reindex;

import io.ragstream.ingest.kafka.KafkaTopics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The index generations of a distributed deployment on the compacted topic {@value #TOPIC}: one key
 * ({@value #KEY}), whose latest value is the whole {@link IndexGenerations} document (the JSON of
 * the local state file). {@code ragstream reindex --distributed} writes it; every gateway follows
 * it and swaps its serving generation when the record names another one (docs/reindex.md,
 * "Distributed mode").
 *
 * <p>Like {@code ragstream.adapters}, the topic is read from the beginning by every reader (no
 * consumer group: each reader needs every record), so compaction keeping the latest value is all
 * the retention it needs. An absent key means nothing was ever reindexed: generation 1 serves.
 */
public final class GenerationsTopic {
  private static final Logger LOG = LoggerFactory.getLogger(GenerationsTopic.class);

  /** The compacted topic of the deployment's index generations. */
  public static final String TOPIC = "ragstream.generations";

  /** The record key of the deployment's generations document. */
  public static final String KEY = "index";

  private final String bootstrapServers;

  /**
   * @param bootstrapServers the deployment's Kafka cluster
   */
  public GenerationsTopic(String bootstrapServers) {
    this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
  }

  /**
   * Creates the topic when missing: one partition (one key), compacted, the broker's default
   * replication factor.
   */
  public static void createMissing(Admin admin, Duration timeout) throws Exception {
    KafkaTopics.createMissing(
        admin,
        List.of(
            new NewTopic(TOPIC, Optional.of(1), Optional.empty())
                .configs(
                    Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))),
        timeout);
  }

  /**
   * The latest generations document, read from the beginning of the topic up to its end offsets at
   * the time of the call; empty when none was ever written.
   *
   * @throws TimeoutException when the end is not reached within {@code timeout}
   * @throws IllegalStateException when the latest record is not a valid document
   */
  public Optional<List<IndexGeneration>> read(Duration timeout) throws TimeoutException {
    try (KafkaConsumer<String, String> consumer = consumer()) {
      List<TopicPartition> partitions = partitions(consumer);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      String latest = null;
      while (!caughtUp(consumer, end)) {
        if (System.nanoTime() - deadline > 0) {
          throw new TimeoutException(
              "could not read "
                  + TOPIC
                  + " to its end within "
                  + timeout
                  + " from "
                  + bootstrapServers);
        }
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          if (KEY.equals(r.key())) latest = r.value();
        }
      }
      return latest == null ? Optional.empty() : Optional.of(parse(latest));
    }
  }

  /**
   * Writes {@code generations} as the latest document and waits for the broker's acknowledgement
   * (all in-sync replicas).
   *
   * @throws IllegalStateException when the write is not acknowledged within 30 s
   */
  public void publish(List<IndexGeneration> generations) {
    Map<String, Object> props =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.CLIENT_ID_CONFIG,
            "ragstream-generations-" + UUID.randomUUID());
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      producer
          .send(new ProducerRecord<>(TOPIC, KEY, IndexGenerations.toJson(generations)))
          .get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing " + TOPIC, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot write the index generations to " + TOPIC + ": " + e.getMessage(), e);
    }
  }

  /**
   * Follows the topic from its beginning on a daemon thread, calling {@code onRecord} with every
   * valid document of {@value #KEY}, in order (invalid ones are logged and skipped). Close the
   * result to stop.
   */
  public AutoCloseable follow(Consumer<List<IndexGeneration>> onRecord) {
    KafkaConsumer<String, String> consumer = consumer();
    AtomicBoolean running = new AtomicBoolean(true);
    Thread thread =
        new Thread(
            () -> {
              try (consumer) {
                List<TopicPartition> partitions = partitions(consumer);
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                while (running.get()) {
                  for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (!KEY.equals(r.key()) || r.value() == null) continue;
                    List<IndexGeneration> generations;
                    try {
                      generations = parse(r.value());
                    } catch (RuntimeException e) {
                      LOG.error("skipping {} at offset {}: {}", TOPIC, r.offset(), e.getMessage());
                      continue;
                    }
                    onRecord.accept(generations);
                  }
                }
              } catch (WakeupException e) {
                // closing
              } catch (RuntimeException e) {
                LOG.error("following {} stopped: {}", TOPIC, e.toString(), e);
              }
            },
            "ragstream-generations");
    thread.setDaemon(true);
    thread.start();
    return () -> {
      running.set(false);
      consumer.wakeup();
      thread.join(TimeUnit.SECONDS.toMillis(30));
    };
  }

  private static List<IndexGeneration> parse(String json) {
    return IndexGenerations.fromJson(json);
  }

  private static boolean caughtUp(
      KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> end) {
    for (var e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) return false;
    }
    return true;
  }

  private List<TopicPartition> partitions(KafkaConsumer<String, String> consumer) {
    var infos = consumer.partitionsFor(TOPIC, Duration.ofSeconds(30));
    if (infos == null || infos.isEmpty()) {
      throw new IllegalStateException("topic " + TOPIC + " does not exist on " + bootstrapServers);
    }
    return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
  }

  private KafkaConsumer<String, String> consumer() {
    Map<String, Object> props =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed",
            ConsumerConfig.CLIENT_ID_CONFIG,
            "ragstream-generations-" + UUID.randomUUID());
    return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
  }
}
