package io.ragstream.store.lucene;

/**
 * Which fields a BM25 query scores, after Anserini's two BEIR settings (Kamphuis et al., "Which
 * BM25 Do You Mean?", ECIR 2020; Anserini's {@code beir-v1.0.0-*.flat} and {@code *.multifield}
 * regressions). Every chunk indexes all three fields, so the choice can change without re-indexing.
 */
public enum Bm25Fields {
  /**
   * One field holding title + " " + chunk text (Anserini "flat"). Anserini's BEIR nDCG@10, flat vs
   * multifield: SciFact 0.679 vs 0.665, NFCorpus 0.322 vs 0.325.
   */
  FLAT,
  /**
   * Title and chunk text as separate fields, each with its own length normalization, the query
   * scored against both with weight 1 and the scores summed (Anserini "multifield", {@code -fields
   * contents=1.0 title=1.0}).
   */
  MULTIFIELD
}
