package io.ragstream.cli.dlq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.cli.bench.CliRun;
import io.ragstream.cli.local.LocalRuntime;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.Topics;
import io.ragstream.localkafka.EmbeddedKafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ragstream dlq list | replay} against the embedded KRaft broker: dead letters of both
 * stages are listed with their headers and filtered by reason, a dry run publishes nothing, a
 * replay puts the original records back on their original topics without the error headers, and a
 * second replay repeats nothing. The tests share one broker and run in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DlqCommandIT {
  private static final String RAW = "it.public.documents";

  @TempDir static Path dir;
  private EmbeddedKafkaBroker broker;
  private KafkaProducer<String, String> producer;

  @BeforeAll
  void startBroker() throws Exception {
    broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0, Duration.ofSeconds(60));
    broker
        .admin()
        .createTopics(
            List.of(
                new NewTopic(Topics.DLQ, 2, (short) 1),
                new NewTopic(RAW, 1, (short) 1),
                new NewTopic(Topics.CHANGES, 1, (short) 1)))
        .all()
        .get(30, TimeUnit.SECONDS);
    producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new StringSerializer(),
            new StringSerializer());
    deadLetter(0, "normalizer", "column_missing", RAW, 5, "{\"id\":\"1\"}", "{\"op\":\"c\"}");
    deadLetter(1, "indexer", "body_too_large", Topics.CHANGES, 9, "pg:public.documents:2", "{2}");
    deadLetter(0, "normalizer", "column_missing", RAW, 6, "{\"id\":\"3\"}", "{\"op\":\"u\"}");
    deadLetter(1, "normalizer", "malformed_record", null, -1, "k", "v");
  }

  @AfterAll
  void stopBroker() {
    if (producer != null) producer.close();
    if (broker != null) broker.close();
  }

  @Test
  @Order(1)
  void listsEveryDeadLetterWithStageReasonAndOrigin() throws Exception {
    CliRun run =
        CliRun.of("dlq", "list", "--json", "--bootstrap-servers", broker.bootstrapServers());
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode list = Json.mapper().readTree(run.out());
    assertThat(list).hasSize(4);
    JsonNode big = find(list, "body_too_large");
    assertThat(big.path("stage").asText()).isEqualTo("indexer");
    assertThat(big.path("originTopic").asText()).isEqualTo(Topics.CHANGES);
    assertThat(big.path("originOffset").asLong()).isEqualTo(9);
    assertThat(big.path("key").asText()).isEqualTo("pg:public.documents:2");
    assertThat(big.path("reason").asText()).isEqualTo("reason body_too_large");
    assertThat(big.path("time").asLong()).isEqualTo(1_700_000_000_000L);

    CliRun text =
        CliRun.of(
            "dlq",
            "list",
            "--reason",
            "column_missing",
            "--limit",
            "1",
            "--bootstrap-servers",
            broker.bootstrapServers());
    assertThat(text.out().lines().toList())
        .singleElement()
        .asString()
        .contains("normalizer")
        .contains("column_missing")
        .contains(RAW + "-0@6");
  }

  @Test
  @Order(2)
  void findsTheEmbeddedBrokerOfARunningPlatformThroughTheDataDir() throws Exception {
    Path dataDir = dir.resolve("data");
    Files.createDirectories(dataDir);
    LocalRuntime.write(
        dataDir,
        new LocalRuntime(
            ProcessHandle.current().pid(),
            "http://127.0.0.1:1",
            broker.bootstrapServers(),
            System.currentTimeMillis()));
    CliRun run = CliRun.of("dlq", "list", "--json", "--data-dir", dataDir.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(Json.mapper().readTree(run.out())).hasSize(4);

    CliRun missing = CliRun.of("dlq", "list", "--data-dir", dir.resolve("nowhere").toString());
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).contains("kafka.bootstrap-servers").contains("ragstream local");
  }

  @Test
  @Order(3)
  void rejectsAnUnknownReason() {
    CliRun run =
        CliRun.of(
            "dlq", "list", "--reason", "nope", "--bootstrap-servers", broker.bootstrapServers());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("unknown dead-letter reason 'nope'").contains("body_too_large");
  }

  @Test
  @Order(4)
  void dryRunPublishesNothing() throws Exception {
    CliRun run =
        CliRun.of("dlq", "replay", "--dry-run", "--bootstrap-servers", broker.bootstrapServers());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("would replay 3 record(s)").contains("skipped 1");
    assertThat(read(RAW, 0, Duration.ofSeconds(2))).isEmpty();
  }

  @Test
  @Order(5)
  void replayRepublishesOriginalRecordsToTheirTopicsOnce() throws Exception {
    CliRun run =
        CliRun.of(
            "dlq",
            "replay",
            "--reason",
            "column_missing",
            "--bootstrap-servers",
            broker.bootstrapServers());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("replayed 2 record(s)");
    List<ConsumerRecord<String, String>> raw = read(RAW, 2, Duration.ofSeconds(30));
    assertThat(raw)
        .extracting(ConsumerRecord::value)
        .containsExactly("{\"op\":\"c\"}", "{\"op\":\"u\"}");
    assertThat(raw)
        .extracting(ConsumerRecord::key)
        .containsExactly("{\"id\":\"1\"}", "{\"id\":\"3\"}");
    assertThat(raw)
        .allSatisfy(
            r -> {
              assertThat(r.headers().lastHeader(Topics.DLQ_HEADER_REASON)).isNull();
              assertThat(r.headers().lastHeader(Topics.DLQ_HEADER_CODE)).isNull();
              assertThat(r.headers().lastHeader("trace-id").value()).isNotNull();
              assertThat(r.headers().lastHeader(Topics.REPLAYED_FROM_HEADER)).isNotNull();
            });
    assertThat(read(Topics.CHANGES, 0, Duration.ofSeconds(1)))
        .as("other reasons untouched")
        .isEmpty();

    CliRun again =
        CliRun.of(
            "dlq",
            "replay",
            "--reason",
            "column_missing",
            "--bootstrap-servers",
            broker.bootstrapServers());
    assertThat(again.out()).contains("replayed 0 record(s)");

    deadLetter(0, "normalizer", "column_missing", RAW, 7, "{\"id\":\"4\"}", "{\"op\":\"c4\"}");
    CliRun newer =
        CliRun.of(
            "dlq",
            "replay",
            "--reason",
            "column_missing",
            "--json",
            "--bootstrap-servers",
            broker.bootstrapServers());
    JsonNode result = Json.mapper().readTree(newer.out());
    assertThat(result.path("replayed").asInt())
        .as("only the record that arrived since")
        .isEqualTo(1);
    assertThat(read(RAW, 3, Duration.ofSeconds(30)))
        .extracting(ConsumerRecord::value)
        .endsWith("{\"op\":\"c4\"}");
  }

  @Test
  @Order(6)
  void unfilteredReplayHasItsOwnPosition() throws Exception {
    CliRun run = CliRun.of("dlq", "replay", "--bootstrap-servers", broker.bootstrapServers());
    assertThat(run.out()).contains("replayed 4 record(s)").contains("skipped 1");
    assertThat(read(Topics.CHANGES, 1, Duration.ofSeconds(30)))
        .singleElement()
        .satisfies(r -> assertThat(r.key()).isEqualTo("pg:public.documents:2"));
    assertThat(CliRun.of("dlq", "replay", "--bootstrap-servers", broker.bootstrapServers()).out())
        .contains("replayed 0 record(s)");
  }

  private void deadLetter(
      int partition,
      String stage,
      String code,
      String originTopic,
      long originOffset,
      String key,
      String value)
      throws Exception {
    RecordHeaders h = new RecordHeaders();
    h.add("trace-id", bytes("t-" + key));
    h.add(Topics.DLQ_HEADER_REASON, bytes("reason " + code));
    h.add(Topics.DLQ_HEADER_CODE, bytes(code));
    h.add(Topics.DLQ_HEADER_EXCEPTION, bytes("x.Y"));
    if (originTopic != null) {
      h.add(Topics.DLQ_HEADER_TOPIC, bytes(originTopic));
      h.add(Topics.DLQ_HEADER_PARTITION, bytes("0"));
      h.add(Topics.DLQ_HEADER_OFFSET, bytes(Long.toString(originOffset)));
    }
    h.add(Topics.DLQ_HEADER_STAGE, bytes(stage));
    h.add(Topics.DLQ_HEADER_TIME, bytes("1700000000000"));
    producer.send(new ProducerRecord<>(Topics.DLQ, partition, null, key, value, h)).get();
  }

  private List<ConsumerRecord<String, String>> read(String topic, int atLeast, Duration wait) {
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "it-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + wait.toNanos();
      if (atLeast > 0) {
        await()
            .atMost(wait)
            .until(
                () -> {
                  consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                  return out.size() >= atLeast;
                });
      } else {
        while (System.nanoTime() < deadline) {
          consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        }
      }
    }
    return out;
  }

  private static JsonNode find(JsonNode list, String code) {
    for (JsonNode n : list) {
      if (n.path("code").asText().equals(code)) return n;
    }
    throw new AssertionError("no " + code + " in " + list);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
