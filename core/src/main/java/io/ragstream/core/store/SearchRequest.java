package io.ragstream.core.store;

import java.util.Objects;

/**
 * A retrieval request.
 *
 * @param text query text (used by BM25); never blank
 * @param vector query embedding (used by DENSE and HYBRID); may be null for BM25
 * @param k number of results, 1..1000
 * @param mode retrieval mode
 * @param filter visibility filter
 * @param collapseDocuments when true, return each document at most once, ranked by its best chunk
 * @param fusion how HYBRID merges its two lists; null means the store's default (see the store's
 *     options); ignored by DENSE and BM25
 */
public record SearchRequest(
    String text,
    float[] vector,
    int k,
    SearchMode mode,
    SearchFilter filter,
    boolean collapseDocuments,
    Fusion fusion) {
  public static final int MAX_K = 1000;

  /** A request with the store's default {@link Fusion}. */
  public SearchRequest(
      String text,
      float[] vector,
      int k,
      SearchMode mode,
      SearchFilter filter,
      boolean collapseDocuments) {
    this(text, vector, k, mode, filter, collapseDocuments, null);
  }

  public SearchRequest {
    if (text == null || text.isBlank())
      throw new IllegalArgumentException("query text must not be blank");
    if (k < 1 || k > MAX_K)
      throw new IllegalArgumentException("k must be in [1," + MAX_K + "], was " + k);
    Objects.requireNonNull(mode, "mode");
    if (mode != SearchMode.BM25 && vector == null) {
      throw new IllegalArgumentException(mode + " search needs a query vector");
    }
    filter = filter == null ? SearchFilter.NONE : filter;
  }
}
