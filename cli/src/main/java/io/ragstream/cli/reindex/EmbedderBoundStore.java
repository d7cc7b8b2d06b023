package io.ragstream.cli.reindex;

import io.ragstream.core.error.StoreException;
import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.ApplyResult;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.IndexStats;
import io.ragstream.core.store.IndexedDocument;
import io.ragstream.core.store.Point;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchRequest;
import io.ragstream.processors.indexing.ComponentFactory;
import io.ragstream.store.lucene.LuceneStoreOptions;
import io.ragstream.store.lucene.LuceneVectorStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A generation's {@link VectorStore}, bound to the one embedder the generation was created with: an
 * upsert whose points were made by another model fails with {@link StoreException} before anything
 * is written, so one index can never hold two models' vectors (docs/reindex.md). Every other call
 * is passed through unchanged.
 *
 * <p>A point's embedder is its model id ({@code Embedder.id()}, e.g. {@code
 * bge-small-en-v1.5-q@langchain4j-embeddings-1.20.0-beta30}); it matches the bound name when it is
 * that name or starts with the name and {@code @}.
 */
public final class EmbedderBoundStore implements VectorStore {
  private final VectorStore delegate;
  private final String embedder;

  /**
   * @param delegate the generation's store; closed with this one
   * @param embedder the embedder name every point must come from
   */
  public EmbedderBoundStore(VectorStore delegate, String embedder) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.embedder = Objects.requireNonNull(embedder, "embedder");
  }

  /**
   * A serializable factory of the Lucene store of {@code generation} under {@code dataDir}, bound
   * to its embedder, for the generation's indexing job (tasks in one JVM share one index per
   * directory, see {@link LuceneVectorStore#open}).
   */
  public static ComponentFactory<VectorStore> luceneFactory(
      Path dataDir, IndexGeneration generation, LuceneStoreOptions options) {
    String path = dataDir.resolve(generation.luceneDirectory()).toAbsolutePath().toString();
    String name = generation.embedder();
    return () -> new EmbedderBoundStore(LuceneVectorStore.open(Path.of(path), options), name);
  }

  /** The embedder name this store accepts points from. */
  public String embedder() {
    return embedder;
  }

  /** Whether a point's model id belongs to the embedder called {@code name}. */
  static boolean sameModel(String pointEmbedderId, String name) {
    return pointEmbedderId.equals(name) || pointEmbedderId.startsWith(name + "@");
  }

  /**
   * {@inheritDoc}
   *
   * @throws StoreException (not retriable: replaying the record cannot help) when a point of an
   *     upsert was made by another embedder
   */
  @Override
  public ApplyResult apply(DocumentUpdate update) {
    if (update instanceof DocumentUpdate.Upsert upsert) {
      for (Point p : upsert.points()) {
        if (!sameModel(p.embedder(), embedder)) {
          throw new StoreException(
              "refusing point "
                  + p.chunkIndex()
                  + " of "
                  + upsert.documentId()
                  + ": made by "
                  + p.embedder()
                  + ", but this index generation holds only "
                  + embedder
                  + " vectors (reindex to change models)",
              null);
        }
      }
    }
    return delegate.apply(update);
  }

  @Override
  public void flush() {
    delegate.flush();
  }

  @Override
  public List<SearchHit> search(SearchRequest request) {
    return delegate.search(request);
  }

  @Override
  public long version(String documentId) {
    return delegate.version(documentId);
  }

  @Override
  public IndexStats stats() {
    return delegate.stats();
  }

  @Override
  public long purgeTombstones(long deletedBefore) {
    return delegate.purgeTombstones(deletedBefore);
  }

  @Override
  public Optional<IndexedDocument> document(String documentId) {
    return delegate.document(documentId);
  }

  @Override
  public List<float[]> vectors(String documentId) {
    return delegate.vectors(documentId);
  }

  @Override
  public List<IndexedDocument> documents(String afterDocumentId, int limit) {
    return delegate.documents(afterDocumentId, limit);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
