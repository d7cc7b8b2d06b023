package io.ragstream.core.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The canonical change event on {@code ragstream.changes} (JSON, Kafka key = {@link
 * #documentId()}).
 *
 * <p>Contract (docs/contracts.md): {@code op} UPSERT or DELETE; {@code version} increases with
 * commit order per source row (PostgreSQL: the LSN of the change event); times are epoch
 * milliseconds. A DELETE carries only id, version, times and source; its content fields are null
 * and its acl empty. A primary-key change is a DELETE of the old id followed by an UPSERT of the
 * new one.
 *
 * @param op UPSERT or DELETE
 * @param documentId source-qualified id, e.g. {@code pg:public.documents:42}; never blank
 * @param version per-row monotonic version (PostgreSQL LSN), {@code >= 0}
 * @param committedAt source commit time, epoch ms ({@code >= 0}, 0 when the source gives none)
 * @param capturedAt time the change was captured by the connector, epoch ms
 * @param title title text, may be null
 * @param body body text, may be null (an UPSERT with null title and body indexes no chunk)
 * @param tenant tenant of the row, may be null
 * @param acl principals allowed to read the document; never null (empty = nobody)
 * @param metadata extra mapped columns as strings; never null
 * @param source where the change came from; never null
 */
public record DocumentChange(
    Op op,
    String documentId,
    long version,
    long committedAt,
    long capturedAt,
    String title,
    String body,
    String tenant,
    List<String> acl,
    Map<String, String> metadata,
    SourceInfo source) {

  /** The kind of change. */
  public enum Op {
    UPSERT,
    DELETE
  }

  public DocumentChange {
    Objects.requireNonNull(op, "op");
    if (documentId == null || documentId.isBlank()) {
      throw new IllegalArgumentException("documentId must not be blank");
    }
    if (version < 0) {
      throw new IllegalArgumentException("version must be >= 0, was " + version);
    }
    acl = acl == null ? List.of() : List.copyOf(acl);
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    Objects.requireNonNull(source, "source");
    if (op == Op.DELETE && (title != null || body != null)) {
      throw new IllegalArgumentException("a DELETE carries no title or body");
    }
  }

  /** A DELETE of {@code documentId} at {@code version}. */
  public static DocumentChange delete(
      String documentId, long version, long committedAt, long capturedAt, SourceInfo source) {
    return new DocumentChange(
        Op.DELETE,
        documentId,
        version,
        committedAt,
        capturedAt,
        null,
        null,
        null,
        List.of(),
        Map.of(),
        source);
  }

  /** The text that is chunked and embedded: the body (the title is embedded with each chunk). */
  public String indexedBody() {
    return body == null ? "" : body;
  }
}
