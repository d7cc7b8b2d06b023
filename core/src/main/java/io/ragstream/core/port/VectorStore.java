package io.ragstream.core.port;

import io.ragstream.core.store.ApplyResult;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.IndexStats;
import io.ragstream.core.store.IndexedDocument;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchRequest;
import java.util.List;
import java.util.Optional;

/**
 * Holds the points (one per chunk) of every indexed document and answers dense, BM25 and hybrid
 * queries over them.
 *
 * <p>Contract (docs/contracts.md, "VectorStore.apply"):
 *
 * <ul>
 *   <li>{@link #apply} is atomic per document as seen by readers where the store allows it,
 *       idempotent (same update twice = same state), and version-guarded: an update whose version
 *       is not newer than the stored version of that document (including a tombstone) is a no-op
 *       and returns {@link ApplyResult.Stale}.
 *   <li>An upsert replaces every point of the document: surplus chunks of a longer earlier version
 *       are removed.
 *   <li>A delete removes every point and leaves a versioned tombstone, so a late older upsert
 *       cannot resurrect the document.
 *   <li>Changes are visible to {@link #search} when {@code apply} returns (read-your-writes in one
 *       JVM); {@link #flush()} makes them durable.
 * </ul>
 *
 * <p>Thread-safety: {@code apply} and {@code flush} may be called from several threads; {@code
 * search} may run concurrently with them. All methods block. They throw {@link
 * io.ragstream.core.error.StoreException} (retriable or not, see its subclasses).
 */
public interface VectorStore extends AutoCloseable {

  /** Applies one document update; see the class contract. */
  ApplyResult apply(DocumentUpdate update);

  /** Makes every applied update durable (a commit). Called on checkpoints and at shutdown. */
  void flush();

  /**
   * Returns up to {@code request.k()} hits, best first. Only chunks that pass the request's filter
   * are considered; tombstones are never returned.
   */
  List<SearchHit> search(SearchRequest request);

  /** The stored version of a document (a tombstone counts), or -1 when it was never seen. */
  long version(String documentId);

  /** Counts and freshness of the index. */
  IndexStats stats();

  /**
   * Removes the tombstones of documents deleted (applied) before {@code deletedBefore}, epoch ms,
   * and returns how many were removed. After that, an older change of such a document is no longer
   * recognised as stale by the store: call it only with a retention longer than any replay of the
   * changes (the indexing job does so on checkpoints with {@code indexing.tombstone-retention}).
   */
  long purgeTombstones(long deletedBefore);

  /**
   * What the store holds for one document id: its state record (live or tombstone) and its points,
   * or empty when it holds nothing for that id. Sees every update whose {@code apply} returned (a
   * store opened read-only sees the last {@link #flush()} of its writer).
   */
  Optional<IndexedDocument> document(String documentId);

  /**
   * The dense vectors of one document's points, ordered by chunk index (one per chunk, each of the
   * store's dimension and unit length as stored), or an empty list when the store holds no points
   * for that id (unknown, deleted, or upserted without chunks). Lets a trainer use the indexed
   * chunks as positives and negatives without re-embedding them. Sees every update whose {@code
   * apply} returned (a store opened read-only: its writer's last {@link #flush()}). The arrays are
   * fresh copies the caller may change.
   *
   * @param documentId the document id; never null
   */
  List<float[]> vectors(String documentId);

  /**
   * A page of every document id the store holds anything for (live, tombstone, or points without a
   * state record), in ascending {@link String#compareTo} order of documentId, starting after {@code
   * afterDocumentId} (exclusive; null = from the first). Page through the whole store by passing
   * the last id of a page until a page is shorter than {@code limit}; memory stays bounded by one
   * page. Not a snapshot: documents written while paging may or may not be seen.
   *
   * @param limit page size, {@code >= 1}
   * @throws IllegalArgumentException when {@code limit < 1}
   */
  List<IndexedDocument> documents(String afterDocumentId, int limit);

  @Override
  void close();
}
