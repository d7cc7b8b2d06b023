package io.ragstream.core.store;

/** Retrieval mode. */
public enum SearchMode {
  /** Nearest neighbours of the query embedding (cosine). */
  DENSE,
  /** BM25 over title + chunk text. */
  BM25,
  /** Reciprocal-rank fusion of DENSE and BM25 (Cormack et al., SIGIR 2009, k = 60). */
  HYBRID
}
