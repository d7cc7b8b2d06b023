package io.ragstream.store.lucene;

import io.ragstream.core.store.Fusion;
import java.io.Serializable;
import org.apache.lucene.codecs.KnnVectorsFormat;

/**
 * Tuning of a {@link LuceneVectorStore}; validated in the constructor so a bad value fails at start
 * with its name.
 *
 * @param dimension dense vector dimension; {@code 0} means "take it from the first upserted point"
 *     (after that it is fixed for the index). 1..{@value KnnVectorsFormat#DEFAULT_MAX_DIMENSIONS}
 *     otherwise
 * @param fusion how HYBRID merges the dense and BM25 lists when a request does not say; see {@link
 *     Fusion}
 * @param candidates depth of each of the dense and BM25 lists that HYBRID fuses, and the minimum
 *     HNSW candidate count ({@code efSearch}) of every dense query; 1..10,000
 * @param collapseOverfetch when a request collapses documents, each list is fetched {@code max(k *
 *     collapseOverfetch, candidates)} chunks deep so that k distinct documents usually remain;
 *     {@code >= 1}
 * @param bm25K1 BM25 {@code k1} (term-frequency saturation); Anserini's BEIR default 0.9; {@code >=
 *     0}
 * @param bm25B BM25 {@code b} (length normalization); Anserini's BEIR default 0.4; in [0, 1]
 * @param bm25Fields the fields BM25 scores: {@link Bm25Fields#FLAT} (title + text in one field) or
 *     {@link Bm25Fields#MULTIFIELD}
 * @param ramBufferMb IndexWriter RAM buffer in MiB before a segment is flushed; {@code > 0}
 */
public record LuceneStoreOptions(
    int dimension,
    Fusion fusion,
    int candidates,
    int collapseOverfetch,
    float bm25K1,
    float bm25B,
    Bm25Fields bm25Fields,
    double ramBufferMb)
    implements Serializable {

  /** Dimension taken from the first upserted point. */
  public static final int DEFAULT_DIMENSION = 0;

  /** The platform's default fusion, {@link Fusion#DEFAULT}. */
  public static final Fusion DEFAULT_FUSION = Fusion.DEFAULT;

  /** Title and text in one BM25 field, as Anserini's BEIR "flat" setting. */
  public static final Bm25Fields DEFAULT_BM25_FIELDS = Bm25Fields.FLAT;

  /** Depth of each fused list, and the minimum HNSW {@code efSearch}. */
  public static final int DEFAULT_CANDIDATES = 100;

  /** Over-fetch factor when collapsing chunks into documents. */
  public static final int DEFAULT_COLLAPSE_OVERFETCH = 4;

  /** Anserini's BEIR default {@code k1}. */
  public static final float DEFAULT_BM25_K1 = 0.9f;

  /** Anserini's BEIR default {@code b}. */
  public static final float DEFAULT_BM25_B = 0.4f;

  /** IndexWriter RAM buffer, MiB. */
  public static final double DEFAULT_RAM_BUFFER_MB = 64.0;

  /** Largest supported {@link #dimension()} (Lucene's HNSW format limit). */
  public static final int MAX_DIMENSION = KnnVectorsFormat.DEFAULT_MAX_DIMENSIONS;

  /** Largest supported {@link #candidates()}. */
  public static final int MAX_CANDIDATES = 10_000;

  /**
   * Validates every value.
   *
   * @throws IllegalArgumentException naming the first invalid parameter and its value
   */
  public LuceneStoreOptions {
    require(
        dimension >= 0 && dimension <= MAX_DIMENSION,
        "dimension",
        dimension,
        "0 (from the first point) or 1.." + MAX_DIMENSION);
    require(fusion != null, "fusion", fusion, "set");
    require(
        candidates >= 1 && candidates <= MAX_CANDIDATES,
        "candidates",
        candidates,
        "1.." + MAX_CANDIDATES);
    require(collapseOverfetch >= 1, "collapseOverfetch", collapseOverfetch, ">= 1");
    require(Float.isFinite(bm25K1) && bm25K1 >= 0, "bm25K1", bm25K1, "finite and >= 0");
    require(Float.isFinite(bm25B) && bm25B >= 0 && bm25B <= 1, "bm25B", bm25B, "in [0, 1]");
    require(bm25Fields != null, "bm25Fields", bm25Fields, "FLAT or MULTIFIELD");
    require(
        Double.isFinite(ramBufferMb) && ramBufferMb > 0,
        "ramBufferMb",
        ramBufferMb,
        "finite and > 0");
  }

  /**
   * The defaults: dimension from the first point, {@link #DEFAULT_FUSION}, 100 candidates, BM25
   * (0.9, 0.4) over {@link #DEFAULT_BM25_FIELDS}.
   */
  public static LuceneStoreOptions defaults() {
    return new LuceneStoreOptions(
        DEFAULT_DIMENSION,
        DEFAULT_FUSION,
        DEFAULT_CANDIDATES,
        DEFAULT_COLLAPSE_OVERFETCH,
        DEFAULT_BM25_K1,
        DEFAULT_BM25_B,
        DEFAULT_BM25_FIELDS,
        DEFAULT_RAM_BUFFER_MB);
  }

  /** A copy with {@link #dimension()} replaced. */
  public LuceneStoreOptions withDimension(int value) {
    return new LuceneStoreOptions(
        value, fusion, candidates, collapseOverfetch, bm25K1, bm25B, bm25Fields, ramBufferMb);
  }

  /** A copy with {@link #fusion()} replaced. */
  public LuceneStoreOptions withFusion(Fusion value) {
    return new LuceneStoreOptions(
        dimension, value, candidates, collapseOverfetch, bm25K1, bm25B, bm25Fields, ramBufferMb);
  }

  /** A copy with {@link #candidates()} replaced. */
  public LuceneStoreOptions withCandidates(int value) {
    return new LuceneStoreOptions(
        dimension, fusion, value, collapseOverfetch, bm25K1, bm25B, bm25Fields, ramBufferMb);
  }

  /** A copy with {@link #collapseOverfetch()} replaced. */
  public LuceneStoreOptions withCollapseOverfetch(int value) {
    return new LuceneStoreOptions(
        dimension, fusion, candidates, value, bm25K1, bm25B, bm25Fields, ramBufferMb);
  }

  /** A copy with BM25 {@code k1} and {@code b} replaced. */
  public LuceneStoreOptions withBm25(float k1, float b) {
    return new LuceneStoreOptions(
        dimension, fusion, candidates, collapseOverfetch, k1, b, bm25Fields, ramBufferMb);
  }

  /** A copy with {@link #bm25Fields()} replaced. */
  public LuceneStoreOptions withBm25Fields(Bm25Fields value) {
    return new LuceneStoreOptions(
        dimension, fusion, candidates, collapseOverfetch, bm25K1, bm25B, value, ramBufferMb);
  }

  /** A copy with {@link #ramBufferMb()} replaced. */
  public LuceneStoreOptions withRamBufferMb(double value) {
    return new LuceneStoreOptions(
        dimension, fusion, candidates, collapseOverfetch, bm25K1, bm25B, bm25Fields, value);
  }

  private static void require(boolean ok, String name, Object value, String expected) {
    if (!ok) {
      throw new IllegalArgumentException(
          "LuceneStoreOptions." + name + " must be " + expected + ", was " + value);
    }
  }
}
