package io.ragstream.gateway.http;

import io.ragstream.core.port.Embedder;
import io.ragstream.core.port.VectorStore;
import io.ragstream.gateway.GatewayConfig;
import io.ragstream.gateway.GatewayFeatures;
import io.ragstream.gateway.auth.CallerAuthenticator;
import io.ragstream.gateway.auth.RateLimiter;
import io.ragstream.gateway.chat.AnswerHandler;
import io.ragstream.gateway.chat.AnswerService;
import io.ragstream.gateway.chat.ChatHandler;
import io.ragstream.gateway.chat.ChatSettings;
import io.ragstream.gateway.chat.ConversationMemory;
import io.ragstream.gateway.events.QueryRecorder;
import io.ragstream.gateway.index.ServingIndex;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Builds the gateway's HTTP API as a Vert.x {@link Router}.
 *
 * <ul>
 *   <li>{@code POST /v1/search}: body {@code {"query": string, "k": int, "mode":
 *       "dense"|"bm25"|"hybrid", "collapse": boolean}}, answer {@link SearchResponse}
 *   <li>{@code POST /v1/answer} and WebSocket {@code GET /v1/chat}: answers with citations
 *       (docs/chat.md)
 *   <li>{@code POST /v1/feedback}: {@code {"queryId", "documentId", "relevant", "comment"}}, 202
 *       ({@link FeedbackHandler})
 *   <li>{@code GET /openapi.yaml}: the OpenAPI 3.1 description of this API
 *   <li>{@code GET /metrics}: Prometheus text exposition of {@link GatewayFeatures#metrics()}
 *   <li>{@code GET /} and {@code /assets/*}: the web chat page ({@link ChatPage})
 *   <li>{@code GET /health}: 200 {@code {"status": "UP"}} while the process serves requests
 *   <li>{@code GET /ready}: 200 or 503 with {@link ReadinessResponse}
 *   <li>{@code /admin/index}: index generations, reindex, rollback, retire ({@link
 *       IndexAdminRoutes}; only with {@link GatewayFeatures#indexAdmin()}, behind its own token)
 * </ul>
 *
 * <p>Every error is {@link ErrorResponse} JSON: 400 for a malformed body or a bad field (the
 * message names the field), 404 for an unknown path, 405 for a known path with another method, 413
 * for a body over {@link GatewayConfig#maxBodyBytes()}, 415 for a non-JSON Content-Type (a request
 * without Content-Type is read as JSON), 500 for internal errors (logged, generic message).
 *
 * <p>{@code /v1/*} authenticates the caller ({@link AuthHandler}: 401, 429) and filters every
 * retrieval by the caller's tenant and principals. {@code /health}, {@code /ready}, {@code
 * /metrics}, {@code /openapi.yaml} and the chat page are open.
 */
public final class GatewayRouter {
  private GatewayRouter() {}

  /**
   * A router serving the API from {@code embedder} and {@code store}.
   *
   * @param vertx the Vert.x instance the router runs on
   * @param config limits and defaults
   * @param embedder embeds queries; called on worker threads, must be thread-safe
   * @param store the index searched; called on worker threads
   * @param ready whether the index has caught up with the source snapshot; called on a worker
   *     thread for every {@code /ready}, so it should be cheap
   */
  public static Router create(
      Vertx vertx,
      GatewayConfig config,
      Embedder embedder,
      VectorStore store,
      BooleanSupplier ready) {
    return create(vertx, config, GatewayFeatures.defaults(), embedder, store, ready);
  }

  /**
   * A router serving the API, with {@code features}' authentication, chat limits and answer
   * generator.
   */
  public static Router create(
      Vertx vertx,
      GatewayConfig config,
      GatewayFeatures features,
      Embedder embedder,
      VectorStore store,
      BooleanSupplier ready) {
    return create(vertx, config, features, ServingIndex.fixed(embedder, store), ready);
  }

  /**
   * A router serving the API from the generation {@code index} serves at each request: a search
   * embeds and searches through one {@link ServingIndex#acquire() lease}, so a swap of the serving
   * generation never mixes models in one search. With {@link GatewayFeatures#indexAdmin()}, also
   * the {@code /admin/index} routes ({@link IndexAdminRoutes}).
   */
  public static Router create(
      Vertx vertx,
      GatewayConfig config,
      GatewayFeatures features,
      ServingIndex index,
      BooleanSupplier ready) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(index, "index");
    Objects.requireNonNull(ready, "ready");
    ErrorHandler errors = new ErrorHandler(config.maxBodyBytes());
    Router router = Router.router(vertx);
    // Failures of any route; the error handlers cover requests no route matched (404, 405, ...).
    router.route().handler(new RequestIds());
    router.route().failureHandler(errors);
    for (int status : ErrorHandler.ROUTER_STATUSES) {
      router.errorHandler(status, errors);
    }

    CallerAuthenticator authenticator = new CallerAuthenticator(vertx, features.auth());
    ChatSettings chat = features.chat();
    RateLimiter limiter = new RateLimiter(chat.ratePerSecond(), chat.rateBurst());
    AuthHandler auth = new AuthHandler(authenticator, limiter);
    QueryRecorder recorder =
        new QueryRecorder(
            features.events(),
            index.serving().embedder().id(),
            features.feedbackRequiresKnownQuery(),
            QueryRecorder.DEFAULT_MAX_QUERIES,
            QueryRecorder.DEFAULT_RETENTION);
    AnswerService answers =
        new AnswerService(
            vertx,
            index,
            features.generator(),
            new ConversationMemory(
                chat.memoryTurns(), chat.maxConversations(), Duration.ofMinutes(30)),
            config.defaultFusion(),
            recorder,
            features.queryAdapters(),
            features.metrics());

    router
        .post("/v1/search")
        .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
        .handler(GatewayRouter::requireJson)
        .handler(auth)
        .handler(
            new SearchHandler(
                config, index, recorder, features.queryAdapters(), features.metrics()));
    router
        .post("/v1/answer")
        .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
        .handler(GatewayRouter::requireJson)
        .handler(auth)
        .handler(new AnswerHandler(answers, chat, AuthHandler::caller));
    router
        .post("/v1/feedback")
        .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
        .handler(GatewayRouter::requireJson)
        .handler(auth)
        .handler(new FeedbackHandler(recorder));
    router
        .get("/v1/chat")
        .handler(
            new ChatHandler(
                authenticator, limiter, answers, chat, features.metrics().chatConnections()));
    Buffer openapi = openapi();
    router
        .get("/openapi.yaml")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/yaml; charset=utf-8")
                    .end(openapi));
    router.get("/health").handler(ctx -> Responses.json(ctx, 200, Map.of("status", "UP")));
    router.get("/ready").handler(new ReadinessHandler(index, ready));
    router.get("/metrics").handler(new MetricsHandler(features.metrics()));
    if (features.indexAdmin() != null) {
      IndexAdminRoutes.mount(router, features.indexAdmin(), config.maxBodyBytes());
    }
    // The web chat page at / (open, like /health): static files, see ChatPage.
    ChatPage.mount(router);
    return router;
  }

  /** The OpenAPI 3.1 description of this API, a resource next to this class's package. */
  static Buffer openapi() {
    try (InputStream in =
        GatewayRouter.class.getResourceAsStream("/io/ragstream/gateway/openapi.yaml")) {
      if (in == null) throw new IllegalStateException("openapi.yaml is missing from the jar");
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Rejects a body declared as anything but JSON (415); a request without Content-Type is read as
   * JSON. Runs after the body handler, as Vert.x 5 requires body handlers first; the body is
   * bounded by then.
   */
  private static void requireJson(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type != null && !isJson(type)) {
      String shown = type.length() <= 60 ? type : type.substring(0, 60) + "...";
      ctx.fail(
          new HttpException(415, "Content-Type must be application/json, was '" + shown + "'"));
      return;
    }
    ctx.next();
  }

  private static boolean isJson(String contentType) {
    int semicolon = contentType.indexOf(';');
    String media =
        (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
            .strip()
            .toLowerCase(Locale.ROOT);
    return media.equals("application/json")
        || (media.startsWith("application/") && media.endsWith("+json"));
  }
}
