package io.ragstream.gateway.events;

import io.ragstream.core.event.AnswerEvent;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.QueryEvent;
import io.vertx.core.Future;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link GatewayEvents#none()}: events disabled; counts what it drops. */
final class DisabledGatewayEvents implements GatewayEvents {
  private static final Logger LOG = LoggerFactory.getLogger(DisabledGatewayEvents.class);

  private final AtomicLong dropped = new AtomicLong();

  @Override
  public Future<Void> publishQuery(QueryEvent event) {
    Objects.requireNonNull(event, "event");
    return drop();
  }

  @Override
  public Future<Void> publishFeedback(FeedbackEvent event) {
    Objects.requireNonNull(event, "event");
    return drop();
  }

  @Override
  public Future<Void> publishAnswer(AnswerEvent event) {
    Objects.requireNonNull(event, "event");
    return drop();
  }

  private Future<Void> drop() {
    if (dropped.getAndIncrement() == 0) {
      LOG.info(
          "Gateway events disabled (no Kafka configured): query, answer and feedback events dropped");
    }
    return Future.succeededFuture();
  }

  @Override
  public long dropped() {
    return dropped.get();
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "GatewayEvents.none()";
  }
}
