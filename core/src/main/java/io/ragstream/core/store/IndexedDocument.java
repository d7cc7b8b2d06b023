package io.ragstream.core.store;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link io.ragstream.core.port.VectorStore} holds for one document id: its state record
 * (version guard) and its points, as stored, without judging them. {@code ./ragstream reconcile}
 * compares it with the source row.
 *
 * @param documentId the document id; never blank
 * @param status {@link Status#LIVE} (a live state record), {@link Status#TOMBSTONE} (deleted,
 *     remembered for the version guard) or {@link Status#NO_STATE} (points without any state
 *     record: orphans)
 * @param version the state record's version, -1 for {@link Status#NO_STATE}
 * @param committedAt the state record's source commit time, epoch ms (0 when unknown)
 * @param contentHash the live state's content hash ({@link ContentHash}), null otherwise
 * @param chunkCount the number of points the live state declares, 0 otherwise
 * @param points the stored points, ordered by chunk index; never null
 */
public record IndexedDocument(
    String documentId,
    Status status,
    long version,
    long committedAt,
    String contentHash,
    int chunkCount,
    List<StoredPoint> points) {

  /** Whether a state record exists, and which kind. */
  public enum Status {
    LIVE,
    TOMBSTONE,
    NO_STATE
  }

  public IndexedDocument {
    if (documentId == null || documentId.isBlank()) {
      throw new IllegalArgumentException("documentId must not be blank");
    }
    Objects.requireNonNull(status, "status");
    points = points == null ? List.of() : List.copyOf(points);
  }

  /**
   * One stored point of a document, without its vector and text.
   *
   * @param chunkIndex position of the chunk in the document, from 0
   * @param chunkCount number of chunks the point says its document has
   * @param version version of the document the point was written for
   * @param contentHash content hash of the document version the point was written for
   * @param attributes title, tenant, acl and metadata stored on the point
   */
  public record StoredPoint(
      int chunkIndex,
      int chunkCount,
      long version,
      String contentHash,
      DocumentAttributes attributes) {
    public StoredPoint {
      Objects.requireNonNull(attributes, "attributes");
    }
  }
}
