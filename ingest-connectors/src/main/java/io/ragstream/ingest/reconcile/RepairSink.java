package io.ragstream.ingest.reconcile;

import io.ragstream.core.model.DocumentChange;

/**
 * Where {@code reconcile --repair} puts the changes that fix the index: normally the canonical
 * changes topic, so they go through the same indexing job as every other change ({@link
 * KafkaRepairSink}).
 */
public interface RepairSink extends AutoCloseable {

  /** Queues one change (keyed by its documentId); may return before it is durable. */
  void emit(DocumentChange change);

  /** Blocks until every emitted change is durable. */
  void flush();

  @Override
  void close();
}
