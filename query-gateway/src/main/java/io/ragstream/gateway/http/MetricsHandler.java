package io.ragstream.gateway.http;

import io.ragstream.gateway.metrics.GatewayMetrics;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.util.Objects;

/**
 * {@code GET /metrics}: 200 with {@link GatewayMetrics#scrape()} as {@link
 * GatewayMetrics#CONTENT_TYPE} (Prometheus text format 0.0.4). Open, like {@code /health}. The text
 * is rendered on a worker thread, since the JVM binders read MXBeans and {@code /proc}.
 */
final class MetricsHandler implements Handler<RoutingContext> {
  private final GatewayMetrics metrics;

  MetricsHandler(GatewayMetrics metrics) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  @Override
  public void handle(RoutingContext ctx) {
    ctx.vertx()
        .executeBlocking(metrics::scrape, false)
        .onSuccess(
            text ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, GatewayMetrics.CONTENT_TYPE)
                    .end(text))
        .onFailure(ctx::fail);
  }
}
