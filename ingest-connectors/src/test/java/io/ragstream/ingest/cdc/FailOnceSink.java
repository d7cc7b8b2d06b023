package io.ragstream.ingest.cdc;

import io.ragstream.core.error.RetriableException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A sink that passes batches to another one, but fails the next non-empty batch after {@link
 * #failNextWrite()} as an unavailable Kafka would (CDC integration tests).
 */
final class FailOnceSink implements CdcRecordSink {
  static final String MESSAGE = "Kafka unavailable (simulated)";

  private final CdcRecordSink delegate;
  private final AtomicBoolean failNext = new AtomicBoolean();

  FailOnceSink(CdcRecordSink delegate) {
    this.delegate = delegate;
  }

  void failNextWrite() {
    failNext.set(true);
  }

  @Override
  public void write(List<CdcRecord> batch) throws InterruptedException {
    if (!batch.isEmpty() && failNext.getAndSet(false)) {
      throw new RetriableException(MESSAGE, null);
    }
    delegate.write(batch);
  }

  /** Does not close the delegate. */
  @Override
  public void close() {}
}
