package io.ragstream.processors.config;

import io.ragstream.core.model.Topics;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

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

  public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
      ConfigOptions.key("ragstream.indexing.checkpoint-interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(5))
          .withDescription("How often offsets are committed and the store is flushed.");
}
