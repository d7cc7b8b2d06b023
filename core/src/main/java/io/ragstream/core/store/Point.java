package io.ragstream.core.store;

import java.util.Objects;
import java.util.UUID;

/**
 * One chunk of a document with its dense vector (the DESIGN "point").
 *
 * @param id deterministic id, {@link io.ragstream.core.model.PointId#of}
 * @param chunkIndex 0-based chunk position
 * @param chunkCount number of chunks of the document version
 * @param text chunk text
 * @param start inclusive start offset in the body (UTF-16 chars)
 * @param end exclusive end offset in the body
 * @param vector L2-normalized dense vector
 * @param embedder model id + revision that produced {@code vector}
 */
public record Point(
    UUID id,
    int chunkIndex,
    int chunkCount,
    String text,
    int start,
    int end,
    float[] vector,
    String embedder) {
  public Point {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(vector, "vector");
    Objects.requireNonNull(embedder, "embedder");
    if (chunkIndex < 0 || chunkIndex >= chunkCount) {
      throw new IllegalArgumentException(
          "chunkIndex " + chunkIndex + " not in [0," + chunkCount + ")");
    }
  }
}
