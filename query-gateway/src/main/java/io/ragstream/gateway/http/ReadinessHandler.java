package io.ragstream.gateway.http;

import io.ragstream.core.store.IndexStats;
import io.ragstream.gateway.index.ServingIndex;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /ready}: 200 when the readiness supplier says the index has caught up, else 503; both
 * with a {@link ReadinessResponse}. The supplier and the serving generation's {@code stats()} are
 * called on a worker thread.
 */
final class ReadinessHandler implements Handler<RoutingContext> {
  private final ServingIndex index;
  private final BooleanSupplier ready;

  ReadinessHandler(ServingIndex index, BooleanSupplier ready) {
    this.index = index;
    this.ready = ready;
  }

  @Override
  public void handle(RoutingContext ctx) {
    ctx.vertx()
        .executeBlocking(this::readiness, false)
        .onSuccess(r -> Responses.json(ctx, r.ready() ? 200 : 503, r))
        .onFailure(ctx::fail);
  }

  private ReadinessResponse readiness() {
    boolean isReady = ready.getAsBoolean();
    IndexStats stats;
    try (ServingIndex.Lease lease = index.acquire()) {
      stats = lease.store().stats();
    }
    return new ReadinessResponse(
        isReady, stats.documents(), stats.points(), Responses.instant(stats.lastCommittedAt()));
  }
}
