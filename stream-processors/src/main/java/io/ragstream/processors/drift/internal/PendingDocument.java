package io.ragstream.processors.drift.internal;

/**
 * The chunk embeddings of one document version received so far by {@link
 * io.ragstream.processors.drift.DocumentEmbeddingFunction} (Flink keyed state, a Flink POJO).
 */
public class PendingDocument {
  /** The document version the chunks belong to. */
  public long version;

  /** Chunks the version has. */
  public int chunkCount;

  /** Chunks received. */
  public int received;

  /** Component-wise sum of the received chunk vectors. */
  public double[] sum;

  /** Latest embedding time of the received chunks, epoch ms. */
  public long at;

  public PendingDocument() {}
}
