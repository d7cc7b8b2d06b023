package io.ragstream.gateway.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.Topics;
import io.ragstream.localkafka.EmbeddedKafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KafkaAdapterWatcher} on the real embedded broker: a gateway that starts late serves the
 * adapter the topic's history promoted last, follows later promotions, and survives malformed
 * records.
 */
class KafkaAdapterWatcherIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String EMBEDDER = "bge-small-en-v1.5-q@test";

  @TempDir static Path dir;

  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0, Duration.ofSeconds(120));
    try (Admin admin = broker.admin()) {
      admin
          .createTopics(List.of(new NewTopic(Topics.ADAPTERS, 2, (short) 1)))
          .all()
          .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() {
    if (broker != null) broker.close();
  }

  private static AdapterEvent event(String id, AdapterEvent.Status status) {
    return new AdapterEvent(
        id,
        AdapterKind.QUERY_ADAPTER,
        EMBEDDER,
        AdapterEvent.BASE.equals(id) ? null : "file:/registry/" + id,
        status,
        Map.of(),
        null,
        null,
        "test",
        1);
  }

  private static void send(KafkaProducer<String, byte[]> producer, String key, byte[] value)
      throws Exception {
    producer.send(new ProducerRecord<>(Topics.ADAPTERS, key, value)).get(30, TimeUnit.SECONDS);
  }

  private static void send(KafkaProducer<String, byte[]> producer, AdapterEvent e)
      throws Exception {
    send(producer, e.key(), Json.write(e).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void startsWithTheLastPromotionAndFollowsNewOnes() throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    QueryAdapters adapters =
        new QueryAdapters(
            EMBEDDER,
            (id, uri) -> {
              float value = Float.parseFloat(id.substring(1));
              return v -> new float[] {value};
            });
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      send(producer, event("a1", AdapterEvent.Status.PROMOTED));
      send(producer, event("a2", AdapterEvent.Status.PROMOTED));
      send(producer, event("a3", AdapterEvent.Status.REJECTED));
      send(producer, "QUERY_ADAPTER:" + EMBEDDER, "{not json".getBytes(StandardCharsets.UTF_8));

      try (KafkaAdapterWatcher watcher =
          new KafkaAdapterWatcher(broker.bootstrapServers(), Map.of(), Topics.ADAPTERS, adapters)) {
        watcher.start(TIMEOUT);
        // Caught up before start returned: the last promotion serves, the rejection does not.
        assertThat(adapters.servingId()).isEqualTo("a2");
        assertThat(adapters.apply(new float[] {0}).vector()).containsExactly(2f);
        assertThat(watcher.malformed()).isEqualTo(1);

        send(producer, event("a4", AdapterEvent.Status.PROMOTED));
        await().atMost(TIMEOUT).until(() -> adapters.servingId().equals("a4"));
        send(producer, event(AdapterEvent.BASE, AdapterEvent.Status.PROMOTED));
        await().atMost(TIMEOUT).until(() -> adapters.servingId().equals(AdapterEvent.BASE));
        assertThat(adapters.apply(new float[] {0.5f}).vector()).containsExactly(0.5f);
      }
    }
  }

  @Test
  void feedsLlmAdapterPromotionsToTheLlmRoute() throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    String base = "meta-llama/Llama-3.2-1B-Instruct";
    QueryAdapters adapters = new QueryAdapters(EMBEDDER, (id, uri) -> v -> v);
    io.ragstream.gateway.llm.LlmAdapterRoute route =
        new io.ragstream.gateway.llm.LlmAdapterRoute(base);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      send(producer, llmPromoted("llm-a", base, "rag-llama-llm-a"));
      try (KafkaAdapterWatcher watcher =
          new KafkaAdapterWatcher(
              broker.bootstrapServers(), Map.of(), Topics.ADAPTERS, adapters, List.of(route))) {
        watcher.start(TIMEOUT);
        // Caught up before start returned: the promoted LLM adapter is the default model.
        assertThat(route.model()).isEqualTo("rag-llama-llm-a");
        send(producer, llmPromoted("llm-b", base, "rag-llama-llm-b"));
        await().atMost(TIMEOUT).until(() -> route.model().equals("rag-llama-llm-b"));
        assertThat(adapters.servingId())
            .as("query adapters untouched")
            .isEqualTo(AdapterEvent.BASE);
      }
    }
  }

  private static AdapterEvent llmPromoted(String id, String base, String servedName) {
    return new AdapterEvent(
        id,
        AdapterKind.LLM_LORA,
        base,
        "file:/registry/" + id,
        AdapterEvent.Status.PROMOTED,
        Map.of(),
        AdapterEvent.BASE,
        java.util.UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.UTF_8)).toString(),
        "loaded",
        1,
        servedName);
  }
}
