package io.ragstream.processors.sink;

import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.ApplyResult;
import io.ragstream.processors.indexing.internal.IndexOp;
import java.time.Duration;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The writer of {@link VectorStoreSink}; one per sink subtask. */
final class VectorStoreSinkWriter implements SinkWriter<IndexOp> {
  private static final Logger LOG = LoggerFactory.getLogger(VectorStoreSinkWriter.class);

  private final VectorStore store;
  private final Counter applied;
  private final Counter stale;
  private final Counter pointsWritten;
  private final Counter tombstonesPurged;
  private final Duration tombstoneRetention;
  private final Counter applies;
  private final Counter applyNanos;
  private final IndexedEventPublisher indexed;

  VectorStoreSinkWriter(
      VectorStore store,
      MetricGroup metrics,
      Duration tombstoneRetention,
      IndexedEventPublisher indexed) {
    this.store = store;
    this.indexed = indexed;
    this.applies = metrics.counter("storeApplies");
    this.applyNanos = metrics.counter("storeApplyNanos");
    this.tombstoneRetention = tombstoneRetention;
    this.tombstonesPurged = metrics.counter("tombstonesPurged");
    this.applied = metrics.counter("updatesApplied");
    this.stale = metrics.counter("updatesStale");
    this.pointsWritten = metrics.counter("pointsWritten");
  }

  @Override
  public void write(IndexOp op, Context context) {
    long start = System.nanoTime();
    ApplyResult result = store.apply(op.update());
    applyNanos.inc(System.nanoTime() - start);
    applies.inc();
    if (result instanceof ApplyResult.Applied a) {
      applied.inc();
      pointsWritten.inc(a.pointsWritten());
      indexed.publish(op.indexed(System.currentTimeMillis()));
    } else {
      stale.inc();
    }
    LOG.trace("{} v{} -> {}", op.update().documentId(), op.update().version(), result);
  }

  @Override
  public void flush(boolean endOfInput) {
    if (!tombstoneRetention.isZero()) {
      tombstonesPurged.inc(
          store.purgeTombstones(System.currentTimeMillis() - tombstoneRetention.toMillis()));
    }
    store.flush();
    indexed.flush();
  }

  @Override
  public void close() {
    try {
      indexed.close();
    } finally {
      store.close();
    }
  }
}
