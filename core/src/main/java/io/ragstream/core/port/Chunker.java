package io.ragstream.core.port;

import io.ragstream.core.model.Chunk;
import java.util.List;

/**
 * Splits a document body into chunks.
 *
 * <p>Deterministic: the same text and settings always give the same chunks, which keeps point ids
 * stable across replays. An empty or blank body gives no chunk. Thread-safe.
 */
public interface Chunker {

  /**
   * The chunks of {@code body} (null counts as empty), in order, with offsets into {@code body}.
   */
  List<Chunk> chunk(String body);

  /** A stable description of the settings, part of the content hash (a change re-embeds). */
  String settingsId();
}
