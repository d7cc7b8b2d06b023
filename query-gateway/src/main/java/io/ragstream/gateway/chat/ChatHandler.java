package io.ragstream.gateway.chat;

import io.ragstream.gateway.auth.CallerAuthenticator;
import io.ragstream.gateway.auth.RateLimiter;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.net.URI;
import java.util.Locale;

/**
 * {@code GET /v1/chat}: checks the WebSocket handshake and upgrades it. Refusals happen before the
 * upgrade, as HTTP errors: 400 for a request that is not a WebSocket handshake, 403 for an {@code
 * Origin} that is neither the gateway's own (same host and port as the {@code Host} header) nor in
 * {@link ChatSettings#allowedOrigins()}, 401 for missing or wrong credentials, 429 over the rate
 * limit. Then one {@link ChatSocket} serves the connection.
 */
public final class ChatHandler implements Handler<RoutingContext> {

  private final CallerAuthenticator authenticator;
  private final RateLimiter limiter;
  private final AnswerService answers;
  private final ChatSettings settings;
  private final ChatConnectionListener connections;

  /**
   * @param connections told of every connection opened and closed (for the metrics)
   */
  public ChatHandler(
      CallerAuthenticator authenticator,
      RateLimiter limiter,
      AnswerService answers,
      ChatSettings settings,
      ChatConnectionListener connections) {
    this.authenticator = authenticator;
    this.limiter = limiter;
    this.answers = answers;
    this.settings = settings;
    this.connections = connections;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String upgrade = request.getHeader(HttpHeaders.UPGRADE);
    if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
      ctx.fail(new HttpException(400, "/v1/chat is a WebSocket endpoint; send an upgrade request"));
      return;
    }
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (origin != null && !originAllowed(origin, request.getHeader(HttpHeaders.HOST))) {
      ctx.fail(new HttpException(403, "origin not allowed"));
      return;
    }
    request.pause();
    authenticator
        .authenticate(request)
        .onFailure(
            e -> {
              request.resume();
              ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"ragstream\"");
              ctx.fail(new HttpException(401, e.getMessage()));
            })
        .onSuccess(
            caller -> {
              request.resume();
              if (limiter.tryAcquire(caller) > 0) {
                ctx.fail(new HttpException(429, "rate limit exceeded"));
                return;
              }
              request
                  .toWebSocket()
                  .onSuccess(
                      ws ->
                          new ChatSocket(
                              ctx.vertx(), ws, caller, answers, limiter, settings, connections))
                  .onFailure(ctx::fail);
            });
  }

  private boolean originAllowed(String origin, String host) {
    if (settings.allowedOrigins().contains("*")) return true;
    for (String allowed : settings.allowedOrigins()) {
      if (allowed.equalsIgnoreCase(origin)) return true;
    }
    try {
      URI uri = URI.create(origin);
      if (host == null || uri.getHost() == null) return false;
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
      String own = host.toLowerCase(Locale.ROOT);
      return own.equals(uri.getHost().toLowerCase(Locale.ROOT) + ":" + port)
          || (port == 80 && own.equals(uri.getHost().toLowerCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
