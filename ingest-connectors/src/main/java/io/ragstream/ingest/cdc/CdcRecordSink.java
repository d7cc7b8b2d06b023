package io.ragstream.ingest.cdc;

import java.util.List;

/**
 * Where {@link PostgresCdcSource} writes Debezium's change events: a Kafka producer in production
 * ({@link KafkaCdcRecordSink}).
 *
 * <p>Contract: {@link #write(List)} is called from one thread at a time (the engine's processing
 * thread), blocks, and returns only when every record of the batch is durably stored (for Kafka:
 * acknowledged by all in-sync replicas). Records with the same key must be stored in batch order.
 * The source marks a batch processed (and may commit its offsets) only after {@code write}
 * returned, so delivery is at-least-once: after a crash a batch may be written again.
 */
public interface CdcRecordSink extends AutoCloseable {

  /**
   * Stores {@code batch} in order and waits until all of it is acknowledged.
   *
   * @param batch records in source order; may be empty
   * @throws InterruptedException if interrupted while waiting; nothing is known about which records
   *     were stored
   * @throws io.ragstream.core.error.RetriableException when the store timed out or was unavailable
   * @throws io.ragstream.core.error.RagstreamException when a record was rejected for good
   */
  void write(List<CdcRecord> batch) throws InterruptedException;

  /** Releases the sink's resources; records already acknowledged stay stored. */
  @Override
  void close();
}
