package io.ragstream.trainer.adapter;

import static io.ragstream.trainer.adapter.FeedbackJoinTest.EMB;
import static io.ragstream.trainer.adapter.FeedbackJoinTest.Q1;
import static io.ragstream.trainer.adapter.FeedbackJoinTest.Q2;
import static io.ragstream.trainer.adapter.FeedbackJoinTest.Q3;
import static io.ragstream.trainer.adapter.FeedbackJoinTest.Q4;
import static io.ragstream.trainer.adapter.FeedbackJoinTest.feedback;
import static io.ragstream.trainer.adapter.FeedbackJoinTest.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.GatewayEventJson;
import io.ragstream.core.event.QueryEvent;
import io.ragstream.core.model.Topics;
import io.ragstream.localkafka.EmbeddedKafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads queries and feedback from a real broker up to a dataset position and joins them. */
class KafkaTrainingPairSourceIT {
  @TempDir Path dir;

  @Test
  void readsFeedbackUpToTheDatasetPositionAndJoinsItWithTheQueries() throws Exception {
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0, Duration.ofSeconds(60))) {
      broker
          .admin()
          .createTopics(
              List.of(
                  new NewTopic(Topics.QUERIES, 2, (short) 1),
                  new NewTopic(Topics.FEEDBACK, 2, (short) 1)))
          .all()
          .get();
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
      props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
      props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
      long[] feedbackEnd = new long[2];
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
        for (QueryEvent q :
            List.of(
                query(Q1, "dense", EMB, "d1", "d2"),
                query(Q2, "dense", EMB, "d3"),
                query(Q3, "dense", EMB, "d4"),
                query(Q4, "dense", EMB, "d5"))) {
          producer.send(record(Topics.QUERIES, q.queryId(), GatewayEventJson.toJson(q))).get();
        }
        // In the dataset: Q1 -> d2, Q2 -> d3 (all partitions up to here).
        for (FeedbackEvent f : List.of(feedback(Q1, "d2", true), feedback(Q2, "d3", true))) {
          RecordMetadata m =
              producer.send(record(Topics.FEEDBACK, f.queryId(), GatewayEventJson.toJson(f))).get();
          feedbackEnd[m.partition()] = Math.max(feedbackEnd[m.partition()], m.offset() + 1);
        }
        // After the dataset position: must not be read.
        for (FeedbackEvent f : List.of(feedback(Q3, "d4", true), feedback(Q4, "d5", true))) {
          producer.send(record(Topics.FEEDBACK, f.queryId(), GatewayEventJson.toJson(f))).get();
        }
        producer
            .send(record(Topics.FEEDBACK, Q1, "not json".getBytes(StandardCharsets.UTF_8)))
            .get();
      }
      String dataset = Topics.FEEDBACK + "@0:" + feedbackEnd[0] + ",1:" + feedbackEnd[1];

      List<TrainingPair> pairs =
          new KafkaTrainingPairSource(
                  broker.bootstrapServers(), dataset, EMB, Duration.ofSeconds(60))
              .pairs();

      assertThat(pairs)
          .extracting(TrainingPair::queryId, TrainingPair::relevantDocumentId)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple(Q1, "d2"),
              org.assertj.core.groups.Tuple.tuple(Q2, "d3"));
      assertThat(pairs)
          .filteredOn(p -> p.queryId().equals(Q1))
          .singleElement()
          .satisfies(p -> assertThat(p.retrievedDocumentIds()).containsExactly("d1", "d2"));
    }
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
    return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
  }
}
