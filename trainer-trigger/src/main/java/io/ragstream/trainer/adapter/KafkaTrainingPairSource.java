package io.ragstream.trainer.adapter;

import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.GatewayEventJson;
import io.ragstream.core.event.QueryEvent;
import io.ragstream.core.model.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the training pairs of one job from Kafka with a plain {@link KafkaConsumer} (assigned
 * partitions, no consumer group, no commits): {@code ragstream.feedback} from the beginning up to
 * the job's {@link DatasetPosition} (exclusive end offsets), and {@code ragstream.queries} from the
 * beginning up to its end offsets at the time of the read (a query is published before any feedback
 * on it, so those cover every query the feedback refers to); then {@link FeedbackJoin}. Records
 * that cannot be parsed are skipped and counted in the log (they went to the DLQ at the gateway's
 * side already, if anywhere). Records below the log start (deleted by retention) are simply absent.
 *
 * <p>Blocks for the read; {@link #pairs()} may be called again (it reads anew). Not thread-safe.
 */
public final class KafkaTrainingPairSource implements TrainingPairSource {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaTrainingPairSource.class);

  private final Properties consumerConfig;
  private final DatasetPosition feedbackEnd;
  private final String queriesTopic;
  private final String embedder;
  private final Duration timeout;

  /**
   * @param bootstrapServers the Kafka bootstrap servers
   * @param dataset the job's {@code dataset} ({@code ragstream.feedback@0:120,1:98})
   * @param embedder the embedder whose query embeddings to train on
   * @param timeout how long the whole read may take before it fails
   * @throws IllegalArgumentException when {@code dataset} is malformed
   */
  public KafkaTrainingPairSource(
      String bootstrapServers, String dataset, String embedder, Duration timeout) {
    this(bootstrapServers, DatasetPosition.parse(dataset), Topics.QUERIES, embedder, timeout);
  }

  KafkaTrainingPairSource(
      String bootstrapServers,
      DatasetPosition feedbackEnd,
      String queriesTopic,
      String embedder,
      Duration timeout) {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    this.feedbackEnd = Objects.requireNonNull(feedbackEnd, "feedbackEnd");
    this.queriesTopic = Objects.requireNonNull(queriesTopic, "queriesTopic");
    this.embedder = Objects.requireNonNull(embedder, "embedder");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    consumerConfig = new Properties();
    consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "ragstream-adapter-trainer");
  }

  @Override
  public List<TrainingPair> pairs() {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<QueryEvent> queries = new ArrayList<>();
    List<FeedbackEvent> feedback = new ArrayList<>();
    int[] bad = new int[1];
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig)) {
      Map<TopicPartition, Long> feedbackEnds = new HashMap<>();
      feedbackEnd
          .endOffsets()
          .forEach((p, o) -> feedbackEnds.put(new TopicPartition(feedbackEnd.topic(), p), o));
      read(
          consumer,
          feedbackEnds,
          deadline,
          r -> {
            try {
              feedback.add(GatewayEventJson.feedbackFromJson(r.value()));
            } catch (IllegalArgumentException e) {
              bad[0]++;
            }
          });
      List<TopicPartition> queryPartitions = new ArrayList<>();
      for (PartitionInfo p : consumer.partitionsFor(queriesTopic, remaining(deadline))) {
        queryPartitions.add(new TopicPartition(queriesTopic, p.partition()));
      }
      Map<TopicPartition, Long> queryEnds =
          consumer.endOffsets(queryPartitions, remaining(deadline));
      read(
          consumer,
          queryEnds,
          deadline,
          r -> {
            try {
              queries.add(GatewayEventJson.queryFromJson(r.value()));
            } catch (IllegalArgumentException e) {
              bad[0]++;
            }
          });
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new RagstreamException(
          "reading training data up to " + feedbackEnd + " timed out after " + timeout, e);
    }
    FeedbackJoin.Result result = FeedbackJoin.join(queries, feedback, embedder);
    LOG.info(
        "Read {} queries and {} feedback events up to {}: {} training pairs ({} feedback without"
            + " its query, {} of other embedders, {} unparsable records)",
        queries.size(),
        feedback.size(),
        feedbackEnd,
        result.pairs().size(),
        result.orphanFeedback(),
        result.otherEmbedder(),
        bad[0]);
    return result.pairs();
  }

  /** Reads every assigned partition from its beginning up to its exclusive end offset. */
  private static void read(
      KafkaConsumer<byte[], byte[]> consumer,
      Map<TopicPartition, Long> ends,
      long deadline,
      Consumer<ConsumerRecord<byte[], byte[]>> sink) {
    Map<TopicPartition, Long> pending = new HashMap<>();
    ends.forEach(
        (tp, end) -> {
          if (end > 0) pending.put(tp, end);
        });
    if (pending.isEmpty()) return;
    consumer.assign(pending.keySet());
    consumer.seekToBeginning(pending.keySet());
    while (!pending.isEmpty()) {
      for (TopicPartition tp : List.copyOf(pending.keySet())) {
        if (consumer.position(tp, remaining(deadline)) >= pending.get(tp)) {
          pending.remove(tp);
          consumer.pause(List.of(tp));
        }
      }
      if (pending.isEmpty()) break;
      if (System.nanoTime() > deadline) {
        throw new org.apache.kafka.common.errors.TimeoutException(
            "partitions " + pending.keySet() + " not read to their end offsets");
      }
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        Long end = ends.get(new TopicPartition(r.topic(), r.partition()));
        if (end != null && r.offset() < end && r.value() != null) sink.accept(r);
      }
    }
    consumer.unsubscribe();
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
  }
}
