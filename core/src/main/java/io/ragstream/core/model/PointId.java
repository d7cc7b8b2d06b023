package io.ragstream.core.model;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Deterministic point ids: a name-based UUID (RFC 4122 version 3, MD5) of {@code documentId + "#" +
 * chunkIndex}, so a replay writes the same points and Qdrant accepts the id as-is.
 */
public final class PointId {
  private PointId() {}

  /** The point id of chunk {@code chunkIndex} (>= 0) of {@code documentId}. */
  public static UUID of(String documentId, int chunkIndex) {
    if (chunkIndex < 0) throw new IllegalArgumentException("chunkIndex must be >= 0");
    return UUID.nameUUIDFromBytes((documentId + "#" + chunkIndex).getBytes(StandardCharsets.UTF_8));
  }
}
