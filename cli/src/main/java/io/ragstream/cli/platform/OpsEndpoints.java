package io.ragstream.cli.platform;

import io.ragstream.gateway.metrics.GatewayMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The operations endpoints of a process that serves no API of its own ({@code ragstream ingest},
 * {@code ragstream trainer}), on a Vert.x Web router:
 *
 * <ul>
 *   <li>{@code GET /metrics}: 200, every meter of {@code metrics} in the Prometheus text format
 *       0.0.4 ({@link GatewayMetrics#CONTENT_TYPE}), rendered on a worker thread;
 *   <li>{@code GET /health}: 200 {@code {"status":"UP"}} while {@code healthy} holds, else 503
 *       {@code {"status":"DOWN"}} (a liveness probe: restart the process);
 *   <li>{@code GET /ready}: 200 {@code {"ready":true}} while {@code ready} holds, else 503 {@code
 *       {"ready":false}}.
 * </ul>
 *
 * The suppliers are called on a worker thread for each request. {@link #close()} stops the server
 * and its Vert.x instance.
 */
public final class OpsEndpoints implements AutoCloseable {
  private final Vertx vertx;
  private final HttpServer server;
  private final String host;

  private OpsEndpoints(Vertx vertx, HttpServer server, String host) {
    this.vertx = vertx;
    this.server = server;
    this.host = host;
  }

  /**
   * Binds {@code host:port} (port 0 = a free port) and waits up to 30 s for the bind.
   *
   * @throws Exception when the port cannot be bound (for example, in use)
   */
  public static OpsEndpoints start(
      String host, int port, GatewayMetrics metrics, BooleanSupplier healthy, BooleanSupplier ready)
      throws Exception {
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(healthy, "healthy");
    Objects.requireNonNull(ready, "ready");
    Vertx vertx = Vertx.vertx();
    try {
      Router router = Router.router(vertx);
      router
          .get("/metrics")
          .handler(
              ctx ->
                  ctx.vertx()
                      .executeBlocking(metrics::scrape, false)
                      .onSuccess(
                          text ->
                              ctx.response()
                                  .putHeader(HttpHeaders.CONTENT_TYPE, GatewayMetrics.CONTENT_TYPE)
                                  .end(text))
                      .onFailure(ctx::fail));
      router
          .get("/health")
          .handler(
              ctx -> check(ctx, healthy, ok -> new JsonObject().put("status", ok ? "UP" : "DOWN")));
      router
          .get("/ready")
          .handler(ctx -> check(ctx, ready, ok -> new JsonObject().put("ready", ok)));
      HttpServer server =
          vertx
              .createHttpServer()
              .requestHandler(router)
              .listen(port, host)
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      return new OpsEndpoints(vertx, server, host);
    } catch (Exception | Error e) {
      vertx.close();
      throw e;
    }
  }

  private static void check(
      RoutingContext ctx,
      BooleanSupplier condition,
      java.util.function.Function<Boolean, JsonObject> body) {
    ctx.vertx()
        .executeBlocking(condition::getAsBoolean, false)
        .onSuccess(
            ok ->
                ctx.response()
                    .setStatusCode(ok ? 200 : 503)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(body.apply(ok).encode()))
        .onFailure(ctx::fail);
  }

  /** The bound port. */
  public int port() {
    return server.actualPort();
  }

  /** {@code http://host:port} of the endpoints ({@code 0.0.0.0} shown as bound). */
  public String url() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return "http://" + h + ":" + port();
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
