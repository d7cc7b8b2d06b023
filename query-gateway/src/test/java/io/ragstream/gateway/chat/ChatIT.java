package io.ragstream.gateway.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.event.AnswerEvent;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.QueryEvent;
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
import io.ragstream.gateway.auth.ApiKey;
import io.ragstream.gateway.auth.AuthSettings;
import io.ragstream.gateway.auth.Caller;
import io.ragstream.gateway.auth.JwtSettings;
import io.ragstream.gateway.events.GatewayEvents;
import io.ragstream.gateway.http.GatewayRouter;
import io.ragstream.store.lucene.LuceneVectorStore;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /v1/chat} and {@code /v1/answer} over real sockets, with the real bge-small embedder, a
 * real Lucene index holding documents of several tenants and ACLs, API keys and HS256 JWTs.
 */
class ChatIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final String SECRET = "0123456789abcdef0123456789abcdef-test-secret";
  private static final String ALICE_KEY = "alice-key-0123456789";
  private static final String BOB_KEY = "bob-key-0123456789ab";

  /** id -> tenant, acl (comma-separated), title, text. */
  private static final String[][] DOCUMENTS = {
    {
      "acme:leave",
      "acme",
      "eng",
      "Leave policy",
      "Acme engineers get thirty days of paid vacation each year. Unused vacation days carry over to March."
    },
    {
      "acme:salary",
      "acme",
      "alice",
      "Salary bands",
      "Acme salary bands are reviewed every April by the compensation committee."
    },
    {
      "acme:secret",
      "acme",
      "",
      "Merger plan",
      "The vacation of the board is cancelled because of the secret merger with Initech."
    },
    {
      "globex:leave",
      "globex",
      "eng",
      "Globex leave",
      "Globex engineers get twelve days of paid vacation and no carry over."
    },
    {
      "public:bees",
      "public",
      "public",
      "Bees",
      "Honey bees tell hive mates where flowers are with the waggle dance. Vacation for bees does not exist."
    },
  };

  @TempDir static Path indexDir;
  static Embedder embedder;
  static LuceneVectorStore store;
  static Vertx vertx;
  static JWTAuth jwtIssuer;

  private GatewayVerticle gateway;
  private final RecordingEvents events = new RecordingEvents();
  private WebSocketClient wsClient;
  private WebClient http;

  @BeforeAll
  static void index() {
    embedder = Embedders.createDefault();
    store = LuceneVectorStore.open(indexDir);
    int version = 1;
    for (String[] d : DOCUMENTS) {
      String text = d[4];
      float[] vector = embedder.embedPassages(List.of(d[3] + " " + text)).get(0);
      List<String> acl = d[2].isEmpty() ? List.of() : List.of(d[2].split(","));
      store.apply(
          new DocumentUpdate.Upsert(
              d[0],
              version++,
              1_700_000_000_000L + version,
              new DocumentAttributes(d[3], d[1], acl, Map.of()),
              Integer.toHexString(text.hashCode()),
              List.of(
                  new Point(
                      PointId.of(d[0], 0), 0, 1, text, 0, text.length(), vector, embedder.id()))));
    }
    vertx = Vertx.vertx();
    jwtIssuer =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
  }

  @AfterAll
  static void close() {
    vertx.close().await();
    store.close();
    embedder.close();
  }

  @AfterEach
  void undeploy() {
    if (gateway != null) vertx.undeploy(gateway.deploymentID()).await();
    gateway = null;
  }

  private void start(ChatSettings chat, AnswerGenerator generator) {
    AuthSettings auth =
        new AuthSettings(
            List.of(
                ApiKey.of(ALICE_KEY, new Caller("alice", "acme", Set.of("eng"), "api-key")),
                ApiKey.of(BOB_KEY, new Caller("bob", "acme", Set.of(), "api-key"))),
            JwtSettings.hs256(SECRET),
            null);
    gateway =
        new GatewayVerticle(
            GatewayConfig.defaults().withPort(0),
            GatewayFeatures.defaults()
                .withAuth(auth)
                .withChat(chat)
                .withGenerator(generator)
                .withEvents(events),
            embedder,
            store,
            () -> true);
    vertx.deployVerticle(gateway).await();
    wsClient =
        vertx.createWebSocketClient(
            new WebSocketClientOptions().setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22));
    http = WebClient.create(vertx);
  }

  private void start() {
    start(ChatSettings.defaults(), new ExtractiveAnswerer());
  }

  private static String jwt(String sub, String tenant, List<String> groups, int expiresInSeconds) {
    JsonObject claims =
        new JsonObject()
            .put("sub", sub)
            .put("tenant", tenant)
            .put("groups", groups)
            .put("exp", System.currentTimeMillis() / 1000 + expiresInSeconds);
    return jwtIssuer.generateToken(claims, new JWTOptions());
  }

  /** A connected chat client that queues every message and remembers the close code. */
  private final class Client {
    final ClientWebSocket ws;
    final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Short> closed = new CompletableFuture<>();

    /** Handlers are set before the handshake, so no message sent right after it is lost. */
    Client(ClientWebSocket ws) {
      this.ws = ws;
      ws.textMessageHandler(
          t -> {
            try {
              messages.add(Json.mapper().readTree(t));
            } catch (Exception e) {
              throw new AssertionError(e);
            }
          });
      ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));
    }

    JsonNode next() throws InterruptedException {
      JsonNode m = messages.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      assertThat(m).as("a message within %s", TIMEOUT).isNotNull();
      return m;
    }

    JsonNode next(String type) throws InterruptedException {
      JsonNode m = next();
      assertThat(m.get("type").asText()).as("message %s", m).isEqualTo(type);
      return m;
    }

    void send(String json) {
      ws.writeTextMessage(json).await();
    }

    short closeCode() throws Exception {
      return closed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  private Future<WebSocket> connect(String query, MultiMap headers) {
    return connect(wsClient.webSocket(), query, headers);
  }

  private Future<WebSocket> connect(ClientWebSocket ws, String query, MultiMap headers) {
    WebSocketConnectOptions options =
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(gateway.actualPort())
            .setURI("/v1/chat" + query);
    if (headers != null) options.setHeaders(headers);
    return ws.connect(options);
  }

  private Client connect(String apiKey) throws Exception {
    Client c = new Client(wsClient.webSocket());
    connect(c.ws, "", MultiMap.caseInsensitiveMultiMap().add("X-API-Key", apiKey)).await();
    c.next("ready");
    return c;
  }

  /** Asks and collects tokens until done; returns the done message, checks the stream. */
  private JsonNode ask(Client c, String id, String question) throws Exception {
    c.send("{\"type\":\"ask\",\"id\":\"" + id + "\",\"question\":\"" + question + "\"}");
    JsonNode citations = c.next("citations");
    assertThat(citations.get("id").asText()).isEqualTo(id);
    StringBuilder streamed = new StringBuilder();
    int tokens = 0;
    while (true) {
      JsonNode m = c.next();
      String type = m.get("type").asText();
      if (type.equals("token")) {
        streamed.append(m.get("text").asText());
        tokens++;
        continue;
      }
      assertThat(type).as("message %s", m).isEqualTo("done");
      assertThat(m.get("answer").asText()).isEqualTo(streamed.toString());
      assertThat(tokens).isGreaterThan(1);
      List<Integer> passageNumbers = new ArrayList<>();
      citations.get("passages").forEach(p -> passageNumbers.add(p.get("n").asInt()));
      m.get("cited").forEach(n -> assertThat(passageNumbers).contains(n.asInt()));
      ((com.fasterxml.jackson.databind.node.ObjectNode) m)
          .set("passages", citations.get("passages"));
      return m;
    }
  }

  private static List<String> documentIds(JsonNode done) {
    List<String> ids = new ArrayList<>();
    done.get("passages").forEach(p -> ids.add(p.get("documentId").asText()));
    return ids;
  }

  @Test
  void streamsACitedAnswerFromWhatTheCallerMayRead() throws Exception {
    start();
    Client alice = connect(ALICE_KEY);
    JsonNode done = ask(alice, "q1", "How many vacation days do engineers get?");
    assertThat(documentIds(done)).contains("acme:leave").allMatch(id -> id.startsWith("acme:"));
    assertThat(documentIds(done)).doesNotContain("acme:secret", "globex:leave", "public:bees");
    assertThat(done.get("answer").asText()).contains("thirty days").contains("[1]");
    assertThat(done.get("timings").get("retrievalMs").asLong()).isGreaterThanOrEqualTo(0);
    assertThat(done.get("timings").get("firstTokenMs").asLong())
        .isGreaterThanOrEqualTo(done.get("timings").get("retrievalMs").asLong());
    assertThat(done.get("asOf").asText()).startsWith("2023-");

    Client bob = connect(BOB_KEY);
    JsonNode nothing = ask(bob, "q1", "How many vacation days do engineers get?");
    assertThat(nothing.get("passages")).isEmpty();
    assertThat(nothing.get("answer").asText()).isEqualTo(ExtractiveAnswerer.NOTHING_FOUND);

    Client carol = new Client(wsClient.webSocket());
    connect(carol.ws, "?access_token=" + jwt("carol", "globex", List.of("eng"), 60), null).await();
    carol.next("ready");
    assertThat(documentIds(ask(carol, "c", "How many vacation days do engineers get?")))
        .containsExactly("globex:leave");
  }

  @Test
  void answerEndpointReturnsOnlyCitedPassagesTheCallerMayRead() {
    start();
    HttpResponse<Buffer> r =
        http.post(gateway.actualPort(), "127.0.0.1", "/v1/answer")
            .putHeader("Authorization", "Bearer " + ALICE_KEY)
            .sendBuffer(Buffer.buffer("{\"question\":\"When are salary bands reviewed?\",\"k\":3}"))
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("answer")).contains("April");
    assertThat(body.getJsonArray("citations")).isNotEmpty();
    body.getJsonArray("citations")
        .forEach(
            c ->
                assertThat(((JsonObject) c).getString("documentId"))
                    .isIn("acme:leave", "acme:salary"));
    assertThat(body.getString("generator")).isEqualTo("extractive");

    HttpResponse<Buffer> anonymous =
        http.post(gateway.actualPort(), "127.0.0.1", "/v1/answer")
            .sendBuffer(Buffer.buffer("{\"question\":\"salary\"}"))
            .await();
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.getHeader("WWW-Authenticate")).startsWith("Bearer");
    HttpResponse<Buffer> bad =
        http.post(gateway.actualPort(), "127.0.0.1", "/v1/answer")
            .putHeader("X-API-Key", ALICE_KEY)
            .sendBuffer(Buffer.buffer("{\"question\":\"salary\",\"k\":0}"))
            .await();
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .contains("k must");
  }

  /**
   * The events port as a recorder: the Kafka adapter behind it is tested on a real broker in
   * KafkaGatewayEventsIT; here the question is what the gateway publishes.
   */
  private static final class RecordingEvents implements GatewayEvents {
    final BlockingQueue<QueryEvent> queries = new LinkedBlockingQueue<>();
    final BlockingQueue<FeedbackEvent> feedback = new LinkedBlockingQueue<>();
    final BlockingQueue<AnswerEvent> answers = new LinkedBlockingQueue<>();

    /** When set, feedback publishes fail with it (a broker outage, a full publisher queue). */
    volatile RuntimeException feedbackFailure;

    @Override
    public Future<Void> publishQuery(QueryEvent event) {
      queries.add(event);
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> publishFeedback(FeedbackEvent event) {
      if (feedbackFailure != null) return Future.failedFuture(feedbackFailure);
      feedback.add(event);
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> publishAnswer(AnswerEvent event) {
      answers.add(event);
      return Future.succeededFuture();
    }

    @Override
    public void close() {}

    QueryEvent nextQuery() throws InterruptedException {
      QueryEvent e = queries.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      assertThat(e).as("a query event within %s", TIMEOUT).isNotNull();
      return e;
    }
  }

  private HttpResponse<Buffer> post(String path, String apiKey, String body) {
    var request = http.post(gateway.actualPort(), "127.0.0.1", path);
    if (apiKey != null) request.putHeader("X-API-Key", apiKey);
    return request.sendBuffer(Buffer.buffer(body)).await();
  }

  @Test
  void everyRetrievalPublishesAQueryEventOfItsKind() throws Exception {
    start();
    HttpResponse<Buffer> search =
        post("/v1/search", ALICE_KEY, "{\"query\":\"paid vacation\",\"k\":3}");
    assertThat(search.statusCode()).isEqualTo(200);
    QueryEvent searched = events.nextQuery();
    assertThat(searched.kind()).isEqualTo(QueryEvent.SEARCH);
    assertThat(searched.queryId()).isEqualTo(search.bodyAsJsonObject().getString("queryId"));
    assertThat(searched.tenant()).isEqualTo("acme");
    assertThat(searched.subject()).isEqualTo("alice");
    assertThat(searched.query()).isEqualTo("paid vacation");
    assertThat(searched.embedding()).hasSize(384);
    assertThat(searched.embedder()).isEqualTo(embedder.id());
    List<String> hitIds = new ArrayList<>();
    search
        .bodyAsJsonObject()
        .getJsonArray("hits")
        .forEach(h -> hitIds.add(((JsonObject) h).getString("documentId")));
    assertThat(searched.documentIds()).isEqualTo(hitIds).isNotEmpty();
    assertThat(searched.topScores()).hasSize(hitIds.size());

    post("/v1/search", ALICE_KEY, "{\"query\":\"paid vacation\",\"mode\":\"bm25\"}");
    QueryEvent bm25 = events.nextQuery();
    assertThat(bm25.mode()).isEqualTo("bm25");
    assertThat(bm25.embedding()).isNull();

    HttpResponse<Buffer> answer =
        post("/v1/answer", ALICE_KEY, "{\"question\":\"When are salary bands reviewed?\"}");
    QueryEvent answered = events.nextQuery();
    assertThat(answered.kind()).isEqualTo(QueryEvent.ANSWER);
    assertThat(answered.queryId()).isEqualTo(answer.bodyAsJsonObject().getString("queryId"));
    AnswerEvent generated = events.answers.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertThat(generated).as("an answer event").isNotNull();
    assertThat(generated.queryId()).isEqualTo(answered.queryId());
    assertThat(generated.kind()).isEqualTo(QueryEvent.ANSWER);
    assertThat(generated.answer()).isEqualTo(answer.bodyAsJsonObject().getString("answer"));
    assertThat(generated.model()).isEqualTo(AnswerEvent.EXTRACTIVE);
    assertThat(generated.messages())
        .extracting(AnswerEvent.Message::role)
        .contains("system", "user");
    assertThat(generated.messages().get(generated.messages().size() - 1).content())
        .contains("When are salary bands reviewed?");
    assertThat(generated.citedDocumentIds()).isNotEmpty().isSubsetOf(answered.documentIds());
    assertThat(answered.mode()).isEqualTo("hybrid");

    Client alice = connect(ALICE_KEY);
    JsonNode done = ask(alice, "q1", "How many vacation days do engineers get?");
    QueryEvent chatted = events.nextQuery();
    assertThat(chatted.kind()).isEqualTo(QueryEvent.CHAT);
    assertThat(chatted.queryId()).isEqualTo(done.get("queryId").asText());
    assertThat(chatted.documentIds()).containsExactlyElementsOf(documentIds(done));
  }

  @Test
  void feedbackTheEventLogDidNotTakeIs503WithRetryAfterNotAccepted() throws Exception {
    start();
    JsonObject search =
        post("/v1/search", ALICE_KEY, "{\"query\":\"paid vacation\",\"k\":3}").bodyAsJsonObject();
    String judgement =
        new JsonObject()
            .put("queryId", search.getString("queryId"))
            .put("documentId", search.getJsonArray("hits").getJsonObject(0).getString("documentId"))
            .put("relevant", true)
            .encode();
    events.feedbackFailure =
        new java.util.concurrent.RejectedExecutionException(
            "1000 events already pending for Kafka (slow or unreachable); dropped");

    HttpResponse<Buffer> refused = post("/v1/feedback", ALICE_KEY, judgement);

    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(503);
    assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .contains("not recorded", "send it again", "already pending");
    events.feedbackFailure = null;
    HttpResponse<Buffer> retried = post("/v1/feedback", ALICE_KEY, judgement);
    assertThat(retried.statusCode()).as(retried.bodyAsString()).isEqualTo(202);
    assertThat(events.feedback).hasSize(1);
  }

  @Test
  void feedbackIsAcceptedOnlyForHitsServedToTheSameCaller() throws Exception {
    start();
    JsonObject search =
        post("/v1/search", ALICE_KEY, "{\"query\":\"paid vacation\",\"k\":3}").bodyAsJsonObject();
    String queryId = search.getString("queryId");
    String hit = search.getJsonArray("hits").getJsonObject(0).getString("documentId");

    HttpResponse<Buffer> accepted =
        post(
            "/v1/feedback",
            ALICE_KEY,
            new JsonObject()
                .put("queryId", queryId)
                .put("documentId", hit)
                .put("relevant", true)
                .put("comment", "spot on")
                .encode());
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    FeedbackEvent f = events.feedback.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertThat(f).isNotNull();
    assertThat(f.queryId()).isEqualTo(queryId);
    assertThat(f.documentId()).isEqualTo(hit);
    assertThat(f.relevant()).isTrue();
    assertThat(f.tenant()).isEqualTo("acme");
    assertThat(f.subject()).isEqualTo("alice");
    assertThat(f.comment()).isEqualTo("spot on");

    String bobJudgesAlicesQuery =
        new JsonObject()
            .put("queryId", queryId)
            .put("documentId", hit)
            .put("relevant", false)
            .encode();
    HttpResponse<Buffer> foreign = post("/v1/feedback", BOB_KEY, bobJudgesAlicesQuery);
    assertThat(foreign.statusCode()).isEqualTo(404);
    assertThat(foreign.bodyAsString()).contains(queryId);
    HttpResponse<Buffer> notAHit =
        post(
            "/v1/feedback",
            ALICE_KEY,
            new JsonObject()
                .put("queryId", queryId)
                .put("documentId", "acme:secret")
                .put("relevant", true)
                .encode());
    assertThat(notAHit.statusCode()).isEqualTo(422);
    assertThat(notAHit.bodyAsString()).contains("acme:secret");
    assertThat(post("/v1/feedback", null, bobJudgesAlicesQuery).statusCode()).isEqualTo(401);

    Map<String, String> bad =
        Map.of(
            "{\"queryId\":\"" + queryId + "\",\"documentId\":\"" + hit + "\"}",
            "relevant",
            "{\"queryId\":\"nope\",\"documentId\":\"d\",\"relevant\":true}",
            "queryId",
            "{\"queryId\":\"" + queryId + "\",\"documentId\":7,\"relevant\":true}",
            "documentId",
            "{\"queryId\":\"" + queryId + "\",\"documentId\":\"d\",\"relevant\":1}",
            "relevant",
            "{\"queryId\":\"" + queryId + "\",\"docId\":\"d\",\"relevant\":true}",
            "docId",
            "[1,2]",
            "JSON object",
            "{\"queryId\":",
            "malformed JSON");
    for (var e : bad.entrySet()) {
      HttpResponse<Buffer> r = post("/v1/feedback", ALICE_KEY, e.getKey());
      assertThat(r.statusCode()).as(e.getKey()).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message"))
          .as(e.getKey())
          .contains(e.getValue());
    }
    assertThat(events.feedback).isEmpty();
  }

  @Test
  void responsesMatchTheServedOpenApiDescription() throws Exception {
    start();
    HttpResponse<Buffer> spec =
        http.get(gateway.actualPort(), "127.0.0.1", "/openapi.yaml").send().await();
    assertThat(spec.statusCode()).isEqualTo(200);
    assertThat(spec.getHeader("Content-Type")).startsWith("application/yaml");
    Path file = indexDir.resolveSibling("openapi-" + System.nanoTime() + ".yaml");
    // vertx-openapi 5.0 refuses application/yaml response media types (its list of supported
    // types is fixed); only the description of /openapi.yaml itself uses it, so the copy that is
    // parsed here calls it text/plain. Everything else is parsed as served.
    String yaml = spec.bodyAsString();
    assertThat(yaml).contains("application/yaml:");
    java.nio.file.Files.writeString(file, yaml.replace("application/yaml:", "text/plain:"));
    // Parsing validates the document against the OpenAPI 3.1 meta-schema.
    OpenAPIContract contract = OpenAPIContract.from(vertx, file.toString()).await();

    // Every API route the gateway serves is described, and nothing more (the chat page at / and
    // its /assets are HTML, CSS and JS for browsers, not API).
    Set<String> served = new java.util.TreeSet<>();
    GatewayRouter.create(vertx, GatewayConfig.defaults(), embedder, store, () -> true)
        .getRoutes()
        .forEach(
            r -> {
              String path = r.getPath();
              if (path != null && !path.equals("/") && !path.startsWith("/assets"))
                served.add(path);
            });
    Set<String> described = new java.util.TreeSet<>();
    contract.getPaths().forEach(p -> described.add(p.getName()));
    assertThat(described).isEqualTo(served);

    ResponseValidator validator = ResponseValidator.create(vertx, contract);
    JsonObject search =
        check(
            validator,
            "search",
            200,
            post("/v1/search", ALICE_KEY, "{\"query\":\"paid vacation\"}"));
    check(validator, "search", 400, post("/v1/search", ALICE_KEY, "{\"query\":\"\"}"));
    check(validator, "search", 401, post("/v1/search", null, "{\"query\":\"x\"}"));
    check(
        validator,
        "answer",
        200,
        post("/v1/answer", ALICE_KEY, "{\"question\":\"When are salary bands reviewed?\"}"));
    check(validator, "answer", 400, post("/v1/answer", ALICE_KEY, "{\"question\":3}"));
    String feedback =
        new JsonObject()
            .put("queryId", search.getString("queryId"))
            .put("documentId", search.getJsonArray("hits").getJsonObject(0).getString("documentId"))
            .put("relevant", true)
            .encode();
    check(validator, "feedback", 202, post("/v1/feedback", ALICE_KEY, feedback));
    check(validator, "feedback", 404, post("/v1/feedback", BOB_KEY, feedback));
    check(
        validator,
        "health",
        200,
        http.get(gateway.actualPort(), "127.0.0.1", "/health").send().await());
    HttpResponse<Buffer> metrics =
        http.get(gateway.actualPort(), "127.0.0.1", "/metrics").send().await();
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.getHeader("Content-Type")).startsWith("text/plain");
    check(
        validator,
        "ready",
        200,
        http.get(gateway.actualPort(), "127.0.0.1", "/ready").send().await());
    check(
        validator,
        "chat",
        400,
        http.get(gateway.actualPort(), "127.0.0.1", "/v1/chat")
            .putHeader("X-API-Key", ALICE_KEY)
            .send()
            .await());
  }

  /** Validates a real response against the operation's description; returns its JSON body. */
  private JsonObject check(
      ResponseValidator validator, String operationId, int status, HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(operationId + ": " + r.bodyAsString()).isEqualTo(status);
    String type = r.getHeader("Content-Type");
    validator
        .validate(
            ValidatableResponse.create(
                r.statusCode(), Map.of("Content-Type", type), r.body(), type),
            operationId)
        .await();
    return r.bodyAsJsonObject();
  }

  @Test
  void logsNeverHoldCredentialsQuestionsOrDocumentText() throws Exception {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.classic.Logger ours =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.ragstream");
    ch.qos.logback.classic.Level before = ours.getLevel();
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
        new ch.qos.logback.core.read.ListAppender<>();
    appender.start();
    root.addAppender(appender);
    ours.setLevel(ch.qos.logback.classic.Level.DEBUG); // the most verbose level we log at
    String token = jwt("carol", "globex", List.of("eng"), 60);
    try {
      start();
      String question = "How many vacation days do engineers get?";
      post("/v1/search", ALICE_KEY, "{\"query\":\"" + question + "\"}");
      post("/v1/answer", ALICE_KEY, "{\"question\":\"" + question + "\"}");
      post("/v1/answer", ALICE_KEY, "{\"question\":\"" + question + "\",\"k\":999}");
      post("/v1/search", "wrong-" + ALICE_KEY, "{\"query\":\"" + question + "\"}");
      http.post(gateway.actualPort(), "127.0.0.1", "/v1/search")
          .putHeader("Authorization", "Bearer " + token + "x")
          .sendBuffer(Buffer.buffer("{\"query\":\"" + question + "\"}"))
          .await();
      Client alice = connect(ALICE_KEY);
      ask(alice, "q1", question);
      alice.send("{\"type\":\"ask\",\"id\":\"q2\",\"question\":\"" + question);
      alice.next("error");
    } finally {
      root.detachAppender(appender);
      ours.setLevel(before);
    }
    List<String> logged = new ArrayList<>();
    for (var e : appender.list) {
      logged.add(e.getFormattedMessage());
      if (e.getThrowableProxy() != null) logged.add(e.getThrowableProxy().getMessage());
    }
    assertThat(logged).as("something was logged at DEBUG").isNotEmpty();
    for (String line : logged) {
      if (line == null) continue;
      assertThat(line)
          .doesNotContain(ALICE_KEY)
          .doesNotContain(SECRET)
          .doesNotContain(token.substring(token.lastIndexOf('.')))
          .doesNotContain("vacation days")
          .doesNotContain("thirty days")
          .doesNotContain("compensation committee");
    }
  }

  @Test
  void searchIsFilteredByTheCallersPermissions() {
    start();
    String expired = jwt("carol", "globex", List.of("eng"), -120);
    HttpResponse<Buffer> r =
        http.post(gateway.actualPort(), "127.0.0.1", "/v1/search")
            .putHeader("Authorization", "Bearer " + jwt("carol", "globex", List.of("eng"), 60))
            .sendBuffer(Buffer.buffer("{\"query\":\"paid vacation\",\"k\":10}"))
            .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    r.bodyAsJsonObject()
        .getJsonArray("hits")
        .forEach(h -> ids.add(((JsonObject) h).getString("documentId")));
    assertThat(ids).containsExactly("globex:leave");
    for (String header : List.of("Bearer " + expired, "Bearer wrong-key-0123456789", "Basic abc")) {
      HttpResponse<Buffer> refused =
          http.post(gateway.actualPort(), "127.0.0.1", "/v1/search")
              .putHeader("Authorization", header)
              .sendBuffer(Buffer.buffer("{\"query\":\"paid vacation\"}"))
              .await();
      assertThat(refused.statusCode()).as(header).isEqualTo(401);
      assertThat(refused.bodyAsString()).doesNotContain("wrong-key");
    }
    JsonObject noTenant = new JsonObject().put("sub", "mallory");
    String tokenWithoutTenant = jwtIssuer.generateToken(noTenant, new JWTOptions());
    assertThat(
            http.post(gateway.actualPort(), "127.0.0.1", "/v1/search")
                .putHeader("Authorization", "Bearer " + tokenWithoutTenant)
                .sendBuffer(Buffer.buffer("{\"query\":\"paid vacation\"}"))
                .await()
                .bodyAsString())
        .contains("tenant");
  }

  @Test
  void handshakeIsRefusedBeforeTheUpgrade() {
    start();
    assertThatThrownBy(() -> connect("", null).await())
        .isInstanceOfSatisfying(
            UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
    assertThatThrownBy(() -> connect("?api_key=not-a-key-0123456", null).await())
        .isInstanceOfSatisfying(
            UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
    MultiMap evil =
        MultiMap.caseInsensitiveMultiMap()
            .add("X-API-Key", ALICE_KEY)
            .add("Origin", "https://evil.example.com");
    assertThatThrownBy(() -> connect("", evil).await())
        .isInstanceOfSatisfying(
            UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(403));
    MultiMap own =
        MultiMap.caseInsensitiveMultiMap()
            .add("X-API-Key", ALICE_KEY)
            .add("Origin", "http://127.0.0.1:" + gateway.actualPort());
    WebSocket ok = connect("", own).await();
    assertThat(ok.isClosed()).isFalse();
    ok.close().await();
  }

  @Test
  void badMessagesGetTypedErrorsAndTheConnectionStaysUsable() throws Exception {
    start();
    Client c = connect(ALICE_KEY);
    String[][] cases = {
      {"not json", "bad_request", "not valid JSON"},
      {"[1,2]", "bad_request", "JSON object"},
      {"{\"type\":\"dance\",\"id\":\"x\"}", "bad_request", "unknown type"},
      {"{\"type\":\"ask\",\"id\":\"x\"}", "bad_request", "question"},
      {"{\"type\":\"ask\",\"question\":\"hi\"}", "bad_request", "needs an id"},
      {"{\"type\":\"ask\",\"id\":\"x\",\"question\":\"hi\",\"k\":500}", "bad_request", "k must"},
      {
        "{\"type\":\"ask\",\"id\":\"x\",\"question\":\"hi\",\"color\":1}",
        "bad_request",
        "unknown field"
      },
      {"{\"type\":\"cancel\",\"id\":\"nothing\"}", "not_found", "no running answer"},
    };
    for (String[] k : cases) {
      c.send(k[0]);
      JsonNode error = c.next("error");
      assertThat(error.get("code").asText()).as(k[0]).isEqualTo(k[1]);
      assertThat(error.get("message").asText()).as(k[0]).contains(k[2]);
    }
    c.send("{\"type\":\"ping\",\"id\":\"p\"}");
    assertThat(c.next("pong").get("id").asText()).isEqualTo("p");
    ask(c, "after-errors", "salary bands");
  }

  @Test
  void oversizedAndBinaryFramesCloseTheConnection() throws Exception {
    start();
    Client big = connect(ALICE_KEY);
    String question = "x".repeat(70 * 1024);
    big.ws.writeTextMessage("{\"type\":\"ask\",\"id\":\"big\",\"question\":\"" + question + "\"}");
    assertThat(big.closeCode()).isEqualTo((short) 1009);

    Client binary = connect(ALICE_KEY);
    binary.ws.writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3}));
    assertThat(binary.closeCode()).isEqualTo((short) 1003);
    ask(connect(ALICE_KEY), "still-healthy", "salary bands");
  }

  /** A generator that sends one token and then waits until cancelled. */
  private static final class StallingGenerator implements AnswerGenerator {
    final AtomicBoolean cancelled = new AtomicBoolean();
    final AtomicInteger afterCancel = new AtomicInteger();

    public String id() {
      return "stalling";
    }

    public Generation generate(GenerationRequest request, GenerationListener listener) {
      listener.onToken("Thinking");
      long timer =
          Vertx.currentContext()
              .owner()
              .setTimer(
                  3_000,
                  t -> {
                    afterCancel.incrementAndGet();
                    listener.onComplete();
                  });
      return () -> {
        cancelled.set(true);
        Vertx.currentContext().owner().cancelTimer(timer);
      };
    }

    public Future<String> standaloneQuery(String followUp, List<Turn> history, String model) {
      return Future.succeededFuture(followUp);
    }
  }

  @Test
  void cancelStopsTheRunningAnswerAndBusyRejectsASecondAsk() throws Exception {
    StallingGenerator generator = new StallingGenerator();
    start(ChatSettings.defaults(), generator);
    Client c = connect(ALICE_KEY);
    c.send("{\"type\":\"ask\",\"id\":\"a1\",\"question\":\"salary bands\"}");
    c.next("citations");
    assertThat(c.next("token").get("text").asText()).isEqualTo("Thinking");
    c.send("{\"type\":\"ask\",\"id\":\"a2\",\"question\":\"vacation\"}");
    assertThat(c.next("error").get("code").asText()).isEqualTo("busy");
    c.send("{\"type\":\"cancel\",\"id\":\"a1\"}");
    assertThat(c.next("cancelled").get("id").asText()).isEqualTo("a1");
    assertThat(generator.cancelled).isTrue();
    c.send("{\"type\":\"ping\"}");
    c.next("pong");
    assertThat(generator.afterCancel).hasValue(0);
  }

  /** A generator that floods the connection with 1 KiB tokens. */
  private static final class FloodingGenerator implements AnswerGenerator {
    public String id() {
      return "flooding";
    }

    public Generation generate(GenerationRequest request, GenerationListener listener) {
      AtomicBoolean stop = new AtomicBoolean();
      Vertx owner = Vertx.currentContext().owner();
      String token = "y".repeat(1024);
      long timer =
          owner.setPeriodic(
              1,
              t -> {
                for (int i = 0; i < 200 && !stop.get(); i++) listener.onToken(token);
              });
      return () -> {
        stop.set(true);
        owner.cancelTimer(timer);
      };
    }

    public Future<String> standaloneQuery(String followUp, List<Turn> history, String model) {
      return Future.succeededFuture(followUp);
    }
  }

  @Test
  void aClientThatDoesNotReadIsClosedAsSlowConsumer() throws Exception {
    start(ChatSettings.defaults().withMaxQueuedBytes(128 * 1024), new FloodingGenerator());
    Client slow = connect(ALICE_KEY);
    slow.send("{\"type\":\"ask\",\"id\":\"flood\",\"question\":\"salary bands\"}");
    slow.ws.pause();
    Thread.sleep(1_500);
    slow.ws.resume();
    assertThat(slow.closeCode()).isEqualTo(ChatSocket.CLOSE_SLOW_CONSUMER);
    assertThat(http.get(gateway.actualPort(), "127.0.0.1", "/health").send().await().statusCode())
        .isEqualTo(200);
  }

  @Test
  void askingOverTheRateLimitIsRefusedThenTheConnectionClosed() throws Exception {
    start(ChatSettings.defaults().withRateLimit(1, 2), new ExtractiveAnswerer());
    Client c = connect(ALICE_KEY); // the handshake took one token
    ask(c, "r1", "salary bands");
    int limited = 0;
    int sent = 0;
    while (!c.closed.isDone() && sent++ < 100) {
      c.ws.writeTextMessage("{\"type\":\"ask\",\"id\":\"r" + sent + "\",\"question\":\"salary\"}");
      JsonNode m = c.messages.poll(2, TimeUnit.SECONDS);
      if (m == null) break; // closed instead of answering
      if (m.get("type").asText().equals("error")) {
        assertThat(m.get("code").asText()).isEqualTo("rate_limited");
        limited++;
      } else {
        limited = 0; // a token came free: the count of rejections in a row starts again
        while (!m.get("type").asText().equals("done")) m = c.next();
      }
    }
    assertThat(c.closeCode()).isEqualTo(ChatSocket.CLOSE_TOO_MANY);
    assertThat(limited).as("rejections in a row before the close").isEqualTo(10);
    // The bucket holds at most 2 tokens (burst) and refills 1 per second: of five requests sent at
    // once at least one is refused, however slowly a loaded machine serves them.
    List<io.vertx.core.Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      burst.add(
          http.post(gateway.actualPort(), "127.0.0.1", "/v1/search")
              .putHeader("X-API-Key", ALICE_KEY)
              .sendBuffer(Buffer.buffer("{\"query\":\"salary\"}")));
    }
    HttpResponse<Buffer> http429 = null;
    for (var f : burst) {
      HttpResponse<Buffer> r = f.await();
      if (r.statusCode() == 429) {
        http429 = r;
      }
    }
    assertThat(http429).as("one of five simultaneous requests is refused").isNotNull();
    assertThat(http429.statusCode()).isEqualTo(429);
    assertThat(http429.bodyAsJsonObject().getJsonObject("error").getString("code"))
        .isEqualTo("too_many_requests");
    assertThat(http429.getHeader("Retry-After")).isNotBlank();
  }

  @Test
  void followUpsShareTheConversationOfTheSameCallerOnly() throws Exception {
    List<List<Turn>> histories = new ArrayList<>();
    AnswerGenerator recording =
        new AnswerGenerator() {
          final ExtractiveAnswerer inner = new ExtractiveAnswerer();

          public String id() {
            return "recording";
          }

          public Generation generate(GenerationRequest request, GenerationListener listener) {
            histories.add(request.history());
            return inner.generate(request, listener);
          }

          public Future<String> standaloneQuery(String f, List<Turn> h, String m) {
            return Future.succeededFuture(f);
          }
        };
    start(ChatSettings.defaults(), recording);
    Client alice = connect(ALICE_KEY);
    for (String q : List.of("salary bands", "and vacation?")) {
      alice.send(
          "{\"type\":\"ask\",\"id\":\"t\",\"conversationId\":\"conv-1\",\"question\":\""
              + q
              + "\"}");
      while (!alice.next().get("type").asText().equals("done")) {}
    }
    Client bob = connect(BOB_KEY);
    bob.send("{\"type\":\"ask\",\"id\":\"t\",\"conversationId\":\"conv-1\",\"question\":\"hi\"}");
    while (!bob.next().get("type").asText().equals("done")) {}
    assertThat(histories).hasSize(3);
    assertThat(histories.get(0)).isEmpty();
    assertThat(histories.get(1)).hasSize(1);
    assertThat(histories.get(1).get(0).question()).isEqualTo("salary bands");
    assertThat(histories.get(2)).as("bob cannot read alice's conversation").isEmpty();
  }
}
