package io.ragstream.ingest.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a one-partition topic from the beginning, accumulating records (CDC integration tests). */
final class RawTopic implements AutoCloseable {
  final List<ConsumerRecord<String, String>> records = new ArrayList<>();
  private final KafkaConsumer<String, String> consumer;
  private final Duration timeout;

  RawTopic(String bootstrapServers, String topic, Duration timeout) {
    this.timeout = timeout;
    consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new StringDeserializer(),
            new StringDeserializer());
    TopicPartition tp = new TopicPartition(topic, 0);
    consumer.assign(List.of(tp));
    consumer.seekToBeginning(List.of(tp));
  }

  /** Waits until exactly {@code n} records arrived (nothing more within a short extra poll). */
  void awaitSize(int n) {
    await()
        .atMost(timeout)
        .untilAsserted(
            () -> {
              consumer.poll(Duration.ofMillis(200)).forEach(records::add);
              assertThat(records).hasSizeGreaterThanOrEqualTo(n);
            });
    consumer.poll(Duration.ofMillis(500)).forEach(records::add);
    assertThat(records).as("records on %s: %s", consumer.assignment(), ops()).hasSize(n);
  }

  List<JsonNode> values() {
    return records.stream().map(r -> r.value() == null ? null : parse(r.value())).toList();
  }

  /** {@code op:id} per record, {@code tombstone:id} for null values. */
  List<String> ops() {
    List<String> ops = new ArrayList<>();
    for (ConsumerRecord<String, String> r : records) {
      String id = r.key().startsWith("{") ? parse(r.key()).path("id").asText() : r.key();
      ops.add(
          r.value() == null ? "tombstone:" + id : parse(r.value()).path("op").asText() + ":" + id);
    }
    return ops;
  }

  @Override
  public void close() {
    consumer.close();
  }

  static JsonNode parse(String json) {
    try {
      return Json.mapper().readTree(json);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }
}
