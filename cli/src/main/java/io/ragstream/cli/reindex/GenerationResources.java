package io.ragstream.cli.reindex;

import io.ragstream.gateway.index.ServingIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closing what an opened index generation holds (its store and query embedder). */
final class GenerationResources {
  private static final Logger LOG = LoggerFactory.getLogger(GenerationResources.class);

  private GenerationResources() {}

  /**
   * What releases {@code g} once no search holds it: closes its store, then its query embedder; a
   * failure is logged, never thrown.
   */
  static AutoCloseable release(ServingIndex.Generation g) {
    return () -> {
      closeQuietly(g.store());
      closeQuietly(g.embedder());
    };
  }

  /** Closes {@code c}, logging a failure (and keeping an interrupt). */
  static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      LOG.warn("closing {} failed: {}", c, e.toString());
    }
  }
}
