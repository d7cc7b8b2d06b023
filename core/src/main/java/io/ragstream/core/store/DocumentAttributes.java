package io.ragstream.core.store;

import java.util.List;
import java.util.Map;

/**
 * Per-document payload shared by all its points that can change without re-embedding.
 *
 * @param title title, may be null
 * @param tenant tenant, may be null
 * @param acl principals allowed to read; never null
 * @param metadata extra columns; never null
 */
public record DocumentAttributes(
    String title, String tenant, List<String> acl, Map<String, String> metadata) {
  public DocumentAttributes {
    acl = acl == null ? List.of() : List.copyOf(acl);
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}
