package io.ragstream.store.lucene;

import io.ragstream.core.error.StoreException;
import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.ApplyResult;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.IndexStats;
import io.ragstream.core.store.IndexedDocument;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchRequest;
import io.ragstream.store.lucene.internal.LuceneIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded {@link VectorStore}: a Lucene 9.12 index in a local directory with an HNSW dense
 * vector per point, BM25 over title + chunk text, and near-real-time readers.
 *
 * <p><b>Sharing.</b> Lucene allows one {@code IndexWriter} per directory, and in local mode the
 * Flink indexing job (writer) and the Vert.x gateway (reader) run in the same JVM. {@link
 * #open(Path, LuceneStoreOptions)} therefore returns a handle on one shared, reference-counted
 * index per canonical directory: every {@code open} of the same directory (however the path is
 * spelled) returns a new handle on the same index, writes through one handle are visible through
 * all of them when {@code apply} returns, and {@link #close()} releases the handle; the last close
 * commits and closes the writer. A second {@code open} with different options fails. Another
 * <i>process</i> cannot open the directory while it is held (Lucene's native write lock).
 *
 * <p><b>Semantics</b> (the {@link VectorStore} contract, plus):
 *
 * <ul>
 *   <li>Dimension: {@link LuceneStoreOptions#dimension()}, or taken from the first upserted point
 *       when 0; a point or query vector of another dimension fails ({@link StoreException} for
 *       points, {@link IllegalArgumentException} for queries). Vectors that are not unit length are
 *       normalized (DOT_PRODUCT needs unit vectors); DENSE scores are cosines in [-1, 1].
 *   <li>Version guard: one state record per document (version, tombstone flag, content hash),
 *       checked and written under one lock; a document's points and state are replaced atomically
 *       for readers ({@code IndexWriter.updateDocuments}).
 *   <li>Read-your-writes: an update is visible to every search, {@code stats} and {@code version}
 *       call that starts after {@code apply} returned, from any thread. The near-real-time reader
 *       is refreshed by the first read after a write rather than by every apply, so a bulk load
 *       without concurrent reads does not write one segment per document.
 *   <li>{@link DocumentUpdate.Upsert} returns {@code Applied(points, surplus removed)}; {@link
 *       DocumentUpdate.Delete} returns {@code Applied(0, points removed)} and leaves a tombstone
 *       even for an unknown document; {@link DocumentUpdate.UpdateAttributes} rewrites the points
 *       with their stored vectors and returns {@code Applied(points, 0)}, or {@code Applied(0, 0)}
 *       without any change when the document is unknown or deleted.
 *   <li>BM25: EnglishAnalyzer (Porter stemming, English stopwords), {@code BM25Similarity(k1, b)},
 *       query text analyzed into a bag of words (no query syntax, as Anserini does).
 *   <li>HYBRID: reciprocal-rank fusion (k = {@link LuceneStoreOptions#rrfK()}) of the dense and
 *       BM25 top {@code max(k, candidates)}; the hit score is the RRF score.
 *   <li>collapseDocuments: each list is fetched {@code max(k * collapseOverfetch, candidates)} deep
 *       and only each document's best chunk is kept (for HYBRID, documents are ranked by their best
 *       chunk in each list and then fused); fewer than k hits come back only when fewer documents
 *       appear in that depth.
 *   <li>Filter: tenant by exact term; principals by acl term set; an empty principal set matches
 *       nothing; a chunk with an empty acl matches no principal filter (fail closed).
 *   <li>{@link #flush()} commits with {@code lastCommittedAt}/{@code lastAppliedAt} as commit user
 *       data, so {@link #stats()} keeps them across restarts; closing the last handle also commits.
 * </ul>
 *
 * <p>Thread-safety: all methods may be called from any thread; applies and flushes are serialized
 * per directory, searches run concurrently. All methods block. A method called on a closed handle
 * throws {@link IllegalStateException}.
 */
public final class LuceneVectorStore implements VectorStore {
  private static final Logger LOG = LoggerFactory.getLogger(LuceneVectorStore.class);

  /** Open indexes by canonical directory; guarded by itself. */
  private static final Map<Path, Shared> OPEN = new HashMap<>();

  private final Shared shared;
  private final AtomicBoolean closed = new AtomicBoolean();

  private LuceneVectorStore(Shared shared) {
    this.shared = shared;
  }

  /**
   * Opens a handle on the index in {@code directory} (created when missing), sharing the one open
   * index of that canonical directory in this JVM if there is one (unless its writer was closed by
   * a tragic event: then the directory is opened again for this and later handles).
   *
   * @throws IllegalArgumentException when the directory is already open with other options
   * @throws StoreException when the directory cannot be created, opened or locked
   */
  public static LuceneVectorStore open(Path directory, LuceneStoreOptions options) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(options, "options");
    Path canonical = canonical(directory);
    synchronized (OPEN) {
      Shared shared = OPEN.get(canonical);
      if (shared != null && shared.index.broken()) {
        // Lucene closed the shared writer after a tragic event (e.g. a Flink task interrupted
        // during a write on cancellation): the handles still open on it fail, a new opener (the
        // restarted task) gets a fresh writer instead of the dead one.
        LOG.warn(
            "Lucene store {}: its writer was closed by {}; opening it again",
            canonical,
            String.valueOf(shared.index.tragicException()));
        OPEN.remove(canonical);
        shared = null;
      }
      if (shared == null) {
        shared = new Shared(LuceneIndex.open(canonical, options));
        OPEN.put(canonical, shared);
      } else if (!shared.index.options().equals(options)) {
        throw new IllegalArgumentException(
            "Lucene store "
                + canonical
                + " is already open with "
                + shared.index.options()
                + ", cannot share it with "
                + options);
      }
      shared.handles++;
      LOG.debug("Opened handle on Lucene store {} ({} open)", canonical, shared.handles);
      return new LuceneVectorStore(shared);
    }
  }

  /**
   * Opens the existing index in {@code directory} for reading only: no write lock, so another
   * process (a running {@code ragstream local}) may hold the writer; reads see that writer's last
   * commit ({@link #flush()}), looked for at most every 200 ms. The handle is not shared; {@link
   * #apply} and {@link #flush} throw {@link StoreException}. {@code options} give the search
   * settings.
   *
   * @throws StoreException when there is no index in {@code directory} or it cannot be read
   */
  public static LuceneVectorStore openReadOnly(Path directory, LuceneStoreOptions options) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(options, "options");
    Path canonical;
    try {
      canonical = directory.toRealPath();
    } catch (IOException e) {
      throw new StoreException("no Lucene index at " + directory, e);
    }
    Shared shared = new Shared(LuceneIndex.openReadOnly(canonical, options));
    shared.handles = 1;
    return new LuceneVectorStore(shared);
  }

  /** {@link #open(Path, LuceneStoreOptions)} with {@link LuceneStoreOptions#defaults()}. */
  public static LuceneVectorStore open(Path directory) {
    return open(directory, LuceneStoreOptions.defaults());
  }

  private static Path canonical(Path directory) {
    try {
      Files.createDirectories(directory);
      return directory.toRealPath();
    } catch (IOException e) {
      throw new StoreException("cannot create Lucene store directory " + directory, e);
    }
  }

  /** The canonical directory of the index. */
  public Path directory() {
    return shared.index.path();
  }

  /** The options the shared index was opened with. */
  public LuceneStoreOptions options() {
    return shared.index.options();
  }

  /** The dense vector dimension of the index, 0 while no point was ever written. */
  public int dimension() {
    return index().dimension();
  }

  @Override
  public ApplyResult apply(DocumentUpdate update) {
    Objects.requireNonNull(update, "update");
    return index().apply(update);
  }

  @Override
  public void flush() {
    index().flush();
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException when the query vector's dimension differs from the index's
   */
  @Override
  public List<SearchHit> search(SearchRequest request) {
    Objects.requireNonNull(request, "request");
    return index().search(request);
  }

  @Override
  public long version(String documentId) {
    Objects.requireNonNull(documentId, "documentId");
    return index().version(documentId);
  }

  @Override
  public IndexStats stats() {
    return index().stats();
  }

  @Override
  public long purgeTombstones(long deletedBefore) {
    return index().purgeTombstones(deletedBefore);
  }

  @Override
  public Optional<IndexedDocument> document(String documentId) {
    Objects.requireNonNull(documentId, "documentId");
    return index().document(documentId);
  }

  @Override
  public List<float[]> vectors(String documentId) {
    Objects.requireNonNull(documentId, "documentId");
    return index().vectors(documentId);
  }

  @Override
  public List<IndexedDocument> documents(String afterDocumentId, int limit) {
    return index().documents(afterDocumentId, limit);
  }

  /**
   * Releases this handle (idempotent). Closing the last handle of a directory commits and closes
   * its writer.
   *
   * @throws StoreException when the final commit or close fails (the index is released anyway)
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    synchronized (OPEN) {
      shared.handles--;
      LOG.debug("Closed handle on Lucene store {} ({} open)", directory(), shared.handles);
      if (shared.handles == 0) {
        OPEN.remove(directory(), shared); // a read-only handle is not in OPEN
        shared.index.close();
      }
    }
  }

  private LuceneIndex index() {
    if (closed.get()) {
      throw new IllegalStateException("this handle on Lucene store " + directory() + " is closed");
    }
    return shared.index;
  }

  /** One open index and its handle count; guarded by {@link #OPEN}. */
  private static final class Shared {
    final LuceneIndex index;
    int handles;

    Shared(LuceneIndex index) {
      this.index = index;
    }
  }
}
