package io.ragstream.gateway.index;

import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.ApplyResult;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.IndexStats;
import io.ragstream.core.store.IndexedDocument;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchRequest;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A {@link VectorStore} that answers each call from the generation a {@link ServingIndex} serves at
 * that moment, for parts that read "the index" without embedding queries themselves (metrics,
 * status, the adapter trainer's stored vectors). Each call holds one lease, so it never runs on a
 * released generation; two calls may see different generations across a swap. A caller that embeds
 * queries must take a {@link ServingIndex#acquire() lease} instead, so the query vector and the
 * index match.
 *
 * <p>{@link #close()} does nothing: the {@link ServingIndex} owns the generations.
 */
public final class ServingStoreView implements VectorStore {
  private final ServingIndex index;

  public ServingStoreView(ServingIndex index) {
    this.index = Objects.requireNonNull(index, "index");
  }

  private <T> T withStore(Function<VectorStore, T> call) {
    try (ServingIndex.Lease lease = index.acquire()) {
      return call.apply(lease.store());
    }
  }

  @Override
  public ApplyResult apply(DocumentUpdate update) {
    return withStore(s -> s.apply(update));
  }

  @Override
  public void flush() {
    withStore(
        s -> {
          s.flush();
          return null;
        });
  }

  @Override
  public List<SearchHit> search(SearchRequest request) {
    return withStore(s -> s.search(request));
  }

  @Override
  public long version(String documentId) {
    return withStore(s -> s.version(documentId));
  }

  @Override
  public IndexStats stats() {
    return withStore(VectorStore::stats);
  }

  @Override
  public long purgeTombstones(long deletedBefore) {
    return withStore(s -> s.purgeTombstones(deletedBefore));
  }

  @Override
  public Optional<IndexedDocument> document(String documentId) {
    return withStore(s -> s.document(documentId));
  }

  @Override
  public List<float[]> vectors(String documentId) {
    return withStore(s -> s.vectors(documentId));
  }

  @Override
  public List<IndexedDocument> documents(String afterDocumentId, int limit) {
    return withStore(s -> s.documents(afterDocumentId, limit));
  }

  @Override
  public void close() {}
}
