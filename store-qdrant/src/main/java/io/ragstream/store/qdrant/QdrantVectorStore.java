package io.ragstream.store.qdrant;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.Points.BatchResult;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.PointsUpdateOperation;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.ScrollResponse;
import io.qdrant.client.grpc.Points.UpdateResult;
import io.ragstream.core.error.RetriableException;
import io.ragstream.core.error.StoreException;
import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.ApplyResult;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.Fusion;
import io.ragstream.core.store.IndexStats;
import io.ragstream.core.store.IndexedDocument;
import io.ragstream.core.store.Point;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import io.ragstream.store.qdrant.internal.Bm25Encoder;
import io.ragstream.store.qdrant.internal.ClientFusion;
import io.ragstream.store.qdrant.internal.QdrantErrors;
import io.ragstream.store.qdrant.internal.QdrantSchema;
import io.ragstream.store.qdrant.internal.Requests;
import io.ragstream.store.qdrant.internal.Responses;
import io.ragstream.store.qdrant.internal.Retrier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link VectorStore}: a Qdrant collection reached through the official gRPC client
 * ({@code io.qdrant:client}), with a named dense vector and a sparse BM25 vector per chunk point
 * and one state point per document for the version guard. The layout, the guard and the query
 * shapes are in docs/qdrant.md.
 *
 * <p><b>Semantics</b> (the {@link VectorStore} contract, plus):
 *
 * <ul>
 *   <li>Bootstrap: {@link #open} creates the collection (and alias) when missing and refuses one
 *       whose dimension, distance or embedder differs from the config ({@link
 *       QdrantCollections#ensure}). Every upserted point must carry {@link
 *       QdrantStoreConfig#embedder()} and a {@link QdrantStoreConfig#dimension()}-d vector, else
 *       {@link StoreException}.
 *   <li>Version guard: the document's state point (id {@code UUID(documentId + "#state")}, payload
 *       {@code kind=state}, version, {@code live|tombstone}) is read, and written last, with {@code
 *       wait=true}. Race-free for one writer per document id (the indexing job keys by document
 *       id); within one JVM, applies of the same id are serialized by a lock. Not atomic for
 *       readers: during an apply a search may see the new chunks of a document next to old ones;
 *       after a crash the state still holds the old version, so the replayed update is applied
 *       again (idempotent: same point ids).
 *   <li>Upsert: chunk points in batches of {@link QdrantStoreConfig#batchSize()} (at most {@link
 *       QdrantStoreConfig#maxInFlight()} requests in flight per store), then one update batch that
 *       deletes chunk points with {@code chunkIndex >= n} (the surplus of a shrinking document) and
 *       writes the state point. A document that fits in one batch is one update batch.
 *   <li>Delete: one update batch deleting every chunk point and writing a tombstone with {@code
 *       deletedAt} = now; {@link #purgeTombstones} deletes tombstones by a range filter on it.
 *   <li>Read-your-writes: every write waits ({@code wait=true}, unless {@link
 *       QdrantStoreConfig#waitForIndexing()} is false for multi-batch chunk upserts), so an update
 *       is searchable when {@code apply} returns. {@link #flush()} does nothing: Qdrant has every
 *       acknowledged write in its write-ahead log.
 *   <li>DENSE: cosine (or dot) scores of the {@code dense} vector. BM25: Qdrant's sparse dot
 *       product of query term counts with the stored BM25 weights times IDF ({@link Bm25Encoder}).
 *   <li>HYBRID: RRF without collapsing runs on the server (Query API: two prefetches + RRF, k sent
 *       as {@code k + 1} because Qdrant counts positions from 0); convex fusion and collapsed
 *       searches fetch both lists in one query batch and fuse in the client ({@link ClientFusion}),
 *       exactly as the Lucene store does.
 *   <li>collapseDocuments: each list is fetched {@code max(k · collapseOverfetch, candidates)} deep
 *       and only each document's best chunk is kept, in the client (Qdrant's group-by would fuse
 *       points before grouping, which is not the contract's document-level fusion).
 *   <li>{@link #stats()}: exact counts of live states, chunk points and tombstones;
 *       lastCommittedAt/lastAppliedAt are the largest {@code committedAt}/{@code indexedAt} of the
 *       state points ({@code order_by} on their integer indexes), so they survive restarts and are
 *       shared by every store instance on the collection.
 *   <li>{@link #documents}: scans every point id for each page (memory bounded by the page, time
 *       linear in the collection per page: Qdrant cannot order by a keyword field).
 * </ul>
 *
 * <p>Thread-safety: all methods may be called from any thread; all block. Failures are classified
 * by {@link QdrantErrors} and retried by one {@link Retrier}: a transient failure that outlives the
 * retries is a {@link RetriableException}, anything else a {@link StoreException}. A method called
 * after {@link #close()} throws {@link IllegalStateException}.
 */
public final class QdrantVectorStore implements VectorStore {
  private static final Logger LOG = LoggerFactory.getLogger(QdrantVectorStore.class);

  /** Lock stripes serializing applies of the same document id within this JVM. */
  private static final int STRIPES = 64;

  /** Page size of scrolls over a document's chunks and over the collection. */
  private static final int SCROLL_PAGE = 256;

  private final QdrantStoreConfig config;
  private final QdrantClient client;
  private final boolean ownsClient;
  private final String target;
  private final Bm25Encoder bm25;
  private final Retrier retrier;
  private final Semaphore inFlight;
  private final LongSupplier clock;
  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
  private final AtomicBoolean closed = new AtomicBoolean();

  private QdrantVectorStore(
      QdrantStoreConfig config,
      QdrantClient client,
      boolean ownsClient,
      Retrier retrier,
      LongSupplier clock) {
    this.config = config;
    this.client = client;
    this.ownsClient = ownsClient;
    this.target = config.target();
    this.bm25 = new Bm25Encoder(config.bm25K1(), config.bm25B(), config.bm25AvgLength());
    this.retrier = retrier;
    this.inFlight = new Semaphore(config.maxInFlight());
    this.clock = clock;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  /**
   * Connects to Qdrant with {@code config}'s address, TLS, API key and timeout, and bootstraps the
   * collection ({@link QdrantCollections#ensure}). The store owns the client and closes it.
   *
   * @throws StoreException when the collection cannot be created or does not match the config
   * @throws RetriableException when Qdrant stays unreachable through the retries
   */
  public static QdrantVectorStore open(QdrantStoreConfig config) {
    Objects.requireNonNull(config, "config");
    QdrantGrpcClient.Builder grpc =
        QdrantGrpcClient.newBuilder(config.host(), config.port(), config.tls())
            .withTimeout(config.timeout());
    if (!config.apiKey().isEmpty()) {
      grpc.withApiKey(config.apiKey().reveal());
    }
    QdrantClient client = new QdrantClient(grpc.build());
    try {
      return open(config, client, true);
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /**
   * Like {@link #open(QdrantStoreConfig)} on an existing client, which the store does not close
   * (several stores, or a store and {@link QdrantCollections}, may share one channel).
   */
  public static QdrantVectorStore open(QdrantStoreConfig config, QdrantClient client) {
    return open(config, client, false);
  }

  private static QdrantVectorStore open(
      QdrantStoreConfig config, QdrantClient client, boolean ownsClient) {
    Retrier retrier =
        Retrier.of(
            config.retryMaxAttempts(), config.retryInitialBackoff(), config.retryMaxBackoff());
    new QdrantCollections(client, config.timeout(), retrier).ensure(config);
    QdrantVectorStore store =
        new QdrantVectorStore(config, client, ownsClient, retrier, System::currentTimeMillis);
    LOG.info("Opened Qdrant store on {} ({})", config.target(), config);
    return store;
  }

  /** Collection and alias operations on this store's connection (reindex, retire). */
  public QdrantCollections collections() {
    ensureOpen();
    return new QdrantCollections(client, config.timeout(), retrier);
  }

  /** The config the store was opened with. */
  public QdrantStoreConfig config() {
    return config;
  }

  // ------------------------------------------------------------------------------- apply

  @Override
  public ApplyResult apply(DocumentUpdate update) {
    Objects.requireNonNull(update, "update");
    ensureOpen();
    ReentrantLock lock = stripes[Math.floorMod(update.documentId().hashCode(), STRIPES)];
    lock.lock();
    try {
      Responses.State state = readState(update.documentId());
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
      LOG.trace(
          "Applied {} v{} of {}: {}", kind(update), update.version(), update.documentId(), result);
      return result;
    } finally {
      lock.unlock();
    }
  }

  private ApplyResult upsert(DocumentUpdate.Upsert u, Responses.State state) {
    long now = clock.getAsLong();
    List<PointStruct> chunks = new ArrayList<>(u.points().size());
    for (Point p : u.points()) {
      checkPoint(u.documentId(), p);
      chunks.add(
          Requests.chunkPoint(
              u.documentId(),
              u.version(),
              u.committedAt(),
              now,
              u.attributes(),
              u.contentHash(),
              p,
              bm25.document(u.attributes().title(), p.text())));
    }
    List<PointsUpdateOperation> ops = new ArrayList<>(3);
    if (chunks.size() > config.batchSize()) {
      upsertInBatches(u.documentId(), chunks);
    } else if (!chunks.isEmpty()) {
      ops.add(Requests.upsertOperation(chunks));
    }
    ops.add(Requests.deleteChunksFrom(u.documentId(), chunks.size()));
    ops.add(
        Requests.upsertOperation(
            List.of(
                Requests.liveState(
                    u.documentId(),
                    u.version(),
                    u.committedAt(),
                    now,
                    u.contentHash(),
                    chunks.size()))));
    updateBatch("upsert v" + u.version() + " of " + u.documentId(), ops);
    int previous = state == null ? 0 : state.livePoints();
    return new ApplyResult.Applied(chunks.size(), Math.max(0, previous - chunks.size()));
  }

  private void checkPoint(String documentId, Point p) {
    if (p.vector().length != config.dimension()) {
      throw new StoreException(
          "Qdrant store "
              + target
              + ": point "
              + p.chunkIndex()
              + " of document "
              + documentId
              + " has a "
              + p.vector().length
              + "-d vector, the collection holds "
              + config.dimension()
              + "-d vectors",
          null);
    }
    if (!p.embedder().equals(config.embedder())) {
      throw new StoreException(
          "Qdrant store "
              + target
              + ": point "
              + p.chunkIndex()
              + " of document "
              + documentId
              + " was embedded by "
              + p.embedder()
              + ", the collection holds vectors of "
              + config.embedder()
              + " (mixed embedding models in one collection are refused)",
          null);
    }
  }

  /**
   * Upserts {@code chunks} in batches, at most {@code maxInFlight} requests in flight per store;
   * batches that fail retriably are sent again through the retrier (upserts are idempotent).
   */
  private void upsertInBatches(String documentId, List<PointStruct> chunks) {
    List<List<PointStruct>> batches = new ArrayList<>();
    for (int from = 0; from < chunks.size(); from += config.batchSize()) {
      batches.add(chunks.subList(from, Math.min(chunks.size(), from + config.batchSize())));
    }
    List<ListenableFuture<UpdateResult>> futures = new ArrayList<>(batches.size());
    try {
      for (List<PointStruct> batch : batches) {
        inFlight.acquire();
        ListenableFuture<UpdateResult> f;
        try {
          f =
              client.upsertAsync(
                  Requests.upsert(target, batch, config.waitForIndexing()), config.timeout());
        } catch (RuntimeException e) {
          inFlight.release();
          throw e;
        }
        f.addListener(inFlight::release, MoreExecutors.directExecutor());
        futures.add(f);
      }
      for (int i = 0; i < futures.size(); i++) {
        try {
          futures.get(i).get();
        } catch (ExecutionException e) {
          if (!QdrantErrors.isRetriable(e)) {
            throw QdrantErrors.classify("upsert chunks of " + documentId, e);
          }
          List<PointStruct> batch = batches.get(i);
          retrier.call(
              "upsert " + batch.size() + " chunks of " + documentId,
              () ->
                  client
                      .upsertAsync(
                          Requests.upsert(target, batch, config.waitForIndexing()),
                          config.timeout())
                      .get());
        }
      }
      LOG.debug(
          "Upserted {} chunks of {} in {} batches", chunks.size(), documentId, batches.size());
    } catch (InterruptedException e) {
      futures.forEach(f -> f.cancel(true));
      Thread.currentThread().interrupt();
      throw new RetriableException("interrupted while upserting chunks of " + documentId, e);
    }
  }

  private ApplyResult updateAttributes(DocumentUpdate.UpdateAttributes u, Responses.State state) {
    if (state == null || state.tombstone()) {
      LOG.warn(
          "Attribute update v{} for {} document {} changes nothing (no live points)",
          u.version(),
          state == null ? "unknown" : "deleted",
          u.documentId());
      return new ApplyResult.Applied(0, 0);
    }
    long now = clock.getAsLong();
    Map<UUID, Bm25Encoder.Sparse> vectors = new LinkedHashMap<>();
    for (RetrievedPoint p : chunkPoints(u.documentId(), false)) {
      vectors.put(
          Responses.uuid(p.getId()), bm25.document(u.attributes().title(), Responses.text(p)));
    }
    List<PointsUpdateOperation> ops =
        new ArrayList<>(
            Requests.updateAttributes(
                u.documentId(), u.attributes(), u.version(), u.committedAt(), now, vectors));
    ops.add(
        Requests.upsertOperation(
            List.of(
                Requests.liveState(
                    u.documentId(),
                    u.version(),
                    u.committedAt(),
                    now,
                    state.contentHash(),
                    state.chunkCount()))));
    updateBatch("update attributes v" + u.version() + " of " + u.documentId(), ops);
    return new ApplyResult.Applied(vectors.size(), 0);
  }

  private ApplyResult delete(DocumentUpdate.Delete d, Responses.State state) {
    long now = clock.getAsLong();
    updateBatch(
        "delete v" + d.version() + " of " + d.documentId(),
        List.of(
            Requests.deleteChunksFrom(d.documentId(), 0),
            Requests.upsertOperation(
                List.of(Requests.tombstone(d.documentId(), d.version(), d.committedAt(), now)))));
    return new ApplyResult.Applied(0, state == null ? 0 : state.livePoints());
  }

  private void updateBatch(String what, List<PointsUpdateOperation> ops) {
    retrier.call(
        what, () -> client.batchUpdateAsync(Requests.batch(target, ops), config.timeout()).get());
  }

  @Override
  public void flush() {
    ensureOpen();
    // Every write waited for Qdrant's acknowledgement: it is in Qdrant's write-ahead log.
  }

  // ------------------------------------------------------------------------------- reads

  private Responses.State readState(String documentId) {
    List<RetrievedPoint> found =
        retrier.call(
            "read state of " + documentId,
            () ->
                client
                    .retrieveAsync(Requests.getState(target, documentId), config.timeout())
                    .get());
    return found.isEmpty() ? null : Responses.state(found.get(0).getPayloadMap());
  }

  @Override
  public long version(String documentId) {
    Objects.requireNonNull(documentId, "documentId");
    ensureOpen();
    Responses.State state = readState(documentId);
    return state == null ? -1 : state.version();
  }

  @Override
  public IndexStats stats() {
    ensureOpen();
    return new IndexStats(
        count("count documents", Requests.liveStates()),
        count("count points", Requests.chunks()),
        count("count tombstones", Requests.tombstones()),
        newest(QdrantSchema.COMMITTED_AT),
        newest(QdrantSchema.INDEXED_AT));
  }

  private long count(String what, Filter filter) {
    return retrier.call(
        what, () -> client.countAsync(target, filter, true, config.timeout()).get());
  }

  private long newest(String field) {
    ScrollResponse page =
        retrier.call(
            "read newest " + field,
            () -> client.scrollAsync(Requests.newestState(target, field), config.timeout()).get());
    return page.getResultCount() == 0
        ? 0
        : Responses.integer(page.getResult(0).getPayloadMap(), field, 0);
  }

  @Override
  public long purgeTombstones(long deletedBefore) {
    ensureOpen();
    Filter purge = Requests.tombstonesDeletedBefore(deletedBefore);
    long count = count("count tombstones to purge", purge);
    if (count > 0) {
      retrier.call(
          "purge tombstones",
          () -> client.deleteAsync(Requests.delete(target, purge), config.timeout()).get());
      LOG.info("Purged {} tombstones deleted before {} from {}", count, deletedBefore, target);
    }
    return count;
  }

  @Override
  public Optional<IndexedDocument> document(String documentId) {
    Objects.requireNonNull(documentId, "documentId");
    ensureOpen();
    Responses.State state = readState(documentId);
    List<IndexedDocument.StoredPoint> points = new ArrayList<>();
    for (RetrievedPoint p : chunkPoints(documentId, false)) {
      points.add(Responses.storedPoint(p));
    }
    points.sort(Comparator.comparingInt(IndexedDocument.StoredPoint::chunkIndex));
    if (state == null) {
      return points.isEmpty()
          ? Optional.empty()
          : Optional.of(
              new IndexedDocument(
                  documentId, IndexedDocument.Status.NO_STATE, -1, 0, null, 0, points));
    }
    return Optional.of(
        new IndexedDocument(
            documentId,
            state.tombstone() ? IndexedDocument.Status.TOMBSTONE : IndexedDocument.Status.LIVE,
            state.version(),
            state.committedAt(),
            state.contentHash(),
            state.chunkCount(),
            points));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Scans the ids of every point for each page, keeping only the {@code limit} smallest ids
   * after {@code afterDocumentId}: memory is bounded by the page, time is linear in the collection
   * per page.
   */
  @Override
  public List<IndexedDocument> documents(String afterDocumentId, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1, was " + limit);
    }
    ensureOpen();
    TreeSet<String> smallest = new TreeSet<>();
    PointId offset = null;
    do {
      PointId from = offset;
      ScrollResponse page =
          retrier.call(
              "list document ids",
              () ->
                  client
                      .scrollAsync(
                          Requests.scrollDocumentIds(target, from, SCROLL_PAGE), config.timeout())
                      .get());
      for (RetrievedPoint p : page.getResultList()) {
        String id = Responses.string(p.getPayloadMap(), QdrantSchema.DOCUMENT_ID);
        if (id == null || (afterDocumentId != null && id.compareTo(afterDocumentId) <= 0)) {
          continue;
        }
        if (smallest.size() < limit) {
          smallest.add(id);
        } else if (id.compareTo(smallest.last()) < 0 && smallest.add(id)) {
          smallest.pollLast();
        }
      }
      offset = page.hasNextPageOffset() ? page.getNextPageOffset() : null;
    } while (offset != null);
    List<IndexedDocument> out = new ArrayList<>(smallest.size());
    for (String id : smallest) {
      document(id).ifPresent(out::add);
    }
    return out;
  }

  /**
   * The dense vectors of a document's points ordered by chunk index (a copy; empty when the
   * document has no points).
   */
  public List<float[]> vectors(String documentId) {
    Objects.requireNonNull(documentId, "documentId");
    ensureOpen();
    List<RetrievedPoint> points = new ArrayList<>(chunkPoints(documentId, true));
    points.sort(Comparator.comparingInt(Responses::chunkIndex));
    List<float[]> out = new ArrayList<>(points.size());
    for (RetrievedPoint p : points) {
      float[] v = Responses.denseVector(p);
      if (v == null) {
        throw new StoreException(
            "Qdrant store "
                + target
                + ": chunk "
                + Responses.chunkIndex(p)
                + " of "
                + documentId
                + " has no dense vector",
            null);
      }
      out.add(v);
    }
    return out;
  }

  /** Every chunk point of a document (payload, and the dense vector when asked), unordered. */
  private List<RetrievedPoint> chunkPoints(String documentId, boolean withDense) {
    List<RetrievedPoint> out = new ArrayList<>();
    PointId offset = null;
    do {
      PointId from = offset;
      ScrollResponse page =
          retrier.call(
              "read chunks of " + documentId,
              () ->
                  client
                      .scrollAsync(
                          Requests.scrollChunks(target, documentId, from, SCROLL_PAGE, withDense),
                          config.timeout())
                      .get());
      out.addAll(page.getResultList());
      offset = page.hasNextPageOffset() ? page.getNextPageOffset() : null;
    } while (offset != null);
    return out;
  }

  // ------------------------------------------------------------------------------- search

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException when the query vector's dimension differs from the config's
   */
  @Override
  public List<SearchHit> search(SearchRequest request) {
    Objects.requireNonNull(request, "request");
    ensureOpen();
    if (request.vector() != null
        && request.mode() != SearchMode.BM25
        && request.vector().length != config.dimension()) {
      throw new IllegalArgumentException(
          "query vector has "
              + request.vector().length
              + " dimensions, the collection holds "
              + config.dimension()
              + "-d vectors");
    }
    Filter visible = Requests.visibility(request.filter());
    if (visible == null) {
      return List.of(); // an empty principal set sees nothing
    }
    int k = request.k();
    boolean collapse = request.collapseDocuments();
    int depth =
        collapse
            ? Math.max(k * config.collapseOverfetch(), config.candidates())
            : request.mode() == SearchMode.HYBRID ? Math.max(k, config.candidates()) : k;
    int ef = Math.max(depth, config.candidates());
    List<SearchHit> ranked =
        switch (request.mode()) {
          case DENSE ->
              maybeCollapse(
                  query(Requests.dense(target, request.vector(), visible, depth, ef)), collapse);
          case BM25 -> {
            Bm25Encoder.Sparse terms = bm25.query(request.text());
            yield terms.isEmpty()
                ? List.of()
                : maybeCollapse(query(Requests.bm25(target, terms, visible, depth)), collapse);
          }
          case HYBRID -> hybrid(request, visible, depth, ef);
        };
    return ranked.size() > k ? List.copyOf(ranked.subList(0, k)) : ranked;
  }

  private List<SearchHit> hybrid(SearchRequest request, Filter visible, int depth, int ef) {
    Fusion fusion = request.fusion() == null ? config.fusion() : request.fusion();
    Bm25Encoder.Sparse terms = bm25.query(request.text());
    boolean collapse = request.collapseDocuments();
    if (fusion instanceof Fusion.Rrf rrf && !collapse) {
      return query(
          Requests.hybridRrf(
              target, request.vector(), terms, visible, depth, ef, request.k(), rrf.k()));
    }
    List<QueryPoints> lists = new ArrayList<>(2);
    lists.add(Requests.dense(target, request.vector(), visible, depth, ef));
    if (!terms.isEmpty()) {
      lists.add(Requests.bm25(target, terms, visible, depth));
    }
    List<BatchResult> results =
        retrier.call(
            "hybrid search",
            () -> client.queryBatchAsync(target, lists, null, config.timeout()).get());
    List<SearchHit> dense = hits(results.get(0).getResultList());
    List<SearchHit> sparse = results.size() > 1 ? hits(results.get(1).getResultList()) : List.of();
    Function<SearchHit, Object> key;
    if (collapse) {
      dense = collapse(dense);
      sparse = collapse(sparse);
      key = SearchHit::documentId;
    } else {
      key = SearchHit::pointId;
    }
    List<ClientFusion.Fused<SearchHit>> fused =
        fusion instanceof Fusion.Convex convex
            ? ClientFusion.convex(dense, sparse, convex.alpha(), SearchHit::score, key)
            : ClientFusion.rrf(dense, sparse, ((Fusion.Rrf) fusion).k(), key);
    List<SearchHit> out = new ArrayList<>(fused.size());
    for (ClientFusion.Fused<SearchHit> f : fused) {
      SearchHit h = f.item();
      out.add(
          new SearchHit(
              h.pointId(),
              h.documentId(),
              h.chunkIndex(),
              f.score(),
              h.title(),
              h.text(),
              h.version(),
              h.committedAt()));
    }
    return out;
  }

  private List<SearchHit> query(QueryPoints query) {
    return hits(
        retrier.call(
            "search " + (query.getUsing().isEmpty() ? "hybrid" : query.getUsing()),
            () -> client.queryAsync(query, config.timeout()).get()));
  }

  private static List<SearchHit> hits(List<ScoredPoint> points) {
    List<SearchHit> out = new ArrayList<>(points.size());
    for (ScoredPoint p : points) {
      out.add(Responses.hit(p));
    }
    return out;
  }

  private static List<SearchHit> maybeCollapse(List<SearchHit> hits, boolean collapse) {
    return collapse ? collapse(hits) : hits;
  }

  /** Keeps the first (best) hit of each document, order preserved. */
  private static List<SearchHit> collapse(List<SearchHit> hits) {
    Set<String> seen = new HashSet<>();
    List<SearchHit> out = new ArrayList<>();
    for (SearchHit h : hits) {
      if (seen.add(h.documentId())) {
        out.add(h);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------- lifecycle

  /** Closes the gRPC client when the store created it (idempotent). */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (ownsClient) {
      client.close();
    }
    LOG.info("Closed Qdrant store on {}", target);
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("Qdrant store on " + target + " is closed");
    }
  }

  private static String kind(DocumentUpdate update) {
    return update.getClass().getSimpleName();
  }
}
