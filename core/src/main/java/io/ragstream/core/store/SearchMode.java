package io.ragstream.core.store;

/** Retrieval mode. */
public enum SearchMode {
  /** Nearest neighbours of the query embedding (cosine). */
  DENSE,
  /** BM25 over title + chunk text. */
  BM25,
  /** DENSE and BM25 fused into one ranking; see {@link Fusion}. */
  HYBRID
}
