package io.ragstream.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.Chunk;
import io.ragstream.core.model.PointId;
import io.ragstream.core.port.Embedder;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.Fusion;
import io.ragstream.core.store.Point;
import io.ragstream.embedding.Embedders;
import io.ragstream.embedding.TokenChunker;
import io.ragstream.store.lucene.LuceneVectorStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway over HTTP with the real bge-small-en-v1.5 (int8) embedder and a real Lucene index
 * holding five short documents of two or more chunks each.
 */
@ExtendWith(VertxExtension.class)
class GatewayVerticleIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Instant FIRST_COMMIT = Instant.parse("2025-03-01T10:00:00Z");

  /** id -> {title, body}; each body is several sentences so that it splits into 2+ chunks. */
  private static final Map<String, String[]> DOCUMENTS =
      Map.of(
          "pg:public.documents:bees",
          new String[] {
            "Honey bee waggle dance",
            "Honey bees tell their hive mates the direction and distance of flowers with the waggle"
                + " dance. A forager returning with nectar runs a figure-eight pattern on the comb."
                + " The angle of the waggle run relative to vertical encodes the direction of the"
                + " food source relative to the sun, and its duration encodes the distance."
          },
          "pg:public.documents:photosynthesis",
          new String[] {
            "Photosynthesis",
            "Plants convert sunlight, water and carbon dioxide into glucose and oxygen through"
                + " photosynthesis. Chlorophyll in the chloroplasts absorbs mostly blue and red"
                + " light. The light-dependent reactions take place in the thylakoid membranes,"
                + " and the Calvin cycle fixes carbon in the stroma."
          },
          "pg:public.documents:volcanoes",
          new String[] {
            "Volcanic eruptions",
            "Volcanic eruptions happen when magma rises through the crust and the pressure of"
                + " dissolved gases is released. Explosive eruptions produce ash columns and"
                + " pyroclastic flows. Shield volcanoes such as Mauna Loa erupt fluid basaltic lava"
                + " in long gentle flows."
          },
          "pg:public.documents:sourdough",
          new String[] {
            "Sourdough bread",
            "Sourdough bread is leavened by a starter culture of wild yeast and lactic acid"
                + " bacteria. The bacteria produce lactic and acetic acids that give the bread its"
                + " sour taste. A long cold fermentation in the refrigerator develops more flavour"
                + " and a more open crumb."
          },
          "pg:public.documents:tcp",
          new String[] {
            "TCP congestion control",
            "TCP congestion control adjusts the sending rate to avoid overloading the network."
                + " Slow start doubles the congestion window every round trip until a packet loss"
                + " is detected. Congestion avoidance then grows the window linearly, and fast"
                + " retransmit resends a lost segment after three duplicate acknowledgements."
          });

  @TempDir static Path indexDir;

  private static Embedder realEmbedder;
  private static LuceneVectorStore store;
  private static long lastCommittedAt;
  private static int totalPoints;

  /** Set when the embedder is called on an event-loop thread (it blocks; it must not be). */
  private static final AtomicBoolean embeddedOnEventLoop = new AtomicBoolean();

  private final AtomicBoolean ready = new AtomicBoolean();
  private GatewayVerticle gateway;
  private WebClient client;

  @BeforeAll
  static void indexDocuments() {
    realEmbedder = Embedders.createDefault();
    store = LuceneVectorStore.open(indexDir);
    TokenChunker chunker = new TokenChunker(24, 0);
    int n = 0;
    for (var doc : DOCUMENTS.entrySet()) {
      String id = doc.getKey();
      String body = doc.getValue()[1];
      List<Chunk> chunks = chunker.chunk(body);
      assertThat(chunks).as("chunks of %s", id).hasSizeGreaterThanOrEqualTo(2);
      List<float[]> vectors = realEmbedder.embedPassages(chunks.stream().map(Chunk::text).toList());
      List<Point> points = new ArrayList<>();
      for (Chunk c : chunks) {
        points.add(
            new Point(
                PointId.of(id, c.index()),
                c.index(),
                chunks.size(),
                c.text(),
                c.start(),
                c.end(),
                vectors.get(c.index()),
                realEmbedder.id()));
      }
      long committedAt = FIRST_COMMIT.plusSeconds(n++).toEpochMilli();
      lastCommittedAt = Math.max(lastCommittedAt, committedAt);
      totalPoints += points.size();
      store.apply(
          new DocumentUpdate.Upsert(
              id,
              100 + n,
              committedAt,
              new DocumentAttributes(doc.getValue()[0], "public", List.of("public"), Map.of()),
              Integer.toHexString(body.hashCode()),
              points));
    }
  }

  @AfterAll
  static void close() {
    store.close();
    realEmbedder.close();
  }

  @BeforeEach
  void deploy(Vertx vertx) throws Exception {
    gateway = deploy(vertx, new RecordingEmbedder(realEmbedder));
    client =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setDefaultHost("127.0.0.1")
                .setDefaultPort(gateway.actualPort()));
  }

  private GatewayVerticle deploy(Vertx vertx, Embedder embedder) throws Exception {
    GatewayVerticle verticle =
        new GatewayVerticle(GatewayConfig.defaults().withPort(0), embedder, store, ready::get);
    vertx.deployVerticle(verticle).await(TIMEOUT);
    return verticle;
  }

  @ParameterizedTest
  @ValueSource(strings = {"dense", "bm25", "hybrid"})
  void findsTheRelevantDocumentFirstInEveryMode(String mode) throws Exception {
    assertThat(topDocument("How do honey bees tell other bees where the flowers are?", mode))
        .isEqualTo("pg:public.documents:bees");
    assertThat(topDocument("Why does sourdough bread taste sour?", mode))
        .isEqualTo("pg:public.documents:sourdough");
    assertThat(topDocument("What does slow start do in TCP congestion control?", mode))
        .isEqualTo("pg:public.documents:tcp");
    assertThat(embeddedOnEventLoop).isFalse();
  }

  @Test
  void answersWithQueryIdAsOfTimingsAndFullHits() throws Exception {
    HttpResponse<Buffer> response = search("{\"query\":\"volcanic ash and lava\"}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Content-Type")).startsWith("application/json");
    JsonNode body = json(response);
    assertThat(UUID.fromString(body.get("queryId").asText())).isNotNull();
    assertThat(body.get("query").asText()).isEqualTo("volcanic ash and lava");
    assertThat(body.get("mode").asText()).isEqualTo("hybrid");
    assertThat(body.get("k").asInt()).isEqualTo(10);
    assertThat(body.get("embedder").asText()).startsWith("bge-small-en-v1.5-q@");
    assertThat(body.get("fusion").asText()).isEqualTo(Fusion.DEFAULT.toString());
    assertThat(body.get("asOf").asText())
        .isEqualTo(Instant.ofEpochMilli(lastCommittedAt).toString());
    assertThat(body.get("timings").get("embedMs").asDouble()).isPositive();
    assertThat(body.get("timings").get("searchMs").asDouble()).isPositive();
    assertThat(body.get("timings").get("totalMs").asDouble())
        .isGreaterThanOrEqualTo(
            body.get("timings").get("embedMs").asDouble()
                + body.get("timings").get("searchMs").asDouble());

    JsonNode top = body.get("hits").get(0);
    assertThat(top.get("documentId").asText()).isEqualTo("pg:public.documents:volcanoes");
    assertThat(top.get("title").asText()).isEqualTo("Volcanic eruptions");
    assertThat(top.get("text").asText()).isNotBlank();
    assertThat(DOCUMENTS.get("pg:public.documents:volcanoes")[1])
        .contains(top.get("text").asText());
    assertThat(top.get("pointId").asText())
        .isEqualTo(
            PointId.of("pg:public.documents:volcanoes", top.get("chunk").asInt()).toString());
    assertThat(top.get("score").isNumber()).isTrue();
    assertThat(top.get("version").asLong()).isBetween(101L, 105L);
  }

  @Test
  void echoesAValidRequestIdAndMakesUpOneOtherwise() throws Exception {
    HttpResponse<Buffer> given =
        client
            .post("/v1/search")
            .putHeader("Content-Type", "application/json")
            .putHeader("X-Request-Id", "trace-7.a:b")
            .sendBuffer(Buffer.buffer("{\"query\":\"bread\"}"))
            .await(TIMEOUT);
    assertThat(given.getHeader("X-Request-Id")).isEqualTo("trace-7.a:b");
    HttpResponse<Buffer> invalid =
        client
            .post("/v1/search")
            .putHeader("Content-Type", "application/json")
            .putHeader("X-Request-Id", "no spaces allowed")
            .sendBuffer(Buffer.buffer("{\"query\":\"bread\"}"))
            .await(TIMEOUT);
    assertThat(UUID.fromString(invalid.getHeader("X-Request-Id"))).isNotNull();
    // Errors carry one too, so a failed request can be found in the logs.
    HttpResponse<Buffer> notFound = send(HttpMethod.GET, "/v1/nowhere");
    assertThat(notFound.statusCode()).isEqualTo(404);
    assertThat(UUID.fromString(notFound.getHeader("X-Request-Id"))).isNotNull();
  }

  @Test
  void collapsesChunksSoEachDocumentAppearsOnce() throws Exception {
    JsonNode collapsed = json(search("{\"query\":\"the\",\"mode\":\"dense\",\"k\":10}"));
    JsonNode chunks =
        json(search("{\"query\":\"the\",\"mode\":\"dense\",\"k\":10,\"collapse\":false}"));

    List<String> collapsedIds = documentIds(collapsed);
    assertThat(collapsedIds).hasSize(DOCUMENTS.size()).doesNotHaveDuplicates();
    List<String> chunkIds = documentIds(chunks);
    assertThat(chunkIds).hasSize(10);
    assertThat(new HashSet<>(chunkIds)).hasSizeLessThan(chunkIds.size());
  }

  @Test
  void returnsAtMostKHits() throws Exception {
    assertThat(json(search("{\"query\":\"bread\",\"k\":1}")).get("hits")).hasSize(1);
    assertThat(json(search("{\"query\":\"bread\",\"k\":3,\"mode\":\"BM25\"}")).get("hits"))
        .hasSizeLessThanOrEqualTo(3);
    assertThat(json(search("{\"query\":\"bread\",\"k\":100,\"collapse\":false}")).get("hits"))
        .hasSize(totalPoints);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"k\":3}                                 | query is required",
        "{\"query\":\" \"}                         | query must not be blank",
        "{\"query\":\"bees\",\"mode\":\"sparse\"}  | mode must be one of dense, bm25, hybrid",
        "{\"query\":\"bees\",\"k\":0}              | k must be an integer in 1..100",
        "{\"query\":\"bees\",\"k\":101}            | k must be an integer in 1..100",
        "{\"query\":\"bees\",\"top\":5}            | unknown field 'top'",
        "{\"query\":\"bees\",                      | malformed JSON",
      })
  void rejectsBadRequestsWith400NamingTheField(String body, String message) throws Exception {
    HttpResponse<Buffer> response = search(body);

    assertError(response, 400, "bad_request", message);
  }

  @Test
  void rejectsABodyOverTheLimitWith413() throws Exception {
    String body = "{\"query\":\"" + "a".repeat((int) GatewayConfig.DEFAULT_MAX_BODY_BYTES) + "\"}";

    assertError(search(body), 413, "payload_too_large", "65536 bytes");
  }

  @Test
  void rejectsANonJsonContentTypeWith415() throws Exception {
    HttpResponse<Buffer> response =
        client
            .post("/v1/search")
            .putHeader("Content-Type", "text/plain")
            .sendBuffer(Buffer.buffer("bees"))
            .await(TIMEOUT);

    assertError(response, 415, "unsupported_media_type", "application/json");
  }

  @Test
  void answersUnknownPathsWith404AndWrongMethodsWith405AsJson() throws Exception {
    assertError(send(HttpMethod.GET, "/v1/nothing"), 404, "not_found", "/v1/nothing");
    assertError(send(HttpMethod.GET, "/v1/search"), 405, "method_not_allowed", "GET");
    assertError(send(HttpMethod.POST, "/health"), 405, "method_not_allowed", "POST");
  }

  @Test
  void reportsHealthWhileServing() throws Exception {
    HttpResponse<Buffer> response = send(HttpMethod.GET, "/health");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).get("status").asText()).isEqualTo("UP");
  }

  @Test
  void reportsNotReadyWith503UntilTheIndexCaughtUp() throws Exception {
    HttpResponse<Buffer> before = send(HttpMethod.GET, "/ready");
    ready.set(true);
    HttpResponse<Buffer> after = send(HttpMethod.GET, "/ready");

    assertThat(before.statusCode()).isEqualTo(503);
    assertThat(json(before).get("ready").asBoolean()).isFalse();
    assertThat(json(before).get("documents").asLong()).isEqualTo(DOCUMENTS.size());
    assertThat(after.statusCode()).isEqualTo(200);
    JsonNode body = json(after);
    assertThat(body.get("ready").asBoolean()).isTrue();
    assertThat(body.get("documents").asLong()).isEqualTo(DOCUMENTS.size());
    assertThat(body.get("points").asLong()).isEqualTo(totalPoints);
    assertThat(body.get("asOf").asText())
        .isEqualTo(Instant.ofEpochMilli(lastCommittedAt).toString());
  }

  @Test
  void answersInternalErrorsWith500WithoutTheirDetails(Vertx vertx) throws Exception {
    Embedder failing =
        new RecordingEmbedder(realEmbedder) {
          @Override
          public float[] embedQuery(String query) {
            throw new IllegalStateException("model exploded on: " + query);
          }
        };
    GatewayVerticle broken = deploy(vertx, failing);
    HttpResponse<Buffer> response =
        client
            .post(broken.actualPort(), "127.0.0.1", "/v1/search")
            .sendBuffer(Buffer.buffer("{\"query\":\"private question\"}"))
            .await(TIMEOUT);

    assertError(response, 500, "internal_error", "internal error");
    assertThat(response.bodyAsString()).doesNotContain("private question", "exploded");
  }

  @Test
  void failsDeploymentWhenThePortIsTaken(Vertx vertx) {
    GatewayVerticle second =
        new GatewayVerticle(
            GatewayConfig.defaults().withPort(gateway.actualPort()),
            realEmbedder,
            store,
            () -> true);

    Future<String> deployment = vertx.deployVerticle(second);

    assertThatThrownBy(() -> deployment.await(TIMEOUT)).isNotNull();
    assertThat(deployment.failed()).isTrue();
  }

  @Test
  void fusionCanBeChosenPerRequest() throws Exception {
    JsonNode convex =
        json(
            search(
                "{\"query\":\"volcanic ash\",\"fusion\":{\"method\":\"convex\",\"alpha\":0.25}}"));
    assertThat(convex.get("fusion").asText()).isEqualTo("convex(alpha=0.25)");
    assertThat(convex.get("hits").get(0).get("documentId").asText())
        .isEqualTo("pg:public.documents:volcanoes");
    JsonNode bm25 = json(search("{\"query\":\"volcanic ash\",\"mode\":\"bm25\"}"));
    assertThat(bm25.get("fusion").isNull()).isTrue();
    assertThat(bm25.get("embedder").isNull()).isTrue();
    HttpResponse<Buffer> bad =
        search("{\"query\":\"x\",\"fusion\":{\"method\":\"convex\",\"alpha\":2}}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsString()).contains("fusion.alpha");
  }

  private String topDocument(String query, String mode) throws Exception {
    HttpResponse<Buffer> response =
        search(Json.write(Map.of("query", query, "mode", mode, "k", 3)));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonNode body = json(response);
    assertThat(body.get("mode").asText()).isEqualTo(mode);
    return body.get("hits").get(0).get("documentId").asText();
  }

  private HttpResponse<Buffer> search(String body) throws Exception {
    return client
        .post("/v1/search")
        .putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(body))
        .await(TIMEOUT);
  }

  private HttpResponse<Buffer> send(HttpMethod method, String path) throws Exception {
    return client.request(method, path).send().await(TIMEOUT);
  }

  private static void assertError(
      HttpResponse<Buffer> response, int status, String code, String messagePart) throws Exception {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).startsWith("application/json");
    JsonNode error = json(response).get("error");
    assertThat(error.get("code").asText()).isEqualTo(code);
    assertThat(error.get("message").asText()).contains(messagePart);
  }

  private static JsonNode json(HttpResponse<Buffer> response) throws Exception {
    return Json.mapper().readTree(response.bodyAsString());
  }

  private static List<String> documentIds(JsonNode body) {
    List<String> ids = new ArrayList<>();
    body.get("hits").forEach(h -> ids.add(h.get("documentId").asText()));
    return ids;
  }

  /** Delegates to the real embedder and notes a call made on an event-loop thread. */
  private static class RecordingEmbedder implements Embedder {
    private final Embedder delegate;

    RecordingEmbedder(Embedder delegate) {
      this.delegate = delegate;
    }

    @Override
    public String id() {
      return delegate.id();
    }

    @Override
    public int dimension() {
      return delegate.dimension();
    }

    @Override
    public float[] embedQuery(String query) {
      if (Context.isOnEventLoopThread()) {
        embeddedOnEventLoop.set(true);
      }
      return delegate.embedQuery(query);
    }

    @Override
    public List<float[]> embedPassages(List<String> passages) {
      return delegate.embedPassages(passages);
    }
  }
}
