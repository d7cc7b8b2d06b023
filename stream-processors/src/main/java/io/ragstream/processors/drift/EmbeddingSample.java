package io.ragstream.processors.drift;

import io.ragstream.core.event.DriftEvent;
import java.util.Objects;

/**
 * One embedding on its way to {@link EmbeddingDriftFunction}: a chunk vector from the indexer
 * ({@link DriftEvent.Kind#DOCUMENTS}) or a query vector from the gateway ({@link
 * DriftEvent.Kind#QUERIES}).
 *
 * @param kind {@code DOCUMENTS} or {@code QUERIES}
 * @param embedder model id + revision that produced the vector; never blank. Embeddings of
 *     different models are never compared with each other
 * @param vector the embedding (the model's dimension); not copied, do not modify
 * @param at when it was produced, epoch ms
 */
public record EmbeddingSample(DriftEvent.Kind kind, String embedder, float[] vector, long at) {

  public EmbeddingSample {
    Objects.requireNonNull(kind, "kind");
    if (kind == DriftEvent.Kind.QUALITY) {
      throw new IllegalArgumentException("kind must be DOCUMENTS or QUERIES, was QUALITY");
    }
    if (embedder == null || embedder.isBlank()) {
      throw new IllegalArgumentException("embedder must not be blank");
    }
    Objects.requireNonNull(vector, "vector");
  }

  /** The key the drift function is keyed by: one series per kind and embedder. */
  public String key() {
    return kind + "|" + embedder;
  }
}
