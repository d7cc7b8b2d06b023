package io.ragstream.processors.sink;

import io.ragstream.core.model.IndexedEvent;

/**
 * Where the store sink reports each applied change ({@link IndexedEvent}, freshness telemetry).
 *
 * <p>Called on the sink's task thread, once per applied update, right after {@code apply}: {@link
 * #publish} must not block on I/O. Telemetry never fails indexing: implementations count and log
 * what they cannot deliver instead of throwing.
 */
public interface IndexedEventPublisher extends AutoCloseable {

  /** Hands {@code event} over for delivery; does not block. */
  void publish(IndexedEvent event);

  /** Waits until what was published so far is delivered or failed (called on checkpoints). */
  default void flush() {}

  @Override
  default void close() {}

  /** A publisher that drops every event. */
  static IndexedEventPublisher none() {
    return event -> {};
  }
}
