package io.ragstream.store.lucene.internal;

import static io.ragstream.store.lucene.internal.PointSchema.ACL;
import static io.ragstream.store.lucene.internal.PointSchema.BM25;
import static io.ragstream.store.lucene.internal.PointSchema.BM25_BODY;
import static io.ragstream.store.lucene.internal.PointSchema.BM25_TITLE;
import static io.ragstream.store.lucene.internal.PointSchema.CHUNK_COUNT;
import static io.ragstream.store.lucene.internal.PointSchema.CHUNK_INDEX;
import static io.ragstream.store.lucene.internal.PointSchema.COMMITTED_AT;
import static io.ragstream.store.lucene.internal.PointSchema.CONTENT_HASH;
import static io.ragstream.store.lucene.internal.PointSchema.DOCUMENT_ID;
import static io.ragstream.store.lucene.internal.PointSchema.EMBEDDER;
import static io.ragstream.store.lucene.internal.PointSchema.END;
import static io.ragstream.store.lucene.internal.PointSchema.POINT_ID;
import static io.ragstream.store.lucene.internal.PointSchema.START;
import static io.ragstream.store.lucene.internal.PointSchema.STATE;
import static io.ragstream.store.lucene.internal.PointSchema.STATE_LIVE;
import static io.ragstream.store.lucene.internal.PointSchema.STATE_TOMBSTONE;
import static io.ragstream.store.lucene.internal.PointSchema.TENANT;
import static io.ragstream.store.lucene.internal.PointSchema.TEXT;
import static io.ragstream.store.lucene.internal.PointSchema.TITLE;
import static io.ragstream.store.lucene.internal.PointSchema.TYPE;
import static io.ragstream.store.lucene.internal.PointSchema.TYPE_CHUNK;
import static io.ragstream.store.lucene.internal.PointSchema.VECTOR;
import static io.ragstream.store.lucene.internal.PointSchema.VERSION;

