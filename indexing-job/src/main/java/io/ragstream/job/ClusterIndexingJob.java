package io.ragstream.job;

import io.ragstream.core.port.VectorStore;
import io.ragstream.embedding.Embedders;
import io.ragstream.job.config.ClusterJobOptions;
import io.ragstream.job.store.QdrantStoreFactory;
import io.ragstream.processors.config.IndexingOptions;
import io.ragstream.processors.drift.DriftJob;
import io.ragstream.processors.indexing.ComponentFactory;
import io.ragstream.processors.indexing.Components;
import io.ragstream.processors.indexing.DocumentIndexingJob;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The indexing job as deployed on a Flink cluster: {@link DocumentIndexingJob} built from {@link
 * IndexingOptions} with the store of {@link ClusterJobOptions#STORE_KIND} (Lucene or Qdrant) and,
 * when {@link ClusterJobOptions#DRIFT_ENABLED}, the {@link DriftJob} attached to its chunk
 * embeddings in the same job graph.
 */
public final class ClusterIndexingJob {
  private ClusterIndexingJob() {}

  /**
   * The job {@code conf} describes; every option is checked here, on the client, before anything is
   * submitted.
   *
   * @throws IllegalArgumentException naming the option that is missing or invalid
   */
  public static DocumentIndexingJob fromConfiguration(Configuration conf) {
    Configuration effective = withChunkLimit(conf);
    Duration checkpoints = effective.get(IndexingOptions.CHECKPOINT_INTERVAL);
    if (checkpoints.isZero() || checkpoints.isNegative()) {
      throw new IllegalArgumentException(
          IndexingOptions.CHECKPOINT_INTERVAL.key() + " must be positive, was " + checkpoints);
    }
    int parallelism = effective.get(ClusterJobOptions.PARALLELISM);
    if (parallelism < 1) {
      throw new IllegalArgumentException(
          ClusterJobOptions.PARALLELISM.key() + " must be at least 1, was " + parallelism);
    }
    DocumentIndexingJob.Builder builder =
        DocumentIndexingJob.builder(effective).store(store(effective)).parallelism(parallelism);
    if (effective.get(ClusterJobOptions.DRIFT_ENABLED)) {
      DriftJob drift =
          DriftJob.kafka(
              effective.get(IndexingOptions.BOOTSTRAP_SERVERS),
              effective.get(IndexingOptions.EMBEDDER),
              effective);
      builder.embeddedChunks(drift::addTo);
    }
    return builder.build();
  }

  /**
   * Adds the job to {@code env} and runs it (in a session cluster's web submission or {@code flink
   * run -d} this returns once the job is submitted). Checkpointing is enabled every {@link
   * IndexingOptions#CHECKPOINT_INTERVAL} unless the cluster configuration already enables it.
   */
  public static void run(
      DocumentIndexingJob job, Configuration conf, StreamExecutionEnvironment env)
      throws Exception {
    if (!env.getCheckpointConfig().isCheckpointingEnabled()) {
      env.enableCheckpointing(conf.get(IndexingOptions.CHECKPOINT_INTERVAL).toMillis());
    }
    job.run(env);
  }

  /**
   * The serializable factory of the store {@link ClusterJobOptions#STORE_KIND} names.
   *
   * @throws IllegalArgumentException naming the option that is missing or invalid
   */
  public static ComponentFactory<VectorStore> store(Configuration conf) {
    return switch (conf.get(ClusterJobOptions.STORE_KIND)) {
      case LUCENE ->
          Components.luceneStore(
              Path.of(
                  conf.getOptional(IndexingOptions.STORE_PATH)
                      .filter(p -> !p.isBlank())
                      .orElseThrow(
                          () ->
                              new IllegalArgumentException(
                                  "missing option "
                                      + IndexingOptions.STORE_PATH.key()
                                      + " (ragstream.store.kind is lucene)"))));
      case QDRANT -> QdrantStoreFactory.fromConfiguration(conf);
    };
  }

  /**
   * Checks the embedder name, and caps the chunk size at what the embedder reads when {@link
   * IndexingOptions#CHUNK_MAX_TOKENS} is not set; an explicit larger value is an error.
   */
  private static Configuration withChunkLimit(Configuration conf) {
    String embedder = conf.get(IndexingOptions.EMBEDDER);
    int limit;
    try {
      limit = Embedders.maxPassageTokens(embedder);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "invalid option " + IndexingOptions.EMBEDDER.key() + ": " + e.getMessage(), e);
    }
    Configuration effective = new Configuration(conf);
    if (!conf.contains(IndexingOptions.CHUNK_MAX_TOKENS)) {
      effective.set(
          IndexingOptions.CHUNK_MAX_TOKENS,
          Math.min(IndexingOptions.CHUNK_MAX_TOKENS.defaultValue(), limit));
    }
    int maxTokens = effective.get(IndexingOptions.CHUNK_MAX_TOKENS);
    if (maxTokens < 1 || maxTokens > limit) {
      throw new IllegalArgumentException(
          IndexingOptions.CHUNK_MAX_TOKENS.key()
              + " must be in [1, "
              + limit
              + "] for "
              + embedder
              + " (the tokens it reads), was "
              + maxTokens);
    }
    int overlap = effective.get(IndexingOptions.CHUNK_OVERLAP_TOKENS);
    if (overlap < 0 || overlap >= maxTokens) {
      throw new IllegalArgumentException(
          IndexingOptions.CHUNK_OVERLAP_TOKENS.key()
              + " must be in [0, "
              + IndexingOptions.CHUNK_MAX_TOKENS.key()
              + ") = [0, "
              + maxTokens
              + "), was "
              + overlap);
    }
    return effective;
  }
}
