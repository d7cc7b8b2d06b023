package io.ragstream.trainer.adapter;

import io.ragstream.core.adapter.LoraAdapter;
import io.ragstream.core.eval.RetrievalEvaluation;
import io.ragstream.core.eval.RetrievalMetrics;
import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Scores a query transform (an adapter, or the identity for the base model) on labelled pairs by
 * real retrieval through the {@link VectorStore} port: each query's (adapted) embedding is searched
 * top-{@value #K}, documents collapsed (each document once, ranked by its best chunk), and the
 * ranking is scored with {@link RetrievalMetrics} (nDCG@10 as in BEIR with grade 1 per relevant
 * pair; MRR@10). Queries are grouped by {@link TrainingPair#queryId()}.
 *
 * <p>Thread-safe if the store is; blocks on the store's searches (about 1 ms each on Lucene).
 */
public final class HeldOutEvaluator {
  /** Depth of each search: the metrics' cutoff. */
  public static final int K = 10;

  private static final RetrievalMetrics METRICS = RetrievalMetrics.atCutoffs(K);

  private final VectorStore store;
  private final SearchMode mode;
  private final SearchFilter filter;

  /**
   * @param mode {@link SearchMode#DENSE} or {@link SearchMode#HYBRID} (the adapter changes only the
   *     dense side)
   * @param filter visibility filter of every search ({@link SearchFilter#NONE} for the trainer's
   *     trusted, tenant-wide evaluation)
   */
  public HeldOutEvaluator(VectorStore store, SearchMode mode, SearchFilter filter) {
    this.store = Objects.requireNonNull(store, "store");
    this.mode = Objects.requireNonNull(mode, "mode");
    if (mode == SearchMode.BM25) {
      throw new IllegalArgumentException("BM25 does not use the query embedding");
    }
    this.filter = Objects.requireNonNull(filter, "filter");
  }

  /** Dense retrieval without a filter. */
  public static HeldOutEvaluator dense(VectorStore store) {
    return new HeldOutEvaluator(store, SearchMode.DENSE, SearchFilter.NONE);
  }

  /** The retrieval mode. */
  public SearchMode mode() {
    return mode;
  }

  /** Evaluates {@code adapter}, or the base model when it is null. */
  public RetrievalEvaluation evaluate(List<TrainingPair> pairs, LoraAdapter adapter) {
    return evaluate(pairs, adapter == null ? UnaryOperator.identity() : adapter::apply);
  }

  /**
   * Evaluates {@code transform} (base embedding → searched embedding) on {@code pairs}.
   *
   * @return per-query nDCG@10 and MRR@10 and their means; empty when {@code pairs} is
   */
  public RetrievalEvaluation evaluate(List<TrainingPair> pairs, UnaryOperator<float[]> transform) {
    Map<String, Map<String, Integer>> qrels = PairSplit.qrels(pairs);
    Map<String, TrainingPair> first = new LinkedHashMap<>();
    for (TrainingPair p : pairs) first.putIfAbsent(p.queryId(), p);
    Map<String, List<String>> run = new LinkedHashMap<>();
    for (TrainingPair p : first.values()) {
      run.put(p.queryId(), search(p.queryText(), transform.apply(p.embeddingRef())));
    }
    return METRICS.evaluate(qrels, run);
  }

  /** The collapsed top-{@value #K} document ids for one query vector. */
  List<String> search(String text, float[] vector) {
    List<SearchHit> hits = store.search(new SearchRequest(text, vector, K, mode, filter, true));
    List<String> ids = new ArrayList<>(hits.size());
    for (SearchHit h : hits) ids.add(h.documentId());
    return ids;
  }
}