import io.ragstream.core.error.StoreException;
import io.ragstream.core.store.ApplyResult;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.Fusion;
import io.ragstream.core.store.IndexStats;
import io.ragstream.core.store.IndexedDocument;
import io.ragstream.core.store.IndexedDocument.Status;
import io.ragstream.core.store.Point;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import io.ragstream.store.lucene.Bm25Fields;
import io.ragstream.store.lucene.LuceneStoreOptions;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.MultiTerms;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherFactory;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.search.similarities.Similarity;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.IOUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Lucene index in one directory: a single {@link IndexWriter}, a {@link SearcherManager} over
 * near-real-time readers, and the version guard. The engine behind {@code LuceneVectorStore}
 * handles; use those, not this class.
 *
 * <p>Threading: applies and flushes are serialized by one lock (so the version check and the write
 * are atomic); searches run concurrently and never take it.
 *
 * <p>Read-your-writes: every write bumps a generation; a read ({@link #search}, {@link #stats})
 * that finds the searcher behind the latest generation refreshes it first ({@code
 * maybeRefreshBlocking}), so an update is visible to every read that starts after {@link #apply}
 * returned. Refreshing lazily, instead of after every apply, lets a bulk load without concurrent
 * reads write one segment per RAM buffer instead of one per document. Until a refresh shows them,
 * the states of written documents are kept in a pending map that the version guard and {@link
 * #version} read; apply refreshes itself when {@value #MAX_PENDING} documents are pending.
 */
public final class LuceneIndex implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(LuceneIndex.class);

  /** Commit user data key: newest source commit time applied, epoch ms. */
  static final String USER_LAST_COMMITTED_AT = "ragstream.lastCommittedAt";

  /** Commit user data key: wall-clock time of the last applied update, epoch ms. */
  static final String USER_LAST_APPLIED_AT = "ragstream.lastAppliedAt";

  /** Pending document states after which apply refreshes the searcher itself. */
  static final int MAX_PENDING = 10_000;

  private static final Set<String> HIT_FIELDS =
      Set.of(POINT_ID, DOCUMENT_ID, CHUNK_INDEX, TITLE, TEXT, VERSION, COMMITTED_AT);

  private final Path path;
  private final LuceneStoreOptions options;
  private final Directory directory;
  private final Analyzer analyzer;

  /** Null when opened read-only. */
  private final IndexWriter writer;

  private final SearcherManager searchers;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Object refreshLock = new Object();

  /** Advanced after every write and every failed write attempt, only under writeLock. */
  private final AtomicLong writeGeneration = new AtomicLong();

  /** Latest write generation the current searcher shows. */
  private volatile long refreshedGeneration;

  /** States written since the searcher was refreshed, by document id. */
  private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();

  private volatile int dimension;
  private volatile long lastCommittedAt;
  private volatile long lastAppliedAt;
  private volatile boolean closed;

  /** How often a read-only index looks for a newer commit of its writer: 200 ms. */
  private static final long READ_ONLY_REFRESH_NANOS = 200_000_000L;

  private volatile long lastReadOnlyRefresh = System.nanoTime() - READ_ONLY_REFRESH_NANOS - 1;

  private LuceneIndex(
      Path path,
      LuceneStoreOptions options,
      Directory directory,
      Analyzer analyzer,
      IndexWriter writer,
      SearcherManager searchers,
      int dimension,
      Map<String, String> userData) {
    this.path = path;
    this.options = options;
    this.directory = directory;
    this.analyzer = analyzer;
    this.writer = writer;
    this.searchers = searchers;
    this.dimension = dimension;
    this.lastCommittedAt = parseLong(userData.get(USER_LAST_COMMITTED_AT));
    this.lastAppliedAt = parseLong(userData.get(USER_LAST_APPLIED_AT));
  }

  /**
   * Opens (or creates) the index in {@code path}, taking Lucene's write lock on it.
   *
   * @throws StoreException when the directory cannot be opened or locked (another process or
   *     another unshared writer holds it), or its vector dimension contradicts {@code options}
   */
  public static LuceneIndex open(Path path, LuceneStoreOptions options) {
    Directory directory = null;
    Analyzer analyzer = null;
    IndexWriter writer = null;
    SearcherManager searchers = null;
    try {
      directory = FSDirectory.open(path);
      Map<String, String> userData =
          DirectoryReader.indexExists(directory)
              ? SegmentInfos.readLatestCommit(directory).getUserData()
              : Map.of();
      Similarity similarity = new BM25Similarity(options.bm25K1(), options.bm25B());
      analyzer = new EnglishAnalyzer();
      IndexWriterConfig config =
          new IndexWriterConfig(analyzer)
              .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
              .setSimilarity(similarity)
              .setRAMBufferSizeMB(options.ramBufferMb())
              .setCommitOnClose(true);
      writer = new IndexWriter(directory, config);
      searchers = new SearcherManager(writer, searcherFactory(similarity));
      int dimension = indexedDimension(searchers);
      if (options.dimension() != 0 && dimension != 0 && options.dimension() != dimension) {
        throw new StoreException(
            "Lucene store "
                + path
                + " holds "
                + dimension
                + "-d vectors but options.dimension is "
                + options.dimension(),
            null);
      }
      LuceneIndex index =
          new LuceneIndex(
              path,
              options,
              directory,
              analyzer,
              writer,
              searchers,
              dimension != 0 ? dimension : options.dimension(),
              userData);
      LOG.info("Opened Lucene store {} ({})", path, index.stats());
      return index;
    } catch (IOException | RuntimeException e) {
      IOUtils.closeWhileHandlingException(searchers, writer, analyzer, directory);
      if (e instanceof StoreException se) {
        throw se;
      }
      throw new StoreException("cannot open Lucene store at " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens the existing index in {@code path} for reading only, without Lucene's write lock, so it
   * works while another process writes the index: reads see that writer's last commit (looked for
   * at most every 200 ms). {@code apply} and {@code flush} throw.
   *
   * @throws StoreException when there is no index in {@code path} or it cannot be read
   */
  public static LuceneIndex openReadOnly(Path path, LuceneStoreOptions options) {
    Directory directory = null;
    Analyzer analyzer = null;
    SearcherManager searchers = null;
    try {
      directory = FSDirectory.open(path);
      if (!DirectoryReader.indexExists(directory)) {
        throw new StoreException("no Lucene index at " + path, null);
      }
      Map<String, String> userData = SegmentInfos.readLatestCommit(directory).getUserData();
      Similarity similarity = new BM25Similarity(options.bm25K1(), options.bm25B());
      analyzer = new EnglishAnalyzer();
      searchers = new SearcherManager(directory, searcherFactory(similarity));
      int dimension = indexedDimension(searchers);
      LuceneIndex index =
          new LuceneIndex(
              path,
              options,
              directory,
              analyzer,
              null,
              searchers,
              dimension != 0 ? dimension : options.dimension(),
              userData);
      LOG.info("Opened Lucene store {} read-only ({})", path, index.stats());
      return index;
    } catch (IOException | RuntimeException e) {
      IOUtils.closeWhileHandlingException(searchers, analyzer, directory);
      if (e instanceof StoreException se) {
        throw se;
      }
      throw new StoreException(
          "cannot open Lucene store at " + path + " read-only: " + e.getMessage(), e);
    }
  }

  /** Whether this index was opened with {@link #openReadOnly}. */
  public boolean readOnly() {
    return writer == null;
  }

  private static SearcherFactory searcherFactory(Similarity similarity) {
    return new SearcherFactory() {
      @Override
      public IndexSearcher newSearcher(IndexReader reader, IndexReader previousReader) {
        IndexSearcher searcher = new IndexSearcher(reader);
        searcher.setSimilarity(similarity);
        return searcher;
      }
    };
  }

  private static int indexedDimension(SearcherManager searchers) throws IOException {
    IndexSearcher searcher = searchers.acquire();
    try {
      FieldInfo info = FieldInfos.getMergedFieldInfos(searcher.getIndexReader()).fieldInfo(VECTOR);
      return info == null ? 0 : info.getVectorDimension();
    } finally {
      searchers.release(searcher);
    }
  }

  /** The directory this index lives in (canonical). */
  public Path path() {
    return path;
  }

  /** The options the index was opened with. */
  public LuceneStoreOptions options() {
    return options;
  }

  /** The vector dimension of the index, 0 while no point was ever written. */
  public int dimension() {
    return dimension;
  }

  // ---------------------------------------------------------------------------------- apply

  /** See {@code VectorStore.apply}; the write is visible to reads that start after it returns. */
  public ApplyResult apply(DocumentUpdate update) {
    ensureWritable();
    writeLock.lock();
    try {
      ensureOpen();
      DocumentState state = currentState(update.documentId());
      if (state != null && update.version() <= state.version()) {
        LOG.trace(
            "Stale {} v{} of {} (stored v{})",
            kind(update),
            update.version(),
            update.documentId(),
            state.version());
        return new ApplyResult.Stale(state.version());
      }
      ApplyResult result;
      if (update instanceof DocumentUpdate.Upsert upsert) {
        result = upsert(upsert, state);
      } else if (update instanceof DocumentUpdate.UpdateAttributes attributes) {
        result = updateAttributes(attributes, state);
      } else {
        result = delete((DocumentUpdate.Delete) update, state);
      }
      if (pending.size() >= MAX_PENDING) {
        refreshIfBehind();
      }
      LOG.trace(
          "Applied {} v{} of {}: {}", kind(update), update.version(), update.documentId(), result);
      return result;
    } catch (IOException | IllegalArgumentException | AlreadyClosedException e) {
      throw new StoreException(
          "Lucene store "
              + path
              + ": cannot apply "
              + kind(update)
              + " v"
              + update.version()
              + " of document "
              + update.documentId()
              + ": "
              + e.getMessage(),
          e);
    } finally {
      writeLock.unlock();
    }
  }

  /** The state of a document as of the last write: pending, else from the searcher. */
  private DocumentState currentState(String documentId) throws IOException {
    Pending p = pending.get(documentId);
    if (p != null) {
      return p.state();
    }
    IndexSearcher searcher = searchers.acquire();
    try {
      return readState(searcher, documentId);
    } finally {
      searchers.release(searcher);
    }
  }

  /**
   * Refreshes the searcher when a write happened since its last refresh, then forgets the pending
   * states it now shows.
   */
  private void refreshIfBehind() throws IOException {
    if (writer == null) {
      // Read-only: pick up the writer's latest commit, checked at most every READ_ONLY_REFRESH.
      long now = System.nanoTime();
      if (now - lastReadOnlyRefresh > READ_ONLY_REFRESH_NANOS) {
        searchers.maybeRefreshBlocking();
        lastReadOnlyRefresh = now;
      }
      return;
    }
    if (refreshedGeneration >= writeGeneration.get()) {
      return;
    }
    synchronized (refreshLock) {
      long target = writeGeneration.get();
      if (refreshedGeneration >= target) {
        return;
      }
      searchers.maybeRefreshBlocking();
      refreshedGeneration = target;
      // Removes an entry only if it is still the one tested, so newer states stay.
      pending.values().removeIf(p -> p.generation() <= target);
    }
  }

  /** Writes {@code docs} in place of every Lucene document of the document (writeLock held). */
  private void replace(
      String documentId, List<Document> docs, DocumentState newState, long committedAt)
      throws IOException {
    try {
      writer.updateDocuments(PointSchema.documentTerm(documentId), docs);
    } catch (IOException | RuntimeException e) {
      // Lucene drops a failed block, but do not guess: refresh so the version guard reads the
      // index itself (the refresh also forgets the now-shown pending states).
      writeGeneration.incrementAndGet();
      try {
        refreshIfBehind();
      } catch (IOException | RuntimeException refreshFailure) {
        e.addSuppressed(refreshFailure);
      }
      throw e;
    }
    // Put before publishing the generation, so a refresh that targets it also forgets it.
    // Only writers (under writeLock) advance the generation.
    long generation = writeGeneration.get() + 1;
    pending.put(documentId, new Pending(newState, generation));
    writeGeneration.set(generation);
    lastCommittedAt = Math.max(lastCommittedAt, committedAt);
    lastAppliedAt = System.currentTimeMillis();
  }

  private ApplyResult upsert(DocumentUpdate.Upsert u, DocumentState state) throws IOException {
    int previous = livePoints(state);
    write(
        u.documentId(), u.version(), u.committedAt(), u.attributes(), u.contentHash(), u.points());
    return new ApplyResult.Applied(u.points().size(), Math.max(0, previous - u.points().size()));
  }

  private ApplyResult updateAttributes(DocumentUpdate.UpdateAttributes u, DocumentState state)
      throws IOException {
    if (state == null || state.tombstone()) {
      LOG.warn(
          "Attribute update v{} for {} document {} changes nothing (no live points)",
          u.version(),
          state == null ? "unknown" : "deleted",
          u.documentId());
      return new ApplyResult.Applied(0, 0);
    }
    if (pending.containsKey(u.documentId())) {
      refreshIfBehind(); // the points to rewrite must be readable
    }
    List<Point> points;
    IndexSearcher searcher = searchers.acquire();
    try {
      points = readPoints(searcher, u.documentId());
    } finally {
      searchers.release(searcher);
    }
    write(
        u.documentId(), u.version(), u.committedAt(), u.attributes(), state.contentHash(), points);
    return new ApplyResult.Applied(points.size(), 0);
  }

  private ApplyResult delete(DocumentUpdate.Delete d, DocumentState state) throws IOException {
    int previous = livePoints(state);
    replace(
        d.documentId(),
        List.of(
            PointSchema.tombstone(
                d.documentId(), d.version(), d.committedAt(), System.currentTimeMillis())),
        new DocumentState(d.version(), true, null, 0),
        d.committedAt());
    return new ApplyResult.Applied(0, previous);
  }

  /** Replaces every Lucene document of {@code documentId} with its points and live state. */
  private void write(
      String documentId,
      long version,
      long committedAt,
      DocumentAttributes attributes,
      String contentHash,
      List<Point> points)
      throws IOException {
    int dim = dimension != 0 ? dimension : points.isEmpty() ? 0 : points.get(0).vector().length;
    long now = System.currentTimeMillis();
    List<Document> docs = new ArrayList<>(points.size() + 1);
    for (Point p : points) {
      if (p.vector().length != dim) {
        throw new StoreException(
            "Lucene store "
                + path
                + ": point "
                + p.chunkIndex()
                + " of document "
                + documentId
                + " has a "
                + p.vector().length
                + "-d vector, the index holds "
                + dim
                + "-d vectors",
            null);
      }
      float[] unit;
      try {
        unit = Vectors.unit(p.vector());
      } catch (IllegalArgumentException e) {
        throw new StoreException(
            "Lucene store "
                + path
                + ": point "
                + p.chunkIndex()
                + " of document "
                + documentId
                + ": "
                + e.getMessage(),
            e);
      }
      docs.add(
          PointSchema.chunk(
              documentId, version, committedAt, now, attributes, contentHash, p, unit));
    }
    docs.add(
        PointSchema.liveState(documentId, version, committedAt, now, contentHash, points.size()));
    replace(
        documentId,
        docs,
        new DocumentState(version, false, contentHash, points.size()),
        committedAt);
    if (dimension == 0 && dim != 0) {
      dimension = dim;
    }
  }

  private static int livePoints(DocumentState state) {
    return state == null || state.tombstone() ? 0 : state.chunkCount();
  }

  /** The stored points of a document, vectors read back from the HNSW field's raw vectors. */
  private List<Point> readPoints(IndexSearcher searcher, String documentId) throws IOException {
    Query query = PointSchema.chunksOf(documentId);
    int count = searcher.count(query);
    if (count == 0) {
      return List.of();
    }
    ScoreDoc[] hits = searcher.search(query, count).scoreDocs;
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    StoredFields stored = searcher.storedFields();
    List<Point> points = new ArrayList<>(hits.length);
    for (ScoreDoc hit : hits) {
      Document doc = stored.document(hit.doc);
      LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(hit.doc, leaves));
      int local = hit.doc - leaf.docBase;
      FloatVectorValues vectors = leaf.reader().getFloatVectorValues(VECTOR);
      if (vectors == null || vectors.advance(local) != local) {
        throw new StoreException(
            "Lucene store "
                + path
                + ": point "
                + doc.get(POINT_ID)
                + " of document "
                + documentId
                + " has no vector",
            null);
      }
      points.add(
          new Point(
              UUID.fromString(doc.get(POINT_ID)),
              (int) PointSchema.longValue(doc, CHUNK_INDEX, 0),
              (int) PointSchema.longValue(doc, CHUNK_COUNT, 0),
              doc.get(TEXT),
              (int) PointSchema.longValue(doc, START, 0),
              (int) PointSchema.longValue(doc, END, 0),
              vectors.vectorValue().clone(),
              doc.get(EMBEDDER)));
    }
    points.sort(Comparator.comparingInt(Point::chunkIndex));
    return points;
  }

  // ---------------------------------------------------------------------------------- reads

  /** See {@code VectorStore.version}. */
  public long version(String documentId) {
    ensureOpen();
    try {
      DocumentState state = currentState(documentId);
      return state == null ? -1 : state.version();
    } catch (IOException | AlreadyClosedException e) {
      throw new StoreException(
          "Lucene store " + path + ": cannot read the version of document " + documentId, e);
    }
  }

  /**
   * See {@code VectorStore.purgeTombstones}: one range delete of the tombstones' {@code deletedAt}
   * (tombstones written before this field existed are kept).
   */
  public long purgeTombstones(long deletedBefore) {
    ensureWritable();
    writeLock.lock();
    try {
      ensureOpen();
      refreshIfBehind(); // pending states of recent deletes are shown by the searcher from now on
      Query purge = PointSchema.tombstonesDeletedBefore(deletedBefore);
      IndexSearcher searcher = searchers.acquire();
      long count;
      try {
        count = searcher.count(purge);
      } finally {
        searchers.release(searcher);
      }
      if (count > 0) {
        writer.deleteDocuments(purge);
        writeGeneration.incrementAndGet();
        refreshIfBehind();
        LOG.info("Purged {} tombstones deleted before {} from {}", count, deletedBefore, path);
      }
      return count;
    } catch (IOException | AlreadyClosedException e) {
      throw new StoreException("Lucene store " + path + ": cannot purge tombstones", e);
    } finally {
      writeLock.unlock();
    }
  }

  /** See {@code VectorStore.document}. */
  public Optional<IndexedDocument> document(String documentId) {
    ensureOpen();
    try {
      refreshIfBehind();
      IndexSearcher searcher = searchers.acquire();
      try {
        return Optional.ofNullable(readDocument(searcher, documentId));
      } finally {
        searchers.release(searcher);
      }
    } catch (IOException | AlreadyClosedException e) {
      throw new StoreException("Lucene store " + path + ": cannot read document " + documentId, e);
    }
  }

  /**
   * See {@code VectorStore.vectors}: the raw vectors of the document's chunk documents (unit
   * length, as written), by chunk index.
   */
  public List<float[]> vectors(String documentId) {
    ensureOpen();
    try {
      refreshIfBehind();
      IndexSearcher searcher = searchers.acquire();
      try {
        List<Point> points = readPoints(searcher, documentId);
        List<float[]> out = new ArrayList<>(points.size());
        for (Point p : points) out.add(p.vector());
        return out;
      } finally {
        searchers.release(searcher);
      }
    } catch (IOException | AlreadyClosedException e) {
      throw new StoreException(
          "Lucene store " + path + ": cannot read the vectors of document " + documentId, e);
    }
  }

  /**
   * See {@code VectorStore.documents}: walks the terms of the documentId field (UTF-8 byte order)
   * and reads each id's Lucene documents; ids whose documents are all deleted are skipped.
   */
  public List<IndexedDocument> documents(String afterDocumentId, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1, was " + limit);
    }
    ensureOpen();
    try {
      refreshIfBehind();
      IndexSearcher searcher = searchers.acquire();
      try {
        List<IndexedDocument> page = new ArrayList<>(Math.min(limit, 1024));
        Terms terms = MultiTerms.getTerms(searcher.getIndexReader(), DOCUMENT_ID);
        if (terms == null) {
          return page;
        }
        TermsEnum te = terms.iterator();
        BytesRef term;
        if (afterDocumentId == null) {
          term = te.next();
        } else {
          TermsEnum.SeekStatus status = te.seekCeil(new BytesRef(afterDocumentId));
          term =
              switch (status) {
                case END -> null;
                case FOUND -> te.next();
                case NOT_FOUND -> te.term();
              };
        }
        for (; term != null && page.size() < limit; term = te.next()) {
          IndexedDocument doc = readDocument(searcher, term.utf8ToString());
          if (doc != null) {
            page.add(doc);
          }
        }
        return page;
      } finally {
        searchers.release(searcher);
      }
    } catch (IOException | AlreadyClosedException e) {
      throw new StoreException(
          "Lucene store " + path + ": cannot list documents after " + afterDocumentId, e);
    }
  }

  /** The state record and points of one id, or null when no live Lucene document has it. */
  private static IndexedDocument readDocument(IndexSearcher searcher, String documentId)
      throws IOException {
    TermQuery query = new TermQuery(PointSchema.documentTerm(documentId));
    int count = searcher.count(query);
    if (count == 0) {
      return null;
    }
    StoredFields stored = searcher.storedFields();
    Document state = null;
    List<IndexedDocument.StoredPoint> points = new ArrayList<>(count);
    for (ScoreDoc hit : searcher.search(query, count).scoreDocs) {
      Document doc = stored.document(hit.doc);
      if (doc.get(STATE) != null) {
        state = doc; // one state record per id: apply replaces all Lucene documents of an id
        continue;
      }
      points.add(
          new IndexedDocument.StoredPoint(
              (int) PointSchema.longValue(doc, CHUNK_INDEX, -1),
              (int) PointSchema.longValue(doc, CHUNK_COUNT, -1),
              PointSchema.longValue(doc, VERSION, -1),
              doc.get(CONTENT_HASH),
              new DocumentAttributes(
                  doc.get(TITLE),
                  doc.get(TENANT),
                  List.of(doc.getValues(ACL)),
                  PointSchema.metadata(doc))));
    }
    points.sort(Comparator.comparingInt(IndexedDocument.StoredPoint::chunkIndex));
    if (state == null) {
      return new IndexedDocument(documentId, Status.NO_STATE, -1, 0, null, 0, points);
    }
    boolean tombstone = STATE_TOMBSTONE.equals(state.get(STATE));
    return new IndexedDocument(
        documentId,
        tombstone ? Status.TOMBSTONE : Status.LIVE,
        PointSchema.longValue(state, VERSION, -1),
        PointSchema.longValue(state, COMMITTED_AT, 0),
        tombstone ? null : state.get(CONTENT_HASH),
        tombstone ? 0 : (int) PointSchema.longValue(state, CHUNK_COUNT, 0),
        points);
  }

  private static DocumentState readState(IndexSearcher searcher, String documentId)
      throws IOException {
    ScoreDoc[] hits = searcher.search(PointSchema.stateOf(documentId), 1).scoreDocs;
    if (hits.length == 0) {
      return null;
    }
    Document doc = searcher.storedFields().document(hits[0].doc);
    return new DocumentState(
        PointSchema.longValue(doc, VERSION, -1),
        STATE_TOMBSTONE.equals(doc.get(STATE)),
        doc.get(CONTENT_HASH),
        (int) PointSchema.longValue(doc, CHUNK_COUNT, 0));
  }

  /** See {@code VectorStore.stats}. */
  public IndexStats stats() {
    ensureOpen();
    try {
      refreshIfBehind();
      IndexSearcher searcher = searchers.acquire();
      try {
        return new IndexStats(
            searcher.count(new TermQuery(new Term(STATE, STATE_LIVE))),
            searcher.count(new TermQuery(new Term(TYPE, TYPE_CHUNK))),
            searcher.count(new TermQuery(new Term(STATE, STATE_TOMBSTONE))),
            lastCommittedAt,
            lastAppliedAt);
      } finally {
        searchers.release(searcher);
      }
    } catch (IOException | AlreadyClosedException e) {
      throw new StoreException("Lucene store " + path + ": cannot read stats", e);
    }
  }

  /**
   * See {@code VectorStore.search}. List depths: DENSE and BM25 fetch {@code k}, HYBRID fuses two
   * lists of {@code max(k, candidates)}; with {@code collapseDocuments} every list is {@code max(k
   * * collapseOverfetch, candidates)} deep. Dense queries explore at least {@code candidates} HNSW
   * candidates.
   */
  public List<SearchHit> search(SearchRequest request) {
    ensureOpen();
    try {
      refreshIfBehind();
      IndexSearcher searcher = searchers.acquire();
      try {
        return search(searcher, request);
      } finally {
        searchers.release(searcher);
      }
    } catch (IOException | AlreadyClosedException e) {
      throw new StoreException(
          "Lucene store " + path + ": " + request.mode() + " search failed", e);
    }
  }

  private List<SearchHit> search(IndexSearcher searcher, SearchRequest request) throws IOException {
    Query visible = visibility(request.filter());
    int k = request.k();
    boolean collapse = request.collapseDocuments();
    int depth =
        collapse
            ? Math.max(k * options.collapseOverfetch(), options.candidates())
            : request.mode() == SearchMode.HYBRID ? Math.max(k, options.candidates()) : k;
    List<Ranked> ranked;
    switch (request.mode()) {
      case DENSE ->
          ranked =
              maybeCollapse(searcher, dense(searcher, request.vector(), visible, depth), collapse);
      case BM25 ->
          ranked =
              maybeCollapse(searcher, bm25(searcher, request.text(), visible, depth), collapse);
      case HYBRID -> ranked = hybrid(searcher, request, visible, depth, collapse);
      default -> throw new IllegalStateException("unknown mode " + request.mode());
    }
    List<Ranked> top = ranked.size() > k ? ranked.subList(0, k) : ranked;
    StoredFields stored = searcher.storedFields();
    List<SearchHit> hits = new ArrayList<>(top.size());
    for (Ranked r : top) {
      Document doc = stored.document(r.doc(), HIT_FIELDS);
      hits.add(
          new SearchHit(
              UUID.fromString(doc.get(POINT_ID)),
              doc.get(DOCUMENT_ID),
              (int) PointSchema.longValue(doc, CHUNK_INDEX, 0),
              r.score(),
              doc.get(TITLE),
              doc.get(TEXT),
              PointSchema.longValue(doc, VERSION, -1),
              PointSchema.longValue(doc, COMMITTED_AT, 0)));
    }
    return hits;
  }

  private List<Ranked> hybrid(
      IndexSearcher searcher, SearchRequest request, Query visible, int depth, boolean collapse)
      throws IOException {
    List<Ranked> dense = dense(searcher, request.vector(), visible, depth);
    List<Ranked> bm25 = bm25(searcher, request.text(), visible, depth);
    Function<Ranked, Object> key;
    if (collapse) {
      // Document-level fusion: rank documents by their best chunk in each list, then fuse.
      dense = collapse(searcher, dense);
      bm25 = collapse(searcher, bm25);
      Map<Integer, String> ids = new HashMap<>();
      String[] denseIds = documentIds(searcher, dense);
      String[] bm25Ids = documentIds(searcher, bm25);
      for (int i = 0; i < dense.size(); i++) {
        ids.put(dense.get(i).doc(), denseIds[i]);
      }
      for (int i = 0; i < bm25.size(); i++) {
        ids.put(bm25.get(i).doc(), bm25Ids[i]);
      }
      key = r -> ids.get(r.doc());
    } else {
      key = Ranked::doc;
    }
    Fusion fusion = request.fusion() == null ? options.fusion() : request.fusion();
    if (fusion instanceof Fusion.Convex convex) {
      return ScoreFusion.convex(dense, bm25, convex.alpha(), Ranked::score, key).stream()
          .map(f -> new Ranked(f.item().doc(), f.score()))
          .collect(Collectors.toList());
    }
    int rrfK = ((Fusion.Rrf) fusion).k();
    return ReciprocalRankFusion.fuse(List.of(dense, bm25), rrfK, key).stream()
        .map(f -> new Ranked(f.item().doc(), f.score()))
        .collect(Collectors.toList());
  }

  private List<Ranked> dense(IndexSearcher searcher, float[] vector, Query visible, int depth)
      throws IOException {
    int dim = dimension;
    if (dim == 0) {
      return List.of();
    }
    if (vector.length != dim) {
      throw new IllegalArgumentException(
          "query vector has "
              + vector.length
              + " dimensions, the index holds "
              + dim
              + "-d vectors");
    }
    Query knn =
        new KnnFloatVectorQuery(
            VECTOR, Vectors.unit(vector), Math.max(depth, options.candidates()), visible);
    ScoreDoc[] docs = searcher.search(knn, depth).scoreDocs;
    List<Ranked> out = new ArrayList<>(docs.length);
    for (ScoreDoc d : docs) {
      out.add(new Ranked(d.doc, Vectors.cosineFromScore(d.score)));
    }
    return out;
  }

  private List<Ranked> bm25(IndexSearcher searcher, String text, Query visible, int depth)
      throws IOException {
    Query terms =
        options.bm25Fields() == Bm25Fields.MULTIFIELD
            ? Bm25Queries.multiField(analyzer, List.of(BM25_TITLE, BM25_BODY), text)
            : Bm25Queries.bagOfWords(analyzer, BM25, text);
    if (terms == null) {
      return List.of();
    }
    Query query =
        new BooleanQuery.Builder().add(terms, Occur.MUST).add(visible, Occur.FILTER).build();
    ScoreDoc[] docs = searcher.search(query, depth).scoreDocs;
    List<Ranked> out = new ArrayList<>(docs.length);
    for (ScoreDoc d : docs) {
      out.add(new Ranked(d.doc, d.score));
    }
    return out;
  }

  /**
   * The visibility filter as a Lucene query: {@code type=chunk}, AND {@code tenant} when set, AND
   * {@code acl ∈ principals} when principals are given (an empty set matches nothing).
   */
  static Query visibility(SearchFilter filter) {
    BooleanQuery.Builder query = new BooleanQuery.Builder();
    query.add(new TermQuery(new Term(TYPE, TYPE_CHUNK)), Occur.FILTER);
    if (filter.tenant() != null) {
      query.add(new TermQuery(new Term(TENANT, filter.tenant())), Occur.FILTER);
    }
    if (filter.principals() != null) {
      if (filter.principals().isEmpty()) {
        return new MatchNoDocsQuery("no principals");
      }
      List<BytesRef> principals =
          filter.principals().stream().map(BytesRef::new).collect(Collectors.toList());
      query.add(new TermInSetQuery(ACL, principals), Occur.FILTER);
    }
    return query.build();
  }

  private List<Ranked> maybeCollapse(IndexSearcher searcher, List<Ranked> ranked, boolean collapse)
      throws IOException {
    return collapse ? collapse(searcher, ranked) : ranked;
  }

  /** Keeps the first (best) chunk of each document, order preserved. */
  private static List<Ranked> collapse(IndexSearcher searcher, List<Ranked> ranked)
      throws IOException {
    String[] ids = documentIds(searcher, ranked);
    Set<String> seen = new HashSet<>();
    List<Ranked> out = new ArrayList<>();
    for (int i = 0; i < ranked.size(); i++) {
      if (seen.add(ids[i])) {
        out.add(ranked.get(i));
      }
    }
    return out;
  }

  /** Document ids of {@code ranked} (no duplicates) from sorted doc values, in list order. */
  private static String[] documentIds(IndexSearcher searcher, List<Ranked> ranked)
      throws IOException {
    String[] ids = new String[ranked.size()];
    Integer[] byDoc = new Integer[ranked.size()];
    for (int i = 0; i < byDoc.length; i++) {
      byDoc[i] = i;
    }
    Arrays.sort(byDoc, Comparator.comparingInt(i -> ranked.get(i).doc()));
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    int leafIndex = -1;
    SortedDocValues values = null;
    for (int i : byDoc) {
      int doc = ranked.get(i).doc();
      int li = ReaderUtil.subIndex(doc, leaves);
      if (li != leafIndex) {
        leafIndex = li;
        values = DocValues.getSorted(leaves.get(li).reader(), DOCUMENT_ID);
      }
      if (!values.advanceExact(doc - leaves.get(li).docBase)) {
        throw new IllegalStateException("chunk " + doc + " has no documentId doc value");
      }
      ids[i] = values.lookupOrd(values.ordValue()).utf8ToString();
    }
    return ids;
  }

  // ---------------------------------------------------------------------------------- lifecycle

  /**
   * Commits every applied update with {@code lastCommittedAt} and {@code lastAppliedAt} as commit
   * user data, so {@link #stats()} keeps them across restarts.
   */
  public void flush() {
    ensureWritable();
    writeLock.lock();
    try {
      ensureOpen();
      commit();
    } catch (IOException | AlreadyClosedException e) {
      throw new StoreException("Lucene store " + path + ": commit failed", e);
    } finally {
      writeLock.unlock();
    }
  }

  private void commit() throws IOException {
    writer.setLiveCommitData(
        Map.of(
                USER_LAST_COMMITTED_AT, Long.toString(lastCommittedAt),
                USER_LAST_APPLIED_AT, Long.toString(lastAppliedAt))
            .entrySet());
    long seq = writer.commit();
    LOG.debug(
        "Committed Lucene store {} (sequence {}, lastCommittedAt {})", path, seq, lastCommittedAt);
  }

  /** Commits and closes the writer, the searchers and the directory. */
  @Override
  public void close() {
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        if (writer != null) {
          commit();
        }
      } finally {
        IOUtils.close(searchers, writer, analyzer, directory);
      }
      LOG.info("Closed Lucene store {}", path);
    } catch (IOException | AlreadyClosedException e) {
      throw new StoreException("Lucene store " + path + ": close failed", e);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Whether this writable index can no longer be written because Lucene closed its writer after a
   * tragic event (an I/O error, or a thread interrupted during a write, which closes the lock
   * file's channel). Such an index must be opened again; its uncommitted changes are lost (the
   * indexing job replays them from its last checkpoint).
   */
  public boolean broken() {
    return writer != null && !closed && !writer.isOpen();
  }

  /** The exception that closed the writer, or null. */
  public Throwable tragicException() {
    return writer == null ? null : writer.getTragicException();
  }

  private void ensureWritable() {
    if (writer == null) {
      throw new StoreException("Lucene store " + path + " is opened read-only", null);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("Lucene store " + path + " is closed");
    }
  }

  private static String kind(DocumentUpdate update) {
    return update.getClass().getSimpleName();
  }

  private static long parseLong(String value) {
    if (value == null) {
      return 0;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      LOG.warn("Ignoring unparsable commit user data value {}", value);
      return 0;
    }
  }

  /** A Lucene doc id with its mode-specific score. */
  private record Ranked(int doc, double score) {}

  /** What the state document says about a document ({@code chunkCount} 0 for a tombstone). */
  private record DocumentState(
      long version, boolean tombstone, String contentHash, int chunkCount) {}

  /** A state written at {@code generation} that the searcher may not show yet. */
  private record Pending(DocumentState state, long generation) {}
}
