package io.ragstream.cli.dlq;

import io.ragstream.core.model.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Reads and replays the dead-letter topic with plain Kafka clients.
 *
 * <p>{@link #list} reads the whole topic from the beginning without a consumer group (nothing is
 * committed). {@link #replay} re-publishes the original key, value and headers (without the {@code
 * ragstream.error.*} headers, plus {@value Topics#REPLAYED_FROM_HEADER}) to the original topic, so
 * the record goes through the normal pipeline again; it then commits the position it reached in the
 * consumer group {@link #replayGroup(String)}, so a second replay only handles records that arrived
 * since. Replays are safe to repeat in any case: the pipeline is idempotent and version-guarded.
 *
 * <p>Blocking; not thread-safe; one instance per command.
 */
public final class DeadLetterQueue {
  /** Consumer group of unfiltered replays; a replay with {@code --reason R} uses {@code .R}. */
  public static final String REPLAY_GROUP = "ragstream-dlq-replay";

  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final String bootstrapServers;
  private final String topic;

  /** A reader of {@code topic} (usually {@value Topics#DLQ}) on {@code bootstrapServers}. */
  public DeadLetterQueue(String bootstrapServers, String topic) {
    this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    this.topic = Objects.requireNonNull(topic, "topic");
  }

  /** The consumer group that records how far replays of {@code reason} (null = all) got. */
  public static String replayGroup(String reason) {
    return reason == null ? REPLAY_GROUP : REPLAY_GROUP + "." + reason;
  }

  /**
   * The newest {@code limit} records whose reason code is {@code reason} (null = any), oldest first
   * (by partition, then offset).
   *
   * @throws org.apache.kafka.common.errors.TimeoutException when Kafka does not answer in 30 s
   */
  public List<DeadLetterRecord> list(String reason, int limit) {
    Deque<DeadLetterRecord> newest = new ArrayDeque<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(null)) {
      List<TopicPartition> partitions = partitions(consumer);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      readUpToEnd(
          consumer,
          partitions,
          r -> {
            DeadLetterRecord d = DeadLetterRecord.of(r);
            if (reason == null || reason.equals(d.code())) {
              newest.addLast(d);
              if (newest.size() > limit) {
                newest.removeFirst();
              }
            }
          });
    }
    return new ArrayList<>(newest);
  }

  /** What a replay did. */
  public record ReplayResult(
      List<DeadLetterRecord> replayed, int skippedWithoutOrigin, boolean dryRun) {}

  /**
   * Re-publishes every record with reason code {@code reason} (null = any) that this replay group
   * has not handled yet to its original topic; unless {@code dryRun}, then commits the group's
   * position at the end of what was read. Records without an origin-topic header are skipped (and
   * counted).
   */
  public ReplayResult replay(String reason, boolean dryRun) {
    List<DeadLetterRecord> replayed = new ArrayList<>();
    int[] skipped = {0};
    String group = replayGroup(reason);
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(group);
        KafkaProducer<byte[], byte[]> producer = dryRun ? null : producer()) {
      List<TopicPartition> partitions = partitions(consumer);
      consumer.assign(partitions);
      Map<TopicPartition, OffsetAndMetadata> committed =
          consumer.committed(Set.copyOf(partitions), TIMEOUT);
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata at = committed.get(tp);
        if (at == null) {
          consumer.seekToBeginning(List.of(tp));
        } else {
          consumer.seek(tp, at.offset());
        }
      }
      Map<TopicPartition, Long> end =
          readUpToEnd(
              consumer,
              partitions,
              r -> {
                DeadLetterRecord d = DeadLetterRecord.of(r);
                if (reason != null && !reason.equals(d.code())) {
                  return;
                }
                if (d.originTopic() == null || d.originTopic().isBlank()) {
                  skipped[0]++;
                  return;
                }
                if (!dryRun) {
                  producer.send(republished(r, d));
                }
                replayed.add(d);
              });
      if (!dryRun) {
        producer.flush();
        Map<TopicPartition, OffsetAndMetadata> reached = new HashMap<>();
        end.forEach((tp, offset) -> reached.put(tp, new OffsetAndMetadata(offset)));
        consumer.commitSync(reached, TIMEOUT);
      }
    }
    return new ReplayResult(replayed, skipped[0], dryRun);
  }

  private static ProducerRecord<byte[], byte[]> republished(
      ConsumerRecord<byte[], byte[]> r, DeadLetterRecord d) {
    RecordHeaders headers = new RecordHeaders();
    for (Header h : r.headers()) {
      if (!h.key().startsWith(Topics.DLQ_HEADER_PREFIX)) {
        headers.add(h);
      }
    }
    headers.add(
        Topics.REPLAYED_FROM_HEADER,
        (r.partition() + "@" + r.offset()).getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>(d.originTopic(), null, null, r.key(), r.value(), headers);
  }

  /** Polls until every partition's position reaches its end offset as of the call; returns it. */
  private Map<TopicPartition, Long> readUpToEnd(
      KafkaConsumer<byte[], byte[]> consumer,
      List<TopicPartition> partitions,
      Consumer<ConsumerRecord<byte[], byte[]>> each) {
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!reached(consumer, end)) {
      if (System.nanoTime() > deadline) {
        throw new org.apache.kafka.common.errors.TimeoutException(
            "could not read " + topic + " up to " + end + " within " + TIMEOUT);
      }
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
        if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
          each.accept(r);
        }
      }
    }
    return end;
  }

  private static boolean reached(
      KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey(), TIMEOUT) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, TIMEOUT);
    if (infos == null || infos.isEmpty()) {
      throw new IllegalArgumentException(
          "topic " + topic + " does not exist at " + bootstrapServers + " (nothing dead-lettered)");
    }
    return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
  }

  private KafkaConsumer<byte[], byte[]> consumer(String group) {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    if (group != null) {
      props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    }
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private KafkaProducer<byte[], byte[]> producer() {
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
