package io.ragstream.job;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ragstream.core.json.Json;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.core.model.IndexedEvent;
import io.ragstream.core.model.SourceInfo;
import io.ragstream.core.model.Topics;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import io.ragstream.localkafka.EmbeddedKafkaBroker;
import io.ragstream.store.lucene.LuceneVectorStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.multipart.MultipartForm;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded job jar on a Flink cluster, submitted the way an operator or a CI pipeline does it:
 * over Flink's REST API ({@code POST /jars/upload}, {@code POST /jars/:jarid/run}, {@code GET
 * /jobs/overview}, {@code PATCH /jobs/:jobid?mode=cancel}) of a MiniCluster whose REST endpoint
 * carries the web submission handlers of flink-runtime-web, against a real Kafka broker in the JVM,
 * with the real ONNX embedder (all-minilm-l6-v2-q) and the embedded Lucene store.
 *
 * <p>This JVM plays the Flink distribution: the failsafe configuration removes the job's code
 * (stream-processors, store-qdrant) and flink-connector-kafka from its class path, so the job runs
 * from the jar in Flink's child-first user-code class loader, or fails. No embedder is created here
 * (ONNX Runtime's native library can be loaded by one class loader per JVM only: the job's).
 */
class IndexingJobJarIT {
  private static final Duration WAIT = Duration.ofSeconds(180);
  private static final SourceInfo SOURCE =
      new SourceInfo("postgresql", "postgres", "public", "documents");
  private static final String TENANT = "acme";
  private static final SearchFilter ALICE = new SearchFilter(TENANT, Set.of("alice"));

  @TempDir Path dir;

