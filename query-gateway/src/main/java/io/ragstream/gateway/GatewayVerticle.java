package io.ragstream.gateway;

import io.ragstream.core.port.Embedder;
import io.ragstream.core.port.VectorStore;
import io.ragstream.gateway.http.GatewayRouter;
import io.ragstream.gateway.index.ServingIndex;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query gateway: an HTTP server with the API of {@link GatewayRouter} (search, answers and
 * chat, health, readiness, {@code GET /metrics} from {@link GatewayFeatures#metrics()}) over one
 * {@link Embedder} and one {@link VectorStore}.
 *
 * <p>Deploy it with {@code vertx.deployVerticle(verticle)}; {@link #start()} returns the {@code
 * listen} future, so a port that cannot be bound fails the deployment. After deployment, {@link
 * #actualPort()} gives the bound port (useful with port 0). Undeploying closes the server; the
 * embedder and the store belong to the caller, who closes them after undeploying.
 *
 * <p>Callers are authenticated as {@link GatewayFeatures#auth()} says and every retrieval is
 * filtered by the caller's tenant and principals. WebSocket frames and messages are limited to
 * {@link io.ragstream.gateway.chat.ChatSettings#maxMessageBytes()}.
 */
public final class GatewayVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);

  private final GatewayConfig config;
  private final GatewayFeatures features;
  private final ServingIndex index;
  private final BooleanSupplier ready;
  private volatile HttpServer server;

  /**
   * @param config bind address, limits and defaults
   * @param embedder embeds queries (blocking, thread-safe); not closed by the verticle
   * @param store the index searched (blocking); not closed by the verticle
   * @param ready whether the index has caught up with the source snapshot (the local launcher flips
   *     it); decides between 200 and 503 on {@code GET /ready}
   */
  public GatewayVerticle(
      GatewayConfig config, Embedder embedder, VectorStore store, BooleanSupplier ready) {
    this(config, GatewayFeatures.defaults(), embedder, store, ready);
  }

  /**
   * @param features authentication, chat limits and the answer generator (not closed by the
   *     verticle)
   */
  public GatewayVerticle(
      GatewayConfig config,
      GatewayFeatures features,
      Embedder embedder,
      VectorStore store,
      BooleanSupplier ready) {
    this(
        config,
        features,
        ServingIndex.fixed(
            Objects.requireNonNull(embedder, "embedder"), Objects.requireNonNull(store, "store")),
        ready);
  }

  /**
   * A gateway over whatever generation {@code index} serves; swapping it ({@link
   * ServingIndex#swap}) switches every later search to the new generation (docs/reindex.md).
   *
   * @param index the serving index generation; not closed by the verticle
   */
  public GatewayVerticle(
      GatewayConfig config, GatewayFeatures features, ServingIndex index, BooleanSupplier ready) {
    this.config = Objects.requireNonNull(config, "config");
    this.features = Objects.requireNonNull(features, "features");
    this.index = Objects.requireNonNull(index, "index");
    this.ready = Objects.requireNonNull(ready, "ready");
  }

  /** Binds {@code config.host():config.port()}; the future fails when the bind fails. */
  @Override
  public Future<HttpServer> start() {
    return vertx
        .createHttpServer(
            new HttpServerOptions()
                .setHost(config.host())
                .setPort(config.port())
                // Hard bounds of the decoder; ChatSocket closes over maxMessageBytes with 1009.
                .setMaxWebSocketFrameSize(features.chat().maxMessageBytes() * 2)
                .setMaxWebSocketMessageSize(features.chat().maxMessageBytes() * 2))
        .requestHandler(GatewayRouter.create(vertx, config, features, index, ready))
        .listen()
        .onSuccess(
            s -> {
              server = s;
              LOG.info("gateway listening on {}", url());
            });
  }

  /**
   * The bound TCP port (the ephemeral one when {@link GatewayConfig#port()} is 0).
   *
   * @throws IllegalStateException before the verticle has started
   */
  public int actualPort() {
    HttpServer s = server;
    if (s == null) {
      throw new IllegalStateException("gateway not started");
    }
    return s.actualPort();
  }

  /** {@code http://HOST:PORT} of the running gateway; see {@link #actualPort()}. */
  public String url() {
    String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
    return "http://" + host + ":" + actualPort();
  }

  /** The configuration the gateway runs with. */
  public GatewayConfig gatewayConfig() {
    return config;
  }
}
