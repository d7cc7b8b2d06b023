package io.ragstream.processors.indexing.internal;

import io.ragstream.core.model.IndexedEvent;
import io.ragstream.core.store.DocumentUpdate;

/**
 * A store update on its way to the sink, with the stamps of its change so far (for the freshness
 * telemetry on {@code ragstream.indexed}, see {@link IndexedEvent}). Passed between chained
 * operators with object reuse, never serialized.
 *
 * @param update the update to apply
 * @param capturedAt when the change was captured at the source, epoch ms
 * @param normalizedAt when the normalizer wrote the change, epoch ms (0 if unknown)
 * @param embeddedAt when the indexer emitted the update (after embedding), epoch ms (0 if unknown)
 * @param table source table of the change, {@code schema.table} ({@code ""} if unknown)
 */
public record IndexOp(
    DocumentUpdate update, long capturedAt, long normalizedAt, long embeddedAt, String table) {

  public IndexOp {
    table = table == null ? "" : table;
  }

  /** An update with only its capture time known. */
  public IndexOp(DocumentUpdate update, long capturedAt) {
    this(update, capturedAt, 0, 0, "");
  }

  /** The telemetry event of this update, applied (made searchable) at {@code searchableAt}. */
  public IndexedEvent indexed(long searchableAt) {
    IndexedEvent.Op op;
    if (update instanceof DocumentUpdate.Upsert) {
      op = IndexedEvent.Op.UPSERT;
    } else if (update instanceof DocumentUpdate.UpdateAttributes) {
      op = IndexedEvent.Op.ATTRIBUTES;
    } else {
      op = IndexedEvent.Op.DELETE;
    }
    return new IndexedEvent(
        update.documentId(),
        update.version(),
        op,
        table,
        update.committedAt(),
        capturedAt,
        normalizedAt,
        embeddedAt,
        searchableAt);
  }
}