  @Test
  void jarSubmittedOverRestIndexesUpsertsUpdatesAndDeletesIntoLucene() throws Exception {
    Path jar = Path.of(System.getProperty("ragstream.it.jobJar", "missing"));
    assertThat(jar).as("the shaded jar built in the package phase").isRegularFile();
    System.out.printf(
        "IndexingJobJarIT: job jar %s, %.1f MB%n", jar.getFileName(), Files.size(jar) / 1e6);
    assertJarPackaging(jar);
    assertThatThrownBy(() -> Class.forName("org.apache.flink.connector.kafka.source.KafkaSource"))
        .as("the Kafka connector must come from the job jar, not from this JVM's class path")
        .isInstanceOf(ClassNotFoundException.class);

    Path index = dir.resolve("index");
    // Netty's multipart encoder reads the jar on the event loop; on a loaded machine a chunk can
    // take longer than Vert.x's 2 s warning threshold.
    Vertx vertx =
        Vertx.vertx(
            new VertxOptions()
                .setMaxEventLoopExecuteTime(60)
                .setMaxEventLoopExecuteTimeUnit(SECONDS));
    try (EmbeddedKafkaBroker broker =
            EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0, Duration.ofSeconds(60));
        MiniCluster flink = startFlink();
        KafkaProducer<String, String> producer =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringSerializer(),
                new StringSerializer());
        KafkaConsumer<String, String> indexed = indexedConsumer(broker)) {
      broker
          .admin()
          .createTopics(
              List.of(
                  new NewTopic(Topics.CHANGES, 2, (short) 1),
                  new NewTopic(Topics.INDEXED, 1, (short) 1),
                  new NewTopic(Topics.DLQ, 1, (short) 1),
                  new NewTopic(Topics.QUERIES, 1, (short) 1),
                  new NewTopic(Topics.FEEDBACK, 1, (short) 1),
                  new NewTopic(Topics.DRIFT, 1, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
      URI rest = flink.getRestAddress().get(30, TimeUnit.SECONDS);
      WebClient http =
          WebClient.create(
              vertx,
              new WebClientOptions().setDefaultHost(rest.getHost()).setDefaultPort(rest.getPort()));

      // Upload (multipart, as `curl -F jarfile=@...` or the web UI do) and run.
      long t0 = System.nanoTime();
      JsonObject uploaded =
          json(
              http.post("/jars/upload")
                  .sendMultipartForm(
                      MultipartForm.create()
                          .binaryFileUpload(
                              "jarfile",
                              jar.getFileName().toString(),
                              jar.toString(),
                              "application/x-java-archive")),
              200);
      System.out.printf(
          "IndexingJobJarIT: upload took %d ms%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      assertThat(uploaded.getString("status")).isEqualTo("success");
      String jarId = Path.of(uploaded.getString("filename")).getFileName().toString();
      // A bad option fails the run in main, before any job exists, and the answer names the key.
      HttpResponse<Buffer> refused =
          http.post("/jars/" + jarId + "/run")
              .sendJsonObject(
                  new JsonObject()
                      .put(
                          "programArgsList",
                          new JsonArray(
                              List.of(
                                  "--ragstream.kafka.bootstrap-servers",
                                  broker.bootstrapServers(),
                                  "--ragstream.store.kind",
                                  "qdrant",
                                  "--ragstream.store.qdrant.url",
                                  "ftp://qdrant"))))
              .toCompletionStage()
              .toCompletableFuture()
              .get(120, TimeUnit.SECONDS);
      assertThat(refused.statusCode()).isBetween(400, 599);
      assertThat(refused.bodyAsString()).contains("ragstream.store.qdrant.url");
      assertThat(json(http.get("/jobs/overview").send(), 200).getJsonArray("jobs")).isEmpty();

      List<String> args =
          List.of(
              "--ragstream.kafka.bootstrap-servers", broker.bootstrapServers(),
              "--ragstream.store.kind", "lucene",
              "--ragstream.store.lucene.path", index.toString(),
              "--ragstream.embedder", "all-minilm-l6-v2-q",
              "--ragstream.indexing.checkpoint-interval", "1 s",
              "--ragstream.drift.enabled", "true");
      t0 = System.nanoTime();
      String jobId =
          json(
                  http.post("/jars/" + jarId + "/run")
                      .sendJsonObject(new JsonObject().put("programArgsList", new JsonArray(args))),
                  200)
              .getString("jobid");
      System.out.printf(
          "IndexingJobJarIT: run (main on the JobManager, job submitted) took %d ms%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      assertThat(jobId).isNotBlank();
      assertThat(vertexNames(http, jobId))
          .as("the drift job is attached to the indexing job's graph")
          .anyMatch(n -> n.contains("guard, chunk, embed"))
          .anyMatch(n -> n.contains("document embeddings"))
          .anyMatch(n -> n.contains("embedding drift"));

      // Three new documents.
      t0 = System.nanoTime();
      send(
          producer,
          upsert("a", 10, "Honey bees dance to show their sisters where the flowers are."));
      send(producer, upsert("b", 10, "Glaciers carve deep valleys over thousands of years."));
      send(producer, upsert("c", 10, "Volcanic ash can ground flights across a continent."));
      List<IndexedEvent> events = new ArrayList<>();
      awaitEvents(indexed, events, 3);
      System.out.printf(
          "IndexingJobJarIT: first 3 changes indexed %d ms after they were sent%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      assertThat(state(http, jobId)).isEqualTo("RUNNING");

      // An update that replaces b's text, and a delete of c.
      t0 = System.nanoTime();
      send(producer, upsert("b", 20, "Photosynthesis turns sunlight into chemical energy."));
      send(producer, DocumentChange.delete(id("c"), 20, 20, 20, SOURCE));
      awaitEvents(indexed, events, 5);
      System.out.printf(
          "IndexingJobJarIT: update and delete applied %d ms after they were sent%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      assertThat(events)
          .extracting(e -> e.documentId() + "@" + e.version() + ":" + e.op())
          .containsExactlyInAnyOrder(
              id("a") + "@10:UPSERT",
              id("b") + "@10:UPSERT",
              id("c") + "@10:UPSERT",
              id("b") + "@20:UPSERT",
              id("c") + "@20:DELETE");
      assertThat(state(http, jobId)).isEqualTo("RUNNING");

      // Two more completed checkpoints: the store sink has flushed (committed) the last change.
      long completed = completedCheckpoints(http, jobId);
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(500))
          .until(() -> completedCheckpoints(http, jobId) >= completed + 2);

      assertThat(
              status(
                  http.request(HttpMethod.PATCH, "/jobs/" + jobId)
                      .addQueryParam("mode", "cancel")
                      .send()))
          .isEqualTo(202);
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> state(http, jobId).equals("CANCELED"));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    // The index the job left behind, read by this JVM's own Lucene store.
    try (LuceneVectorStore store = LuceneVectorStore.open(index)) {
      assertThat(bm25(store, "bees flowers")).containsExactly(id("a"));
      assertThat(bm25(store, "photosynthesis sunlight")).containsExactly(id("b"));
      assertThat(bm25(store, "glaciers valleys")).as("b's old text is replaced").isEmpty();
      assertThat(bm25(store, "volcanic ash")).as("c is deleted").isEmpty();
      assertThat(store.version(id("b"))).isEqualTo(20);
      assertThat(store.version(id("c"))).as("c's tombstone").isEqualTo(20);
      assertThat(store.vectors(id("a")))
          .as("dense vectors embedded in the job by all-minilm-l6-v2-q")
          .isNotEmpty()
          .allSatisfy(v -> assertThat(v).hasSize(384));
      assertThat(store.stats().documents()).isEqualTo(2);
    }
  }

  /** Flink's quickstart packaging: the connector inside, Flink and logging outside. */
  private static void assertJarPackaging(Path jar) throws Exception {
    try (JarFile file = new JarFile(jar.toFile())) {
      assertThat(file.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("io.ragstream.job.IndexingJobMain");
      assertThat(file.getEntry("org/apache/flink/connector/kafka/source/KafkaSource.class"))
          .isNotNull();
      assertThat(file.getEntry("org/apache/kafka/clients/consumer/KafkaConsumer.class"))
          .isNotNull();
      assertThat(file.getEntry("io/ragstream/store/qdrant/QdrantVectorStore.class")).isNotNull();
      assertThat(file.getEntry("org/apache/lucene/codecs/Codec.class")).isNotNull();
      assertThat(file.getEntry("META-INF/services/org.apache.lucene.codecs.Codec")).isNotNull();
      assertThat(
              file.stream()
                  .map(e -> e.getName())
                  .filter(
                      n ->
                          n.startsWith("org/apache/flink/streaming/api/")
                              || n.startsWith("org/apache/flink/runtime/")
                              || n.startsWith("org/apache/flink/connector/base/")
                              || n.startsWith("org/apache/flink/api/common/")
                              || n.startsWith("org/slf4j/")
                              || n.startsWith("ch/qos/logback/")
                              || n.matches("META-INF/[^/]+\\.(SF|RSA|DSA)")))
          .as("Flink's own classes, logging and signatures are not in the jar")
          .isEmpty();
    }
  }

  private MiniCluster startFlink() throws Exception {
    Configuration conf = new Configuration();
    conf.set(RestOptions.BIND_PORT, "0");
    conf.set(RestOptions.ADDRESS, "127.0.0.1");
    conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    conf.set(WebOptions.SUBMIT_ENABLE, true);
    conf.set(WebOptions.UPLOAD_DIR, dir.resolve("flink-web-upload").toString());
    conf.set(TaskManagerOptions.NUM_TASK_SLOTS, 2);
    MiniCluster cluster =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(2)
                .build());
    cluster.start();
    return cluster;
  }

  private static KafkaConsumer<String, String> indexedConsumer(EmbeddedKafkaBroker broker) {
    KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "indexing-job-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new StringDeserializer());
    consumer.subscribe(List.of(Topics.INDEXED));
    return consumer;
  }

  private static void awaitEvents(
      KafkaConsumer<String, String> consumer, List<IndexedEvent> events, int count) {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                events.add(Json.mapper().readValue(r.value(), IndexedEvent.class));
              }
              return events.size() >= count;
            });
    assertThat(events).as("one IndexedEvent per applied change").hasSize(count);
  }

  private static String id(String key) {
    return "pg:public.documents:" + key;
  }

  private static DocumentChange upsert(String key, long version, String body) {
    return new DocumentChange(
        DocumentChange.Op.UPSERT,
        id(key),
        version,
        version,
        version,
        "Doc " + key,
        body,
        TENANT,
        List.of("alice"),
        Map.of(),
        SOURCE);
  }

  private static void send(KafkaProducer<String, String> producer, DocumentChange change)
      throws Exception {
    producer
        .send(new ProducerRecord<>(Topics.CHANGES, change.documentId(), Json.write(change)))
        .get(30, TimeUnit.SECONDS);
  }

  private static List<String> bm25(LuceneVectorStore store, String query) {
    return store.search(new SearchRequest(query, null, 10, SearchMode.BM25, ALICE, true)).stream()
        .map(SearchHit::documentId)
        .distinct()
        .toList();
  }

  private static String state(WebClient http, String jobId) throws Exception {
    JsonArray jobs = json(http.get("/jobs/overview").send(), 200).getJsonArray("jobs");
    for (int i = 0; i < jobs.size(); i++) {
      JsonObject job = jobs.getJsonObject(i);
      if (job.getString("jid").equals(jobId)) {
        return job.getString("state");
      }
    }
    return "UNKNOWN";
  }

  private static List<String> vertexNames(WebClient http, String jobId) throws Exception {
    JsonArray vertices = json(http.get("/jobs/" + jobId).send(), 200).getJsonArray("vertices");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < vertices.size(); i++) {
      names.add(vertices.getJsonObject(i).getString("name"));
    }
    return names;
  }

  private static long completedCheckpoints(WebClient http, String jobId) throws Exception {
    return json(http.get("/jobs/" + jobId + "/checkpoints").send(), 200)
        .getJsonObject("counts")
        .getLong("completed");
  }

  private static JsonObject json(Future<HttpResponse<Buffer>> request, int expectedStatus)
      throws Exception {
    HttpResponse<Buffer> response =
        request.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    assertThat(response.statusCode())
        .as("HTTP status; body: %s", response.bodyAsString())
        .isEqualTo(expectedStatus);
    return response.bodyAsJsonObject();
  }

  private static int status(Future<HttpResponse<Buffer>> request) throws Exception {
    return request.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS).statusCode();
  }
}
