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
 */
public final class VectorStoreSink implements Sink<IndexOp> {
  private static final long serialVersionUID = 1L;

  private final ComponentFactory<VectorStore> storeFactory;
  private final Duration tombstoneRetention;

  /** A sink that keeps tombstones forever. */
  public VectorStoreSink(ComponentFactory<VectorStore> storeFactory) {
    this(storeFactory, Duration.ZERO);
  }

  /**
   * A sink that, on every checkpoint, also purges the store's tombstones older than {@code
   * tombstoneRetention} ({@link VectorStore#purgeTombstones}; {@link Duration#ZERO} = never).
   */
  public VectorStoreSink(ComponentFactory<VectorStore> storeFactory, Duration tombstoneRetention) {
    this.storeFactory = storeFactory;
    this.tombstoneRetention = tombstoneRetention;
  }

  @Override
  public SinkWriter<IndexOp> createWriter(WriterInitContext context) {
    return new VectorStoreSinkWriter(
        storeFactory.create(), context.metricGroup(), tombstoneRetention);
  }
}
