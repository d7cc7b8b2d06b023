package io.ragstream.trainer.adapter;

import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.QueryEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Joins {@link QueryEvent}s with {@link FeedbackEvent}s on {@code queryId} into training pairs.
 *
 * <p>Rules: only queries with an embedding of {@code embedder} count (bm25 queries and queries
 * embedded by another model are skipped, since their embedding is not the adapter's input); for one
 * (query, document), the latest feedback in input order wins, so a later {@code relevant=false}
 * retracts an earlier {@code true}; a pair is kept when that latest judgement is {@code
 * relevant=true}. Pairs come out in the order of their latest feedback. A feedback without its
 * query is skipped (counted in {@link Result#orphanFeedback()}).
 */
public final class FeedbackJoin {
  private FeedbackJoin() {}

  /**
   * The outcome of a join.
   *
   * @param pairs the training pairs
   * @param orphanFeedback feedback events whose query was not found
   * @param otherEmbedder relevant judgements of queries without an embedding of the embedder
   */
  public record Result(List<TrainingPair> pairs, int orphanFeedback, int otherEmbedder) {
    public Result {
      pairs = List.copyOf(pairs);
    }
  }

  /** Joins {@code queries} and {@code feedback} (each in topic order) for {@code embedder}. */
  public static Result join(
      Iterable<QueryEvent> queries, Iterable<FeedbackEvent> feedback, String embedder) {
    Objects.requireNonNull(embedder, "embedder");
    Map<String, QueryEvent> byId = new LinkedHashMap<>();
    for (QueryEvent q : queries) byId.put(q.queryId(), q);
    Map<String, FeedbackEvent> latest = new LinkedHashMap<>();
    for (FeedbackEvent f : feedback) {
      String key = f.queryId() + "\u0000" + f.documentId();
      latest.remove(key); // re-insert: order of the latest judgement
      latest.put(key, f);
    }
    List<TrainingPair> pairs = new ArrayList<>();
    int orphans = 0;
    int other = 0;
    for (FeedbackEvent f : latest.values()) {
      QueryEvent q = byId.get(f.queryId());
      if (q == null) {
        orphans++;
        continue;
      }
      if (!f.relevant()) continue;
      if (q.embedding() == null || !embedder.equals(q.embedder())) {
        other++;
        continue;
      }
      pairs.add(
          new TrainingPair(q.queryId(), q.query(), q.embedding(), f.documentId(), q.documentIds()));
    }
    return new Result(pairs, orphans, other);
  }
}
