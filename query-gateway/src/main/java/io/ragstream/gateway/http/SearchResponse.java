package io.ragstream.gateway.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.UUID;

/**
 * The {@code 200} body of {@code POST /v1/search}.
 *
 * <pre>{@code
 * {"queryId": "5f0c...", "query": "...", "mode": "hybrid", "k": 10,
 *  "embedder": "bge-small-en-v1.5-q@langchain4j-embeddings-1.20.0-beta30", "adapter": "base",
 *  "fusion": "convex(alpha=0.6)",
 *  "hits": [{"documentId": "pg:public.documents:42", "chunk": 0, "pointId": "...", "score": 0.032,
 *            "title": "...", "text": "...", "version": 123}],
 *  "asOf": "2025-01-01T12:00:00Z",
 *  "timings": {"embedMs": 11.8, "searchMs": 0.6, "totalMs": 12.9},
 *  "index": {"generation": 2, "embedder": "e5-small-v2-q@langchain4j-embeddings-1.17.0-beta27"}}
 * }</pre>
 *
 * @param queryId random id of this search, referred to by feedback
 * @param query the query text as received
 * @param mode {@code dense}, {@code bm25} or {@code hybrid}
 * @param k the number of hits asked for (there may be fewer)
 * @param embedder id of the model that embedded the query (null for bm25)
 * @param adapter id of the query adapter applied to the embedding ({@code base} for none; null for
 *     bm25)
 * @param fusion the fusion applied ({@code rrf(k=60)}, {@code convex(alpha=0.7)}), null unless
 *     hybrid
 * @param hits best first
 * @param asOf ISO-8601 instant of the newest source commit the index has applied (the index's
 *     freshness), or null while the index is empty
 * @param timings where the time went
 * @param index the index generation that answered (docs/reindex.md); during a reindex switch each
 *     response comes entirely from one generation
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record SearchResponse(
    UUID queryId,
    String query,
    String mode,
    int k,
    String embedder,
    String adapter,
    String fusion,
    List<Hit> hits,
    String asOf,
    Timings timings,
    Index index) {

  public SearchResponse {
    hits = List.copyOf(hits);
  }

  /**
   * One retrieved chunk.
   *
   * @param documentId source-qualified document id
   * @param chunk 0-based chunk index in the document
   * @param pointId the chunk's point id
   * @param score mode-specific, higher is better: cosine (dense), BM25 score, or the fused score
   *     (hybrid)
   * @param title document title, null when the document has none
   * @param text chunk text
   * @param version document version the chunk belongs to
   */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Hit(
      String documentId,
      int chunk,
      UUID pointId,
      double score,
      String title,
      String text,
      long version) {}

  /**
   * Wall-clock milliseconds (microsecond resolution).
   *
   * @param embedMs embedding the query (0 for bm25)
   * @param searchMs the vector-store search
   * @param totalMs from the parsed request to the response, including the wait for a worker thread
   */
  public record Timings(double embedMs, double searchMs, double totalMs) {}

  /**
   * The index generation that answered.
   *
   * @param generation the generation number (1 = the first index; a reindex adds one)
   * @param embedder id of the model the generation's index was built with (also for bm25, where no
   *     query was embedded)
   */
  public record Index(int generation, String embedder) {}
}
