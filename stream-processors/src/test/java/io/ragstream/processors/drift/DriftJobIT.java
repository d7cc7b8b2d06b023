package io.ragstream.processors.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.core.event.DriftEvent;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.GatewayEventJson;
import io.ragstream.core.event.QueryEvent;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.core.model.SourceInfo;
import io.ragstream.localkafka.EmbeddedKafkaBroker;
import io.ragstream.processors.indexing.Components;
import io.ragstream.processors.indexing.DocumentIndexingJob;
import io.ragstream.processors.local.LocalFlinkRunner;
import io.ragstream.processors.local.MicrometerReporter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drift job inside the indexing job's graph on a MiniCluster with the embedded Kafka broker and
 * the real embedder: documents, queries and feedback go in, DriftEvents of all three kinds come out
 * on the drift topic, and the drift gauges reach the Micrometer registry.
 */
class DriftJobIT {
  private static final SourceInfo SOURCE =
      new SourceInfo("postgresql", "postgres", "public", "documents");
  private static final String CHANGES = "it.changes";
  private static final String QUERIES = "it.queries";
  private static final String FEEDBACK = "it.feedback";
  private static final String DRIFT = "it.drift";
  private static final String[] TEXTS = {
    "Honey bees dance to show where the flowers are.",
    "Glaciers carve deep valleys over thousands of years.",
    "The committee reviews salary bands every spring.",
    "Volcanic ash can ground flights for days.",
    "Photosynthesis turns light into chemical energy.",
    "Tides follow the pull of the moon and the sun.",
    "Vitamin D is made in the skin under sunlight.",
    "Compilers turn source code into machine code.",
  };

  @TempDir Path dir;

  @Test
  void documentQueryAndQualityDriftEventsLandOnTheDriftTopic() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (EmbeddedKafkaBroker broker =
            EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0, Duration.ofSeconds(60));
        AutoCloseable bound = MicrometerReporter.bind("drift-it", registry);
        KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
      broker
          .admin()
          .createTopics(
              List.of(CHANGES, QUERIES, FEEDBACK, DRIFT).stream()
                  .map(t -> new NewTopic(t, 1, (short) 1))
                  .toList())
          .all()
          .get(30, TimeUnit.SECONDS);
      String bootstrap = broker.bootstrapServers();
      Configuration options =
          Configuration.fromMap(
              Map.ofEntries(
                  Map.entry("ragstream.drift.queries-topic", QUERIES),
                  Map.entry("ragstream.drift.feedback-topic", FEEDBACK),
                  Map.entry("ragstream.drift.topic", DRIFT),
                  Map.entry("ragstream.drift.window-size", "4"),
                  Map.entry("ragstream.drift.reference-size", "4"),
                  Map.entry("ragstream.drift.reference-sample-size", "4"),
                  Map.entry("ragstream.drift.permutations", "20"),
                  Map.entry("ragstream.drift.quality.window-size", "3"),
                  Map.entry("ragstream.drift.quality.feedback-window-size", "2")));
      DriftJob drift = DriftJob.kafka(bootstrap, "bge-small-en-v1.5-q", options);
      DocumentIndexingJob indexing =
          DocumentIndexingJob.builder()
              .source(DocumentIndexingJob.kafkaSource(bootstrap, CHANGES, "drift-it"))
              .deadLetterSink(DocumentIndexingJob.deadLetterSink(bootstrap, CHANGES + ".dlq"))
              .store(Components.luceneStore(dir.resolve("index")))
              .embedder(Components.embedder("bge-small-en-v1.5-q"))
              .chunker(Components.tokenChunker(32, 4))
              .embeddedChunks(drift::addTo)
              .build();

