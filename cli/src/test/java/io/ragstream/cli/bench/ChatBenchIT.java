package io.ragstream.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.PointId;
import io.ragstream.core.port.Embedder;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.Point;
import io.ragstream.embedding.Embedders;
import io.ragstream.gateway.GatewayConfig;
import io.ragstream.gateway.GatewayFeatures;
import io.ragstream.gateway.GatewayVerticle;
import io.ragstream.gateway.answer.AnswerGenerator;
import io.ragstream.gateway.answer.ExtractiveAnswerer;
import io.ragstream.gateway.answer.Generation;
import io.ragstream.gateway.answer.GenerationListener;
import io.ragstream.gateway.answer.GenerationRequest;
import io.ragstream.gateway.answer.Turn;
import io.ragstream.gateway.chat.ChatSettings;
import io.ragstream.gateway.metrics.GatewayMetrics;
import io.ragstream.store.lucene.LuceneVectorStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench chat} against an in-process gateway over a real Lucene index, the real ONNX embedder
 * and the extractive answerer. The server pings every second and closes connections silent for
 * four, so the idle connections survive the run only if they answer pings.
 */
class ChatBenchIT {
  private static final String[][] DOCUMENTS = {
    {
      "bees",
      "Honey bee waggle dance",
      "Honey bees tell their hive mates where flowers are with the waggle dance. The angle of the"
          + " waggle run encodes the direction of the food source relative to the sun."
    },
    {
      "photosynthesis",
      "Photosynthesis",
      "Plants convert sunlight, water and carbon dioxide into glucose and oxygen. Chlorophyll"
          + " absorbs mostly blue and red light."
    },
    {
      "volcanoes",
      "Volcanic eruptions",
      "Volcanic eruptions happen when magma rises through the crust and dissolved gases are"
          + " released. Shield volcanoes erupt fluid basaltic lava."
    },
    {
      "sourdough",
      "Sourdough bread",
      "Sourdough bread is leavened by wild yeast and lactic acid bacteria. The acids give the bread"
          + " its sour taste."
    },
  };

  @TempDir static Path indexDir;
  @TempDir Path dir;
  static Embedder embedder;
  static LuceneVectorStore store;
  static Vertx vertx;
  static GatewayMetrics metrics;
  static GatewayVerticle gateway;
  static final AtomicInteger generated = new AtomicInteger();

  @BeforeAll
  static void start() {
    embedder = Embedders.createDefault();
    store = LuceneVectorStore.open(indexDir);
    int version = 1;
    for (String[] d : DOCUMENTS) {
      float[] vector = embedder.embedPassages(List.of(d[1] + " " + d[2])).get(0);
      store.apply(
          new DocumentUpdate.Upsert(
              d[0],
              version++,
              1_700_000_000_000L + version,
              new DocumentAttributes(d[1], "public", List.of("public"), Map.of()),
              Integer.toHexString(d[2].hashCode()),
              List.of(
                  new Point(
                      PointId.of(d[0], 0), 0, 1, d[2], 0, d[2].length(), vector, embedder.id()))));
    }
    vertx = Vertx.vertx();
    metrics = GatewayMetrics.create();
    gateway =
        new GatewayVerticle(
            GatewayConfig.defaults().withPort(0),
            GatewayFeatures.defaults()
                .withChat(
                    ChatSettings.defaults()
                        .withRateLimit(100_000, 100_000)
                        .withHeartbeat(Duration.ofSeconds(1), Duration.ofSeconds(4)))
                .withGenerator(new CountingGenerator(new ExtractiveAnswerer()))
                .withMetrics(metrics),
            embedder,
            store,
            () -> true);
    vertx.deployVerticle(gateway).await();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    metrics.close();
    store.close();
    embedder.close();
  }

  @Test
  void holdsIdleConnectionsAndReportsMeasuredFigures() throws Exception {
    Path questions = dir.resolve("questions.txt");
    Files.writeString(
        questions,
        "How do bees tell where flowers are?\nWhat light does chlorophyll absorb?\n\n"
            + "Why do volcanoes erupt?\nWhat makes sourdough sour?\n");
    Path json = dir.resolve("chat.json");
    CliRun run =
        CliRun.of(
            "bench",
            "chat",
            "--gateway",
            gateway.url(),
            "--idle",
            "20",
            "--active",
            "3",
            "--warmup",
            "PT1S",
            "--duration",
            "PT5S",
            "--sample-interval",
            "PT0.25S",
            "--questions",
            questions.toString(),
            "--json",
            json.toString());

    assertThat(run.exitCode()).as(run.out() + "\n" + run.err()).isZero();
    assertThat(run.out()).contains("time to first token").contains("memory per idle");
    JsonNode r = Json.mapper().readTree(Files.readString(json));
    assertThat(r.get("questions").asInt()).isEqualTo(4);

    JsonNode connections = r.get("connections");
    assertThat(connections.get("idleOpened").asInt()).isEqualTo(20);
    assertThat(connections.get("idleOpenAtEnd").asInt()).isEqualTo(20);
    assertThat(connections.get("activeOpenAtEnd").asInt()).isEqualTo(3);
    assertThat(connections.get("refused").size()).isZero();
    assertThat(connections.get("closedEarly").size()).isZero();

    JsonNode answers = r.get("answers");
    int completed = answers.get("completed").asInt();
    assertThat(completed).isPositive().isLessThanOrEqualTo(generated.get());
    assertThat(answers.get("perSecond").asDouble()).isPositive();
    assertThat(answers.get("errors").size()).isZero();

    JsonNode ttft = r.get("ttftMs");
    assertThat(ttft.get("p50").asDouble()).isPositive();
    assertThat(ttft.get("p99").asDouble())
        .isGreaterThanOrEqualTo(ttft.get("p50").asDouble())
        .isLessThanOrEqualTo(ttft.get("max").asDouble());
    assertThat(r.get("answerMs").get("p50").asDouble())
        .isGreaterThanOrEqualTo(ttft.get("p50").asDouble());
    assertThat(r.get("server").get("firstTokenMsP50").isNumber()).isTrue();

    JsonNode memory = r.get("memory");
    assertThat(memory.get("before").get("heapUsedBytes").asDouble()).isPositive();
    assertThat(memory.get("before").get("residentBytes").asDouble()).isPositive();
    // The gateway's own count of open chat connections, read from /metrics.
    assertThat(memory.get("idleOpen").get("websocketConnections").asInt()).isEqualTo(20);
    assertThat(memory.get("peak").get("websocketConnections").asInt()).isEqualTo(23);
    assertThat(memory.get("last").get("websocketConnections").asInt()).isEqualTo(23);
    assertThat(memory.get("peak").get("heapUsedBytes").asDouble()).isPositive();
    assertThat(memory.get("samples").asInt()).isGreaterThan(2);
    assertThat(memory.get("perIdleConnectionBytes").get("approximate").asBoolean()).isTrue();

    // The bench closed its connections when it ended.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                new GatewayProbe(gateway.url()).memory().orElseThrow().websocketConnections() == 0);
  }

  /** The extractive answerer, counting the answers the gateway generated. */
  private record CountingGenerator(AnswerGenerator delegate) implements AnswerGenerator {
    @Override
    public String id() {
      return delegate.id();
    }

    @Override
    public Generation generate(GenerationRequest request, GenerationListener listener) {
      generated.incrementAndGet();
      return delegate.generate(request, listener);
    }

    @Override
    public Future<String> standaloneQuery(String followUp, List<Turn> history, String model) {
      return delegate.standaloneQuery(followUp, history, model);
    }
  }
}
