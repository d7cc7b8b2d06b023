package io.ragstream.store.qdrant.internal;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The collection layout of the Qdrant store (docs/qdrant.md, "Collection schema"): one chunk point
 * per chunk (id {@code PointId.of(documentId, chunkIndex)}, named vectors {@value #DENSE} and
 * {@value #BM25}) and one state point per document id (id {@link #stateId}, no vector), told apart
 * by the payload field {@value #KIND}.
 */
public final class QdrantSchema {
  /** The dense named vector. */
  public static final String DENSE = "dense";

  /** The sparse BM25 named vector (modifier idf). */
  public static final String BM25 = "bm25";

  /** Payload: {@value #KIND_CHUNK} or {@value #KIND_STATE}; keyword index. */
  public static final String KIND = "kind";

  public static final String KIND_CHUNK = "chunk";
  public static final String KIND_STATE = "state";

  /** Payload on every point; keyword index. */
  public static final String DOCUMENT_ID = "documentId";

  /** Chunk payload; integer index (surplus deletes are a range filter on it). */
  public static final String CHUNK_INDEX = "chunkIndex";

  public static final String CHUNK_COUNT = "chunkCount";
  public static final String VERSION = "version";

  /** Source commit time, epoch ms; integer index (newest for {@code stats}). */
  public static final String COMMITTED_AT = "committedAt";

  /** When the store wrote the point, epoch ms; integer index (newest for {@code stats}). */
  public static final String INDEXED_AT = "indexedAt";

  /** Chunk payload; keyword index with {@code is_tenant}. Absent when the document has none. */
  public static final String TENANT = "tenant";

  /** Chunk payload, array of principals; keyword index. Empty array when none (fail closed). */
  public static final String ACL = "acl";

  public static final String TITLE = "title";
  public static final String TEXT = "text";
  public static final String START = "start";
  public static final String END = "end";
  public static final String CONTENT_HASH = "contentHash";
  public static final String EMBEDDER = "embedder";

  /** Chunk payload: an object of strings. */
  public static final String METADATA = "metadata";

  /** State payload: {@value #STATE_LIVE} or {@value #STATE_TOMBSTONE}; keyword index. */
  public static final String STATE = "state";

  public static final String STATE_LIVE = "live";
  public static final String STATE_TOMBSTONE = "tombstone";

  /** Tombstone payload: when the delete was applied, epoch ms; integer index (purge range). */
  public static final String DELETED_AT = "deletedAt";

  /** Collection metadata key: the embedder id of every dense vector in the collection. */
  public static final String META_EMBEDDER = "ragstream.embedder";

  /** Collection metadata key: this layout's version. */
  public static final String META_SCHEMA = "ragstream.schema";

  /** Value of {@link #META_SCHEMA} for this layout. */
  public static final String SCHEMA_VERSION = "points-v1";

  private QdrantSchema() {}

  /**
   * The id of a document's state point: the name-based UUID (v3) of {@code documentId + "#state"},
   * which no chunk id ({@code documentId + "#" + chunkIndex}) can equal.
   */
  public static UUID stateId(String documentId) {
    return UUID.nameUUIDFromBytes((documentId + "#state").getBytes(StandardCharsets.UTF_8));
  }
}
