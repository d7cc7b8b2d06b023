package io.ragstream.cli.platform;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.StoreSettings;
import io.ragstream.core.error.ConfigException;
import io.ragstream.core.error.StoreException;
import io.ragstream.core.port.VectorStore;
import io.ragstream.store.lucene.LuceneStoreOptions;
import io.ragstream.store.lucene.LuceneVectorStore;
import io.ragstream.store.qdrant.QdrantVectorStore;
import java.nio.file.Files;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens the vector store {@link StoreSettings} name, as the processes of each mode need it. */
public final class Stores {
  private static final Logger LOG = LoggerFactory.getLogger(Stores.class);
  private static final Duration POLL = Duration.ofMillis(500);

  private Stores() {}

  /**
   * Fails unless {@code config} can run as {@code ragstream local}: one JVM whose indexing job
   * writes the Lucene index in {@code <data-dir>/index}. Qdrant is served by the distributed
   * processes only (the local job writes Lucene).
   *
   * @throws ConfigException naming {@code store.kind} or {@code store.lucene.path}
   */
  public static void requireLocal(LocalConfig config) {
    StoreSettings store = config.store();
    if (store.kind() != StoreSettings.Kind.LUCENE) {
      throw new ConfigException(
          "store.kind",
          "'qdrant' is not supported by ragstream local (its indexing job writes the embedded"
              + " Lucene index); run ragstream ingest | gateway | trainer and the Flink job for"
              + " Qdrant (docs/distributed.md)");
    }
    if (!store.lucenePath().equals(config.dataDir().resolve("index"))) {
      throw new ConfigException(
          "store.lucene.path",
          "'"
              + store.lucenePath()
              + "' is not used by ragstream local, which keeps its index in <data-dir>/index ("
              + config.dataDir().resolve("index")
              + "); unset it or set data-dir instead");
    }
  }

  /**
   * Opens the store for a process that reads it while another process writes it (the distributed
   * gateway and trainer).
   *
   * <ul>
   *   <li>Lucene: {@link LuceneVectorStore#openReadOnly} on {@code store.lucene.path}, waiting up
   *       to {@code wait} for the writer's first commit; reads then see each commit the indexing
   *       job makes on its checkpoints (no write lock is taken).
   *   <li>Qdrant: {@link QdrantVectorStore#open} on {@code store.qdrant.*} for the embedder {@code
   *       embedderId} with {@code dimension}-d vectors; creates the collection and alias when
   *       missing and refuses a collection of another embedder.
   * </ul>
   *
   * @throws ConfigException naming {@code store.lucene.path} when no index appears there in time
   * @throws StoreException when the store cannot be opened
   * @throws InterruptedException when interrupted while waiting
   */
  public static VectorStore openReader(
      StoreSettings store,
      LuceneStoreOptions options,
      String embedderId,
      int dimension,
      Duration wait)
      throws InterruptedException {
    if (store.kind() == StoreSettings.Kind.QDRANT) {
      return QdrantVectorStore.open(store.qdrantFor(embedderId, dimension));
    }
    long deadline = System.nanoTime() + wait.toNanos();
    boolean logged = false;
    while (true) {
      if (Files.isDirectory(store.lucenePath())) {
        try {
          return LuceneVectorStore.openReadOnly(store.lucenePath(), options);
        } catch (StoreException e) {
          if (System.nanoTime() - deadline > 0) {
            throw new ConfigException(
                "store.lucene.path",
                "no readable Lucene index at '"
                    + store.lucenePath()
                    + "' after "
                    + wait.toSeconds()
                    + "s ("
                    + e.getMessage()
                    + "); it must be the directory the indexing job writes"
                    + " (ragstream.store.lucene.path), and the job must have checkpointed once");
          }
        }
      } else if (System.nanoTime() - deadline > 0) {
        throw new ConfigException(
            "store.lucene.path",
            "'"
                + store.lucenePath()
                + "' does not exist after "
                + wait.toSeconds()
                + "s; it must be the directory the indexing job writes"
                + " (ragstream.store.lucene.path)");
      }
      if (!logged) {
        LOG.info(
            "Waiting up to {}s for the indexing job's first commit in {}",
            wait.toSeconds(),
            store.lucenePath());
        logged = true;
      }
      Thread.sleep(POLL.toMillis());
    }
  }
}
