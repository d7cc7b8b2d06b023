package io.ragstream.job.store;

import static io.ragstream.job.config.ClusterJobOptions.QDRANT_ALIAS;
import static io.ragstream.job.config.ClusterJobOptions.QDRANT_API_KEY;
import static io.ragstream.job.config.ClusterJobOptions.QDRANT_BATCH_SIZE;
import static io.ragstream.job.config.ClusterJobOptions.QDRANT_BM25_AVG_LENGTH;
import static io.ragstream.job.config.ClusterJobOptions.QDRANT_BM25_B;
import static io.ragstream.job.config.ClusterJobOptions.QDRANT_BM25_K1;
import static io.ragstream.job.config.ClusterJobOptions.QDRANT_COLLECTION;
import static io.ragstream.job.config.ClusterJobOptions.QDRANT_MAX_IN_FLIGHT;
import static io.ragstream.job.config.ClusterJobOptions.QDRANT_PREFIX;
import static io.ragstream.job.config.ClusterJobOptions.QDRANT_RETRY_INITIAL_BACKOFF;
import static io.ragstream.job.config.ClusterJobOptions.QDRANT_RETRY_MAX_ATTEMPTS;
import static io.ragstream.job.config.ClusterJobOptions.QDRANT_RETRY_MAX_BACKOFF;
import static io.ragstream.job.config.ClusterJobOptions.QDRANT_TIMEOUT;
import static io.ragstream.job.config.ClusterJobOptions.QDRANT_URL;
import static io.ragstream.job.config.ClusterJobOptions.QDRANT_WAIT;

import io.ragstream.core.error.ConfigException;
import io.ragstream.core.port.VectorStore;
import io.ragstream.embedding.Embedders;
import io.ragstream.processors.config.IndexingOptions;
import io.ragstream.processors.indexing.ComponentFactory;
import io.ragstream.store.qdrant.ApiKey;
import io.ragstream.store.qdrant.QdrantStoreConfig;
import io.ragstream.store.qdrant.QdrantVectorStore;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;

/**
 * Opens a {@link QdrantVectorStore} inside each store-sink subtask, from the {@code
 * ragstream.store.qdrant.*} options of {@link io.ragstream.job.config.ClusterJobOptions} and the
 * embedder of {@code ragstream.embedder} (its id and dimension become the collection's).
 *
 * <p>Lives in indexing-job rather than stream-processors so that the Flink jobs module does not
 * depend on the Qdrant client (gRPC, protobuf, Guava); only the deployable jar bundles both stores.
 *
 * <p>Serializable: it ships only the option strings with the job graph, not a {@link
 * QdrantStoreConfig} or a client; {@link #fromConfiguration} validates them on the client, before
 * the job is submitted.
 */
public final class QdrantStoreFactory implements ComponentFactory<VectorStore> {
  private static final long serialVersionUID = 1L;

  /** The {@code ragstream.store.qdrant.*} entries and {@code ragstream.embedder}, as given. */
  private final HashMap<String, String> options;

  private QdrantStoreFactory(HashMap<String, String> options) {
    this.options = options;
  }

  /**
   * The factory for the Qdrant options of {@code conf}, validated now.
   *
   * @throws IllegalArgumentException naming the option that is missing ({@code
   *     ragstream.store.qdrant.url}), cannot be parsed or is invalid (the {@link QdrantStoreConfig}
   *     key with the {@value io.ragstream.job.config.ClusterJobOptions#QDRANT_PREFIX} prefix), or
   *     when {@code ragstream.embedder} is unknown
   */
  public static QdrantStoreFactory fromConfiguration(Configuration conf) {
    HashMap<String, String> options = new HashMap<>();
    for (Map.Entry<String, String> e : conf.toMap().entrySet()) {
      if (e.getKey().startsWith(QDRANT_PREFIX + "qdrant.")
          || e.getKey().equals(IndexingOptions.EMBEDDER.key())) {
        options.put(e.getKey(), e.getValue());
      }
    }
    QdrantStoreFactory factory = new QdrantStoreFactory(options);
    factory.config();
    return factory;
  }

  /**
   * The validated store config these options describe.
   *
   * @throws IllegalArgumentException as {@link #fromConfiguration}
   */
  public QdrantStoreConfig config() {
    Configuration conf = Configuration.fromMap(options);
    String url =
        conf.getOptional(QDRANT_URL)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "missing option "
                            + QDRANT_URL.key()
                            + " (ragstream.store.kind is qdrant)"));
    String embedder = conf.get(IndexingOptions.EMBEDDER);
    String alias = conf.get(QDRANT_ALIAS);
    try {
      return QdrantStoreConfig.builder()
          .url(url)
          .apiKey(ApiKey.of(conf.get(QDRANT_API_KEY)))
          .collection(conf.get(QDRANT_COLLECTION))
          .alias(alias == null || alias.isEmpty() ? null : alias)
          .embedder(Embedders.id(embedder))
          .dimension(Embedders.dimension(embedder))
          .batchSize(conf.get(QDRANT_BATCH_SIZE))
          .maxInFlight(conf.get(QDRANT_MAX_IN_FLIGHT))
          .timeout(conf.get(QDRANT_TIMEOUT))
          .waitForIndexing(conf.get(QDRANT_WAIT))
          .bm25(conf.get(QDRANT_BM25_K1), conf.get(QDRANT_BM25_B))
          .bm25AvgLength(conf.get(QDRANT_BM25_AVG_LENGTH))
          .retry(
              conf.get(QDRANT_RETRY_MAX_ATTEMPTS),
              conf.get(QDRANT_RETRY_INITIAL_BACKOFF),
              conf.get(QDRANT_RETRY_MAX_BACKOFF))
          .build();
    } catch (ConfigException e) {
      throw new IllegalArgumentException(
          "invalid option " + QDRANT_PREFIX + e.key() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Connects to Qdrant and bootstraps the collection ({@link QdrantVectorStore#open}); one store
   * (and gRPC channel) per sink subtask, closed by the sink.
   *
   * <p>The store writes the <b>collection</b> itself, never through the alias: the alias is only
   * created (pointing at the collection) when missing, for readers. A reindex switches the alias to
   * another generation's collection while this job keeps running as the standby; writing through
   * the alias would then put this job's vectors, made with its own model, into the new model's
   * collection (docs/reindex.md).
   *
   * @throws io.ragstream.core.error.StoreException when the collection does not match the config
   * @throws io.ragstream.core.error.RetriableException when Qdrant stays unreachable
   */
  @Override
  public VectorStore create() {
    QdrantStoreConfig config = config();
    QdrantVectorStore store = QdrantVectorStore.open(config.toBuilder().alias(null).build());
    if (config.alias() != null) {
      try {
        store.collections().createAliasIfMissing(config.alias(), config.collection());
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
    }
    return store;
  }
}
