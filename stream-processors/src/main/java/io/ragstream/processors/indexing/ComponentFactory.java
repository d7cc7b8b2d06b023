package io.ragstream.processors.indexing;

import java.io.Serializable;

/**
 * Creates a component (embedder, chunker, vector store) inside a Flink task, where it is opened in
 * {@code open()} rather than shipped with the job graph. Implementations must be serializable and
 * cheap to serialize (hold names and paths, not models).
 *
 * @param <T> the component type
 */
@FunctionalInterface
public interface ComponentFactory<T> extends Serializable {
  /**
   * Creates (or returns a shared) instance; the caller closes it if it is {@link AutoCloseable}.
   */
  T create();
}
