package io.ragstream.core.store;

import java.util.List;
import java.util.Objects;

/** One change to one document in the vector store; the closed set of what {@code apply} takes. */
public sealed interface DocumentUpdate
    permits DocumentUpdate.Upsert, DocumentUpdate.UpdateAttributes, DocumentUpdate.Delete {

  /** Source-qualified document id. */
  String documentId();

  /** Version from the change event; only a newer version changes the store. */
  long version();

  /** Source commit time of the change, epoch ms. */
  long committedAt();

  /**
   * Replaces all points of the document with {@code points} (which may be empty: a document with no
   * text keeps its version but has no chunk).
   */
  record Upsert(
      String documentId,
      long version,
      long committedAt,
      DocumentAttributes attributes,
      String contentHash,
      List<Point> points)
      implements DocumentUpdate {
    public Upsert {
      requireId(documentId);
      Objects.requireNonNull(attributes, "attributes");
      Objects.requireNonNull(contentHash, "contentHash");
      points = List.copyOf(points);
      for (int i = 0; i < points.size(); i++) {
        if (points.get(i).chunkIndex() != i || points.get(i).chunkCount() != points.size()) {
          throw new IllegalArgumentException(
              "points must be chunks 0.." + (points.size() - 1) + " of " + points.size());
        }
      }
    }
  }

  /**
   * Changes title, tenant, acl and metadata of every point of the document without re-embedding
   * (the indexed content is unchanged). A no-op when the document has no live points.
   */
  record UpdateAttributes(
      String documentId, long version, long committedAt, DocumentAttributes attributes)
      implements DocumentUpdate {
    public UpdateAttributes {
      requireId(documentId);
      Objects.requireNonNull(attributes, "attributes");
    }
  }

  /** Removes every point of the document and leaves a tombstone at {@code version}. */
  record Delete(String documentId, long version, long committedAt) implements DocumentUpdate {
    public Delete {
      requireId(documentId);
    }
  }

  private static void requireId(String documentId) {
    if (documentId == null || documentId.isBlank()) {
      throw new IllegalArgumentException("documentId must not be blank");
    }
  }
}
