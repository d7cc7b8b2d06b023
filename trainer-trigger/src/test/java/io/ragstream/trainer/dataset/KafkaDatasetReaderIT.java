package io.ragstream.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.event.AnswerEvent;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.GatewayEventJson;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.Topics;
import io.ragstream.localkafka.EmbeddedKafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link KafkaDatasetReader} against a real Kafka broker in the JVM. */
class KafkaDatasetReaderIT {
  @TempDir static Path dir;
  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0, Duration.ofSeconds(120));
    try (Admin admin = broker.admin()) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(Topics.ANSWERS, 2, (short) 1),
                  new NewTopic(Topics.FEEDBACK, 2, (short) 1)))
          .all()
          .get(60, TimeUnit.SECONDS);
    }
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
      answer(producer, 0, ChatEvents.answer(1, "Bees dance [1].", "d1"));
      answer(producer, 1, ChatEvents.answer(2, "Ants use pheromones [2].", "d2"));
      producer.send(new ProducerRecord<>(Topics.ANSWERS, 1, null, bytes("{\"queryId\":\"nope\"}")));
      answer(producer, 0, ChatEvents.answer(3, "Both [1][2].", "d1", "d2"));
      answer(producer, 1, ChatEvents.answer(4, "Judged later.", "d1"));
      // feedback partition 0: offsets 0..2; partition 1: offsets 0..1
      feedback(producer, 0, ChatEvents.feedback(1, "d1", true));
      producer.send(new ProducerRecord<>(Topics.FEEDBACK, 0, null, bytes("not json")));
      feedback(producer, 0, ChatEvents.feedback(2, "d2", true));
      feedback(producer, 1, ChatEvents.feedback(3, "d1", true));
      feedback(producer, 1, ChatEvents.feedback(4, "d1", true)); // beyond the dataset's end
      producer.flush();
    }
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static void answer(KafkaProducer<byte[], byte[]> p, int partition, AnswerEvent a) {
    p.send(
        new ProducerRecord<>(Topics.ANSWERS, partition, bytes(a.queryId()), bytes(Json.write(a))));
  }

  private static void feedback(KafkaProducer<byte[], byte[]> p, int partition, FeedbackEvent f) {
    p.send(
        new ProducerRecord<>(
            Topics.FEEDBACK, partition, bytes(f.queryId()), GatewayEventJson.toJson(f)));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static KafkaDatasetReader reader() {
    return new KafkaDatasetReader(
        broker.bootstrapServers(),
        Map.of(),
        Topics.ANSWERS,
        Duration.ofSeconds(30),
        Clock.systemUTC());
  }

  @Test
  void readsFeedbackUpToTheRequestsOffsetsAndAllAnswers() {
    DatasetInput input = reader().read("ragstream.feedback@0:3,1:1");

    assertThat(input.answers())
        .extracting(AnswerEvent::queryId)
        .containsExactlyInAnyOrder(
            ChatEvents.queryId(1),
            ChatEvents.queryId(2),
            ChatEvents.queryId(3),
            ChatEvents.queryId(4));
    assertThat(input.feedback())
        .extracting(FeedbackEvent::queryId)
        .containsExactlyInAnyOrder(
            ChatEvents.queryId(1), ChatEvents.queryId(2), ChatEvents.queryId(3));
    assertThat(input.malformed()).isEqualTo(2); // one answer, one feedback record
    assertThat(input.sources())
        .containsEntry("feedback", "ragstream.feedback@0:3,1:1")
        .containsEntry("answers", "ragstream.answers@0:2,1:3");

    ChatDataset dataset =
        new ChatDatasetExporter(false, 0.0, Clock.systemUTC()).export(input, dir.resolve("ds"));
    assertThat(dataset.examples()).isEqualTo(3); // answer 4's feedback lies past the end
    assertThat(dataset.manifest().counts().malformed()).isEqualTo(2);
    assertThat(dataset.manifest().sources()).isEqualTo(input.sources());
  }

  @Test
  void anEndOffsetPastTheLogIsABadReference() {
    assertThatThrownBy(() -> reader().read("ragstream.feedback@0:50"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ragstream.feedback-0 up to offset 50 but its log ends at 3");
  }

  @Test
  void aPartitionListThatReadsNothingGivesNoFeedback() {
    DatasetInput input = reader().read("ragstream.feedback@0:0");

    assertThat(input.feedback()).isEmpty();
    assertThat(input.answers()).hasSize(4);
  }
}