      for (int i = 0; i < TEXTS.length; i++) {
        DocumentChange c =
            new DocumentChange(
                DocumentChange.Op.UPSERT,
                "pg:public.documents:" + i,
                10 + i,
                1L,
                2L,
                "",
                TEXTS[i],
                "t",
                List.of("a"),
                Map.of(),
                SOURCE);
        producer.send(new ProducerRecord<>(CHANGES, bytes(c.documentId()), bytes(Json.write(c))));
      }
      Random random = new Random(1);
      for (int i = 0; i < 8; i++) {
        QueryEvent q =
            new QueryEvent(
                QueryEvent.newQueryId(),
                "search",
                "t",
                "alice",
                "query " + i,
                unit(random),
                "dense",
                10,
                i % 4 == 3 ? new double[0] : new double[] {0.9 - 0.05 * i},
                i % 4 == 3 ? List.of() : List.of("pg:public.documents:1"),
                3,
                1_000 + i,
                "bge-small-en-v1.5-q@test");
        producer.send(
            new ProducerRecord<>(QUERIES, bytes(q.queryId()), GatewayEventJson.toJson(q)));
        if (i < 4) {
          FeedbackEvent f =
              new FeedbackEvent(q.queryId(), "pg:public.documents:1", i < 2, "t", "alice", i, null);
          producer.send(
              new ProducerRecord<>(FEEDBACK, bytes(f.queryId()), GatewayEventJson.toJson(f)));
        }
      }
      producer.send(new ProducerRecord<>(QUERIES, bytes("x"), bytes("{not json")));
      producer.flush();

      JobClient job =
          LocalFlinkRunner.start(
              indexing, dir.resolve("checkpoints"), Duration.ofMillis(500), 1, "drift-it");
      List<DriftEvent> events = new ArrayList<>();
      try (KafkaConsumer<byte[], byte[]> consumer =
          new KafkaConsumer<>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                  ConsumerConfig.GROUP_ID_CONFIG, "drift-it-reader",
                  ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
              new ByteArrayDeserializer(),
              new ByteArrayDeserializer())) {
        consumer.subscribe(List.of(DRIFT));
        await()
            .atMost(Duration.ofSeconds(90))
            .until(
                () -> {
                  for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    DriftEvent e = Json.mapper().readValue(r.value(), DriftEvent.class);
                    assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(e.key());
                    events.add(e);
                  }
                  // Every expected series, not just every kind: a window's two events may come
                  // in different polls.
                  java.util.Set<String> seen = new java.util.HashSet<>();
                  events.forEach(e -> seen.add(e.key()));
                  return seen.containsAll(
                      List.of(
                          "DOCUMENTS:mmd_rbf",
                          "DOCUMENTS:centroid_cosine_distance",
                          "QUERIES:mmd_rbf",
                          "QUERIES:centroid_cosine_distance",
                          "QUALITY:negative_feedback_rate"));
                });
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  Gauge g =
                      registry
                          .find(MicrometerReporter.DRIFT_VALUE)
                          .tags("kind", "DOCUMENTS", "metric", "mmd_rbf")
                          .gauge();
                  return g != null && Double.isFinite(g.value());
                });
      } finally {
        job.cancel().get(60, TimeUnit.SECONDS);
      }

      assertThat(events)
          .filteredOn(e -> e.kind() == DriftEvent.Kind.DOCUMENTS)
          .extracting(DriftEvent::metric)
          .containsExactlyInAnyOrder("mmd_rbf", "centroid_cosine_distance");
      assertThat(events)
          .filteredOn(e -> e.kind() == DriftEvent.Kind.DOCUMENTS)
          .allSatisfy(
              e -> {
                assertThat(e.embedder()).startsWith("bge-small-en-v1.5-q@");
                assertThat(e.sampleSize()).isEqualTo(4);
                assertThat(e.referenceSize()).isEqualTo(4);
              });
      assertThat(events)
          .filteredOn(e -> e.kind() == DriftEvent.Kind.QUERIES)
          .extracting(DriftEvent::metric)
          .containsExactlyInAnyOrder("mmd_rbf", "centroid_cosine_distance");
      assertThat(events)
          .filteredOn(e -> e.kind() == DriftEvent.Kind.QUALITY)
          .extracting(DriftEvent::metric)
          .contains("top_score_mean_drop_dense", "no_answer_rate_dense", "negative_feedback_rate");
      assertThat(events)
          .filteredOn(e -> e.metric().equals("negative_feedback_rate"))
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.value()).isEqualTo(1.0); // window: two negatives, reference: none
                assertThat(e.drifted()).isTrue();
              });
    }
  }

  private static float[] unit(Random random) {
    float[] v = new float[384];
    double norm = 0;
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextGaussian();
      norm += v[i] * v[i];
    }
    for (int i = 0; i < v.length; i++) v[i] /= (float) Math.sqrt(norm);
    return v;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
