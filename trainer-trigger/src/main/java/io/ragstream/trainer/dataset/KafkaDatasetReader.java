package io.ragstream.trainer.dataset;

import io.ragstream.core.error.RetriableException;
import io.ragstream.core.event.AnswerEvent;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.GatewayEventJson;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.Topics;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the events of a chat dataset from Kafka: {@code ragstream.feedback} up to the end offsets
 * the {@link io.ragstream.core.event.TrainingJobRequest#dataset()} names, and {@code
 * ragstream.answers} up to its end offsets at the time of reading (answers precede their feedback,
 * so every judged answer is there).
 *
 * <p>Partitions are read with {@code assign} from their beginning (no consumer group, nothing is
 * committed). A record that does not parse as its event type is left out and counted in {@link
 * DatasetInput#malformed()} (with a WARN naming its position); the read goes on.
 *
 * <p>Blocking; one consumer per {@link #read} call, so calls may run concurrently.
 */
public final class KafkaDatasetReader implements DatasetSource {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaDatasetReader.class);

  private final Map<String, Object> consumerConfig;
  private final String answersTopic;
  private final Duration timeout;
  private final Clock clock;

  /**
   * @param bootstrapServers Kafka's {@code bootstrap.servers}
   * @param extraConfig further consumer settings (security, ...); may be empty
   * @param answersTopic the answers topic, normally {@link Topics#ANSWERS}
   * @param timeout longest time one {@link #read} may take
   * @param clock measures {@code timeout}
   */
  public KafkaDatasetReader(
      String bootstrapServers,
      Map<String, Object> extraConfig,
      String answersTopic,
      Duration timeout,
      Clock clock) {
    Map<String, Object> config = new HashMap<>(extraConfig);
    config.put(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        Objects.requireNonNull(bootstrapServers, "bootstrapServers"));
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "ragstream-dataset-reader");
    this.consumerConfig = Map.copyOf(config);
    this.answersTopic = Objects.requireNonNull(answersTopic, "answersTopic");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Reads the answers and the feedback of {@code dataset}.
   *
   * @param dataset {@code ragstream.feedback@partition:offset,...} (exclusive end offsets)
   * @throws IllegalArgumentException when {@code dataset} is malformed, or names an end offset
   *     beyond the end of its partition's log
   * @throws RetriableException when Kafka does not answer, or the read does not finish, within the
   *     timeout
   */
  @Override
  public DatasetInput read(String dataset) {
    TopicPositions feedbackEnd = TopicPositions.parse(dataset);
    Instant deadline = clock.instant().plus(timeout);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig)) {
      Map<TopicPartition, Long> feedbackEnds = new LinkedHashMap<>();
      feedbackEnd
          .endOffsets()
          .forEach((p, o) -> feedbackEnds.put(new TopicPartition(feedbackEnd.topic(), p), o));
      if (!feedbackEnds.isEmpty()) {
        Map<TopicPartition, Long> logEnds = consumer.endOffsets(feedbackEnds.keySet(), timeout);
        feedbackEnds.forEach(
            (tp, end) -> {
              long logEnd = logEnds.getOrDefault(tp, 0L);
              if (end > logEnd) {
                throw new IllegalArgumentException(
                    "dataset '"
                        + dataset
                        + "' reads "
                        + tp
                        + " up to offset "
                        + end
                        + " but its log ends at "
                        + logEnd);
              }
            });
      }
      List<PartitionInfo> answerPartitions = consumer.partitionsFor(answersTopic, timeout);
      Map<TopicPartition, Long> answerEnds = new TreeMap<>(KafkaDatasetReader::compare);
      if (answerPartitions != null && !answerPartitions.isEmpty()) {
        List<TopicPartition> tps = new ArrayList<>();
        answerPartitions.forEach(p -> tps.add(new TopicPartition(p.topic(), p.partition())));
        answerEnds.putAll(consumer.endOffsets(tps, timeout));
      }

      int[] malformed = {0};
      List<AnswerEvent> answers = new ArrayList<>();
      readUpTo(
          consumer, answerEnds, deadline, malformed, KafkaDatasetReader::parseAnswer, answers::add);
      List<FeedbackEvent> feedback = new ArrayList<>();
      readUpTo(
          consumer,
          feedbackEnds,
          deadline,
          malformed,
          GatewayEventJson::feedbackFromJson,
          feedback::add);

      Map<Integer, Long> byPartition = new TreeMap<>();
      answerEnds.forEach((tp, end) -> byPartition.put(tp.partition(), end));
      Map<String, String> sources = new TreeMap<>();
      sources.put("answers", new TopicPositions(answersTopic, byPartition).toString());
      sources.put("feedback", feedbackEnd.toString());
      LOG.info(
          "read dataset {}: {} answers, {} feedback, {} malformed",
          sources,
          answers.size(),
          feedback.size(),
          malformed[0]);
      return new DatasetInput(answers, feedback, sources, malformed[0]);
    } catch (TimeoutException e) {
      throw new RetriableException("Kafka did not answer within " + timeout, e);
    }
  }

  private <T> void readUpTo(
      KafkaConsumer<byte[], byte[]> consumer,
      Map<TopicPartition, Long> ends,
      Instant deadline,
      int[] malformed,
      Function<byte[], T> parse,
      Consumer<T> sink) {
    Map<TopicPartition, Long> pending = new LinkedHashMap<>();
    ends.forEach(
        (tp, end) -> {
          if (end > 0) {
            pending.put(tp, end);
          }
        });
    if (pending.isEmpty()) {
      return;
    }
    consumer.assign(pending.keySet());
    consumer.seekToBeginning(pending.keySet());
    // Partitions whose retained log starts at or after the end have nothing to read.
    pending.entrySet().removeIf(e -> consumer.position(e.getKey(), timeout) >= e.getValue());
    while (!pending.isEmpty()) {
      if (clock.instant().isAfter(deadline)) {
        throw new RetriableException(
            "reading " + pending.keySet() + " did not finish within " + timeout, null);
      }
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        Long end = pending.get(tp);
        if (end == null || record.offset() >= end) {
          continue;
        }
        try {
          sink.accept(parse.apply(record.value()));
        } catch (IllegalArgumentException e) {
          malformed[0]++;
          LOG.warn("left out {}@{}: {}", tp, record.offset(), e.getMessage());
        }
      }
      pending.entrySet().removeIf(e -> consumer.position(e.getKey(), timeout) >= e.getValue());
      consumer.pause(
          consumer.assignment().stream().filter(tp -> !pending.containsKey(tp)).toList());
    }
  }

  private static AnswerEvent parseAnswer(byte[] json) {
    if (json == null) {
      throw new IllegalArgumentException("malformed AnswerEvent: no JSON (null)");
    }
    try {
      return Json.mapper().readValue(json, AnswerEvent.class);
    } catch (IOException e) {
      Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
      throw new IllegalArgumentException("malformed AnswerEvent: " + cause.getMessage(), e);
    }
  }

  private static int compare(TopicPartition a, TopicPartition b) {
    int c = a.topic().compareTo(b.topic());
    return c != 0 ? c : Integer.compare(a.partition(), b.partition());
  }
}
