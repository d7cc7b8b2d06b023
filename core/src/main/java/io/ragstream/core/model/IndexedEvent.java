package io.ragstream.core.model;

import java.util.Objects;

/**
 * Freshness telemetry of one applied change, published on {@value Topics#INDEXED} (JSON, Kafka key
 * = {@link #documentId()}) by the indexing job's store sink after the vector store applied it.
 *
 * <p>The five stamps follow one change through the pipeline, all epoch milliseconds taken from the
 * wall clock of the part that sets them (so differences across machines include clock skew): {@code
 * committedAt} (source commit, from the database) → {@code capturedAt} (the connector read it) →
 * {@code normalizedAt} (the normalizer wrote the {@link DocumentChange}) → {@code embeddedAt} (the
 * indexer finished chunking and embedding it; for {@link Op#DELETE} and {@link Op#ATTRIBUTES},
 * which embed nothing, when the indexer emitted the update) → {@code searchableAt} (the store
 * applied it; readers see it from then on). A stamp the pipeline could not know is 0.
 *
 * @param documentId source-qualified id, never blank
 * @param version the change's version
 * @param op what the store applied
 * @param table source table, {@code schema.table}
 * @param committedAt source commit time (0 when the source gives none)
 * @param capturedAt connector capture time
 * @param normalizedAt normalizer output time (0 when unknown)
 * @param embeddedAt indexer output time
 * @param searchableAt store apply time
 */
public record IndexedEvent(
    String documentId,
    long version,
    Op op,
    String table,
    long committedAt,
    long capturedAt,
    long normalizedAt,
    long embeddedAt,
    long searchableAt) {

  /** What the store applied for the change. */
  public enum Op {
    /** New or changed content: chunked, embedded, points replaced. */
    UPSERT,
    /** Title, tenant, acl or metadata changed, content unchanged: no re-embedding. */
    ATTRIBUTES,
    /** Deleted (a tombstone), also a withdrawal after a rejected change. */
    DELETE
  }

  public IndexedEvent {
    if (documentId == null || documentId.isBlank()) {
      throw new IllegalArgumentException("documentId must not be blank");
    }
    Objects.requireNonNull(op, "op");
    Objects.requireNonNull(table, "table");
  }

  /**
   * Commit → searchable in milliseconds (never negative; clock skew can make it look negative), or
   * -1 when the commit time is unknown.
   */
  public long freshnessMillis() {
    return committedAt <= 0 ? -1 : Math.max(0, searchableAt - committedAt);
  }
}
