package io.ragstream.processors.config;

import io.ragstream.core.model.Topics;
import io.ragstream.processors.indexing.IndexingLimits;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;

/** Typed options of {@link io.ragstream.processors.indexing.DocumentIndexingJob}. */
public final class IndexingOptions {
  private IndexingOptions() {}

  public static final ConfigOption<String> BOOTSTRAP_SERVERS =
      ConfigOptions.key("ragstream.kafka.bootstrap-servers")
          .stringType()
          .noDefaultValue()
          .withDescription("Kafka bootstrap servers, host:port[,host:port].");

  public static final ConfigOption<String> CHANGES_TOPIC =
      ConfigOptions.key("ragstream.indexing.changes-topic")
          .stringType()
          .defaultValue(Topics.CHANGES)
          .withDescription("Topic of DocumentChange events.");

  public static final ConfigOption<String> DLQ_TOPIC =
      ConfigOptions.key("ragstream.indexing.dlq-topic")
          .stringType()
          .defaultValue(Topics.DLQ)
          .withDescription("Dead-letter topic.");

  public static final ConfigOption<String> INDEXED_TOPIC =
      ConfigOptions.key("ragstream.indexing.indexed-topic")
          .stringType()
          .defaultValue(Topics.INDEXED)
          .withDescription("Topic of freshness telemetry, one IndexedEvent per applied change.");

  public static final ConfigOption<String> GROUP_ID =
      ConfigOptions.key("ragstream.indexing.group-id")
          .stringType()
          .defaultValue("ragstream-indexer")
          .withDescription("Kafka consumer group; offsets are committed on checkpoints.");

  public static final ConfigOption<String> STORE_PATH =
      ConfigOptions.key("ragstream.store.lucene.path")
          .stringType()
          .noDefaultValue()
          .withDescription("Directory of the embedded Lucene index.");

  public static final ConfigOption<String> EMBEDDER =
      ConfigOptions.key("ragstream.embedder")
          .stringType()
          .defaultValue("bge-small-en-v1.5-q")
          .withDescription("Embedding model name.");

  public static final ConfigOption<Integer> CHUNK_MAX_TOKENS =
      ConfigOptions.key("ragstream.chunk.max-tokens")
          .intType()
          .defaultValue(400)
          .withDescription("Maximum tokens per chunk (model tokens, without special tokens).");

  public static final ConfigOption<Integer> CHUNK_OVERLAP_TOKENS =
      ConfigOptions.key("ragstream.chunk.overlap-tokens")
          .intType()
          .defaultValue(40)
          .withDescription("Tokens shared by consecutive chunks.");

  public static final ConfigOption<MemorySize> MAX_BODY_SIZE =
      ConfigOptions.key("ragstream.indexing.max-body-size")
          .memoryType()
          .defaultValue(new MemorySize(IndexingLimits.DEFAULT_MAX_BODY_BYTES))
          .withDescription(
              "Largest body (UTF-8) that is indexed; a larger one goes to the DLQ as"
                  + " body_too_large and the document's earlier version is withdrawn.");

  public static final ConfigOption<Integer> MAX_CHUNKS =
      ConfigOptions.key("ragstream.indexing.max-chunks")
          .intType()
          .defaultValue(IndexingLimits.DEFAULT_MAX_CHUNKS)
          .withDescription(
              "Most chunks per document; more go to the DLQ as too_many_chunks and the"
                  + " document's earlier version is withdrawn.");

  public static final ConfigOption<Duration> TOMBSTONE_RETENTION =
      ConfigOptions.key("ragstream.indexing.tombstone-retention")
          .durationType()
          .defaultValue(IndexingLimits.DEFAULT_TOMBSTONE_RETENTION)
          .withDescription(
              "How long deleted documents are remembered (job state and store tombstones) against"
                  + " late older changes; 0 = forever. Must exceed the longest replay.");

  /**
   * The caps of {@code conf}.
   *
   * @throws IllegalArgumentException naming the option whose value is out of range
   */
  public static IndexingLimits limits(Configuration conf) {
    long bytes = conf.get(MAX_BODY_SIZE).getBytes();
    int chunks = conf.get(MAX_CHUNKS);
    if (bytes < 1) {
      throw new IllegalArgumentException(MAX_BODY_SIZE.key() + " must be at least 1 byte");
    }
    if (chunks < 1) {
      throw new IllegalArgumentException(MAX_CHUNKS.key() + " must be at least 1, was " + chunks);
    }
    Duration retention = conf.get(TOMBSTONE_RETENTION);
    if (retention.isNegative()) {
      throw new IllegalArgumentException(TOMBSTONE_RETENTION.key() + " must not be negative");
    }
    return new IndexingLimits(bytes, chunks, retention);
  }

  public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
      ConfigOptions.key("ragstream.indexing.checkpoint-interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(5))
          .withDescription("How often offsets are committed and the store is flushed.");
}
