package io.ragstream.ingest.reconcile;

import java.util.Objects;

/**
 * One way the index differs from the source table it follows.
 *
 * @param kind what is wrong
 * @param documentId the document concerned
 * @param detail a human-readable explanation (versions, counts, the principals that differ); never
 *     holds document text
 */
public record Difference(Kind kind, String documentId, String detail) {

  /** What is wrong, and how {@code --repair} fixes it. */
  public enum Kind {
    /** The source row has no live document in the index. Repair: re-emit the row. */
    MISSING,
    /** The live document was indexed from other title or body text. Repair: re-emit the row. */
    STALE,
    /** The indexed tenant differs from the row's. Repair: re-emit the row. */
    WRONG_TENANT,
    /** The indexed ACL differs from the row's (as sets). Repair: re-emit the row. */
    WRONG_ACL,
    /**
     * Points that do not belong to the document's live state: no state record, a version or content
     * hash other than the state's, chunk indexes that are not 0..n-1, or a count other than the
     * state's. Repair: re-emit the row (or a delete when the row is gone).
     */
    ORPHAN_CHUNKS,
    /** The index serves a document whose source row is gone. Repair: emit a delete. */
    DELETED_IN_SOURCE,
    /** A document id that no mapped table produces. Reported only, never repaired. */
    UNMAPPED
  }

  public Difference {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(documentId, "documentId");
    detail = detail == null ? "" : detail;
  }
}
