package io.ragstream.job.config;

import io.ragstream.store.qdrant.QdrantStoreConfig;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * Typed options of the cluster deployment of the indexing job ({@code IndexingJobMain}), beside the
 * job's own {@code IndexingOptions} and {@code DriftOptions} of stream-processors: which vector
 * store, Qdrant's address and settings, drift detection on or off, parallelism.
 *
 * <p>Every Qdrant option is {@code ragstream.store.} + the key {@link QdrantStoreConfig} validates
 * (e.g. {@code ragstream.store.qdrant.batch-size} for {@code qdrant.batch-size}; see
 * docs/qdrant.md), so an error of the config names the option to fix. The embedder id and the
 * vector dimension of the collection are not options: they follow {@code ragstream.embedder}.
 */
public final class ClusterJobOptions {
  private ClusterJobOptions() {}

  /** The prefix that turns a {@link QdrantStoreConfig} key into an option key. */
  public static final String QDRANT_PREFIX = "ragstream.store.";

  /** Where the indexed chunks go. */
  public enum StoreKind {
    /** The embedded Lucene index in {@code ragstream.store.lucene.path}. */
    LUCENE,
    /** A Qdrant collection at {@link #QDRANT_URL}. */
    QDRANT
  }

  public static final ConfigOption<StoreKind> STORE_KIND =
      ConfigOptions.key("ragstream.store.kind")
          .enumType(StoreKind.class)
          .defaultValue(StoreKind.LUCENE)
          .withDescription(
              "The vector store: lucene (needs ragstream.store.lucene.path) or qdrant (needs"
                  + " ragstream.store.qdrant.url).");

  public static final ConfigOption<Boolean> DRIFT_ENABLED =
      ConfigOptions.key("ragstream.drift.enabled")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Attach the drift job (document, query and quality drift, DriftOptions) to the"
                  + " indexing job's graph; its topics must exist before the job starts.");

  public static final ConfigOption<Integer> PARALLELISM =
      ConfigOptions.key("ragstream.indexing.parallelism")
          .intType()
          .defaultValue(1)
          .withDescription(
              "Parallelism of source, chunk/embed and store sink. Lucene: every subtask must run in"
                  + " one TaskManager (one index per JVM), so keep 1 or use one TaskManager.");

  public static final ConfigOption<String> QDRANT_URL =
      ConfigOptions.key(QDRANT_PREFIX + "qdrant.url")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "http(s)://host[:port] of Qdrant's gRPC endpoint (port 6334 if absent).");

  public static final ConfigOption<String> QDRANT_API_KEY =
      ConfigOptions.key(QDRANT_PREFIX + "qdrant.api-key")
          .stringType()
          .noDefaultValue()
          .withDescription("API key sent as the api-key header; unset without authentication.");

  public static final ConfigOption<String> QDRANT_COLLECTION =
      ConfigOptions.key(QDRANT_PREFIX + "qdrant.collection")
          .stringType()
          .defaultValue(QdrantStoreConfig.DEFAULT_COLLECTION)
          .withDescription("The physical collection, created when missing.");

  public static final ConfigOption<String> QDRANT_ALIAS =
      ConfigOptions.key(QDRANT_PREFIX + "qdrant.alias")
          .stringType()
          .defaultValue(QdrantStoreConfig.DEFAULT_ALIAS)
          .withDescription(
              "The alias created to point at the collection when missing, for readers; the job"
                  + " always writes the collection itself, so a reindex's alias switch never"
                  + " redirects its writes (docs/reindex.md); empty = no alias.");

  public static final ConfigOption<Integer> QDRANT_BATCH_SIZE =
      ConfigOptions.key(QDRANT_PREFIX + "qdrant.batch-size")
          .intType()
          .defaultValue(QdrantStoreConfig.DEFAULT_BATCH_SIZE)
          .withDescription("Points per upsert request.");

  public static final ConfigOption<Integer> QDRANT_MAX_IN_FLIGHT =
      ConfigOptions.key(QDRANT_PREFIX + "qdrant.max-in-flight")
          .intType()
          .defaultValue(QdrantStoreConfig.DEFAULT_MAX_IN_FLIGHT)
          .withDescription("Upsert requests in flight at once per store instance.");

  public static final ConfigOption<Duration> QDRANT_TIMEOUT =
      ConfigOptions.key(QDRANT_PREFIX + "qdrant.timeout")
          .durationType()
          .defaultValue(QdrantStoreConfig.DEFAULT_TIMEOUT)
          .withDescription("Deadline of each gRPC call.");

  public static final ConfigOption<Boolean> QDRANT_WAIT =
      ConfigOptions.key(QDRANT_PREFIX + "qdrant.wait")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Qdrant's wait for chunk upserts of documents larger than one batch (the state point"
                  + " always waits).");

  public static final ConfigOption<Float> QDRANT_BM25_K1 =
      ConfigOptions.key(QDRANT_PREFIX + "qdrant.bm25-k1")
          .floatType()
          .defaultValue(QdrantStoreConfig.DEFAULT_BM25_K1)
          .withDescription("BM25 k1 of the sparse vectors written; the gateway must use the same.");

  public static final ConfigOption<Float> QDRANT_BM25_B =
      ConfigOptions.key(QDRANT_PREFIX + "qdrant.bm25-b")
          .floatType()
          .defaultValue(QdrantStoreConfig.DEFAULT_BM25_B)
          .withDescription("BM25 b of the sparse vectors written; the gateway must use the same.");

  public static final ConfigOption<Double> QDRANT_BM25_AVG_LENGTH =
      ConfigOptions.key(QDRANT_PREFIX + "qdrant.bm25-avg-length")
          .doubleType()
          .defaultValue(QdrantStoreConfig.DEFAULT_BM25_AVG_LENGTH)
          .withDescription("Average analyzed length assumed by BM25's length normalization.");

  public static final ConfigOption<Integer> QDRANT_RETRY_MAX_ATTEMPTS =
      ConfigOptions.key(QDRANT_PREFIX + "qdrant.retry.max-attempts")
          .intType()
          .defaultValue(QdrantStoreConfig.DEFAULT_RETRY_MAX_ATTEMPTS)
          .withDescription("Attempts of a call that fails retriably.");

  public static final ConfigOption<Duration> QDRANT_RETRY_INITIAL_BACKOFF =
      ConfigOptions.key(QDRANT_PREFIX + "qdrant.retry.initial-backoff")
          .durationType()
          .defaultValue(QdrantStoreConfig.DEFAULT_RETRY_INITIAL_BACKOFF)
          .withDescription("Backoff before the second attempt.");

  public static final ConfigOption<Duration> QDRANT_RETRY_MAX_BACKOFF =
      ConfigOptions.key(QDRANT_PREFIX + "qdrant.retry.max-backoff")
          .durationType()
          .defaultValue(QdrantStoreConfig.DEFAULT_RETRY_MAX_BACKOFF)
          .withDescription("Upper bound of one backoff.");
}
