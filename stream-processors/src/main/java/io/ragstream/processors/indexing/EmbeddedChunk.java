package io.ragstream.processors.indexing;

import java.util.Objects;

/**
 * One chunk embedding as the indexer produced it for the vector store, emitted on the side output
 * {@link IndexingFunction#EMBEDDED_CHUNKS} so that other parts of the same Flink job (drift
 * detection) can use the vectors without embedding the corpus a second time. Only new embeddings
 * are emitted: an attribute-only change, a delete or a stale change emits none.
 *
 * @param documentId the chunk's document; never blank
 * @param version the document version the chunk belongs to
 * @param chunkIndex the chunk's index in its document, {@code >= 0}
 * @param chunkCount the number of chunks of this document version, {@code > chunkIndex}; all of
 *     them are emitted together, one after the other
 * @param vector the dense vector stored for the chunk (the embedder's dimension, L2-normalized);
 *     the array is the one handed to the store, so do not modify it
 * @param embedder model id + revision that produced the vector; never blank
 * @param embeddedAt when the indexer emitted the embedding, epoch ms, {@code >= 0}
 */
public record EmbeddedChunk(
    String documentId,
    long version,
    int chunkIndex,
    int chunkCount,
    float[] vector,
    String embedder,
    long embeddedAt) {

  public EmbeddedChunk {
    if (documentId == null || documentId.isBlank()) {
      throw new IllegalArgumentException("documentId must not be blank");
    }
    if (chunkIndex < 0) {
      throw new IllegalArgumentException("chunkIndex must be >= 0, was " + chunkIndex);
    }
    if (chunkCount <= chunkIndex) {
      throw new IllegalArgumentException(
          "chunkCount must be > chunkIndex (" + chunkIndex + "), was " + chunkCount);
    }
    Objects.requireNonNull(vector, "vector");
    if (embedder == null || embedder.isBlank()) {
      throw new IllegalArgumentException("embedder must not be blank");
    }
    if (embeddedAt < 0) {
      throw new IllegalArgumentException("embeddedAt must be >= 0, was " + embeddedAt);
    }
  }
}
