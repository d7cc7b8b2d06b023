package io.ragstream.trainer.adapter;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One labelled (query, relevant document) pair for the query adapter, with what the query retrieved
 * (the hard-negative candidates). Built from a {@link io.ragstream.core.event.QueryEvent} joined
 * with a relevant {@link io.ragstream.core.event.FeedbackEvent} on {@code queryId} ({@link
 * FeedbackJoin}), or from BEIR qrels in the bench.
 *
 * @param queryId the query's id; pairs of one query share it; never blank
 * @param queryText the query text (used by hybrid evaluation); never blank
 * @param queryEmbedding the base (un-adapted) query embedding, finite, non-empty; copied
 * @param relevantDocumentId the document judged relevant; never blank
 * @param retrievedDocumentIds the documents the query retrieved, best first (may hold the relevant
 *     one); never null
 */
public record TrainingPair(
    String queryId,
    String queryText,
    float[] queryEmbedding,
    String relevantDocumentId,
    List<String> retrievedDocumentIds) {
  public TrainingPair {
    requireNotBlank("queryId", queryId);
    requireNotBlank("queryText", queryText);
    Objects.requireNonNull(queryEmbedding, "queryEmbedding");
    if (queryEmbedding.length == 0) throw new IllegalArgumentException("queryEmbedding is empty");
    for (int i = 0; i < queryEmbedding.length; i++) {
      if (!Float.isFinite(queryEmbedding[i])) {
        throw new IllegalArgumentException(
            "queryEmbedding[" + i + "] of query " + queryId + " is not finite");
      }
    }
    queryEmbedding = queryEmbedding.clone();
    requireNotBlank("relevantDocumentId", relevantDocumentId);
    retrievedDocumentIds = List.copyOf(retrievedDocumentIds);
  }

  /** A copy of the base query embedding. */
  @Override
  public float[] queryEmbedding() {
    return queryEmbedding.clone();
  }

  /** The embedding without a copy, for the trainer's inner loops. */
  float[] embeddingRef() {
    return queryEmbedding;
  }

  /** This pair with another relevant document (the shuffled-label control of the bench). */
  public TrainingPair withRelevantDocumentId(String documentId) {
    return new TrainingPair(queryId, queryText, queryEmbedding, documentId, retrievedDocumentIds);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrainingPair p
        && queryId.equals(p.queryId)
        && queryText.equals(p.queryText)
        && Arrays.equals(queryEmbedding, p.queryEmbedding)
        && relevantDocumentId.equals(p.relevantDocumentId)
        && retrievedDocumentIds.equals(p.retrievedDocumentIds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(queryId, queryText, relevantDocumentId, retrievedDocumentIds) * 31
        + Arrays.hashCode(queryEmbedding);
  }

  @Override
  public String toString() {
    return "TrainingPair["
        + queryId
        + " -> "
        + relevantDocumentId
        + ", retrieved="
        + retrievedDocumentIds.size()
        + "]";
  }

  private static void requireNotBlank(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
  }
}
