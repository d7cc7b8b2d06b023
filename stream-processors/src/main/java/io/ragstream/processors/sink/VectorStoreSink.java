package io.ragstream.processors.sink;

import io.ragstream.core.port.VectorStore;
import io.ragstream.processors.indexing.ComponentFactory;
import io.ragstream.processors.indexing.internal.IndexOp;
import java.time.Duration;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Applies {@link IndexOp}s to a {@link VectorStore}: each update when it arrives (so it is
 * searchable at once), and a durable {@link VectorStore#flush()} on every checkpoint and at end of
 * input. Together with the Kafka source's checkpointed offsets this is at-least-once; the store's
 * idempotent, version-guarded {@code apply} makes a replay after a failure harmless.
 *
 * <p>Metrics (Flink counters of the sink's operator group): {@code updatesApplied}, {@code
 * updatesStale}, {@code pointsWritten}, {@code tombstonesPurged}, and {@code storeApplies} with
 * {@code storeApplyNanos} (count and total time of {@code apply} calls). Every applied update is
 * reported as an {@link io.ragstream.core.model.IndexedEvent} (freshness telemetry).
 */
public final class VectorStoreSink implements Sink<IndexOp> {
  private static final long serialVersionUID = 1L;

  private final ComponentFactory<VectorStore> storeFactory;
  private final Duration tombstoneRetention;
  private final ComponentFactory<IndexedEventPublisher> indexedEvents;

  /** A sink that keeps tombstones forever. */
  public VectorStoreSink(ComponentFactory<VectorStore> storeFactory) {
    this(storeFactory, Duration.ZERO);
  }

  /**
   * A sink that, on every checkpoint, also purges the store's tombstones older than {@code
   * tombstoneRetention} ({@link VectorStore#purgeTombstones}; {@link Duration#ZERO} = never).
   */
  public VectorStoreSink(ComponentFactory<VectorStore> storeFactory, Duration tombstoneRetention) {
    this(storeFactory, tombstoneRetention, IndexedEventPublisher::none);
  }

  /**
   * A sink as {@link #VectorStoreSink(ComponentFactory, Duration)} that also reports every applied
   * update to a publisher from {@code indexedEvents} (one per subtask, flushed on checkpoints).
   */
  public VectorStoreSink(
      ComponentFactory<VectorStore> storeFactory,
      Duration tombstoneRetention,
      ComponentFactory<IndexedEventPublisher> indexedEvents) {
    this.storeFactory = storeFactory;
    this.tombstoneRetention = tombstoneRetention;
    this.indexedEvents = java.util.Objects.requireNonNull(indexedEvents, "indexedEvents");
  }

  @Override
  public SinkWriter<IndexOp> createWriter(WriterInitContext context) {
    return new VectorStoreSinkWriter(
        storeFactory.create(), context.metricGroup(), tombstoneRetention, indexedEvents.create());
  }
}
