package io.ragstream.processors.indexing;

import io.ragstream.core.port.Chunker;
import io.ragstream.core.port.Embedder;
import io.ragstream.core.port.VectorStore;
import io.ragstream.processors.config.IndexingOptions;
import io.ragstream.processors.indexing.internal.ChangeRecord;
import io.ragstream.processors.indexing.internal.ChangeRecordDeserializer;
import io.ragstream.processors.indexing.internal.DeadLetter;
import io.ragstream.processors.indexing.internal.DeadLetterSerializer;
import io.ragstream.processors.indexing.internal.IndexOp;
import io.ragstream.processors.sink.IndexedEventPublisher;
import io.ragstream.processors.sink.KafkaIndexedEventPublisher;
import io.ragstream.processors.sink.VectorStoreSink;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The indexing job: {@code ragstream.changes} → parse → keyBy(documentId) → {@link
 * IndexingFunction} (version guard, skip unchanged content, chunk, embed) → {@link
 * VectorStoreSink}; records that cannot be indexed go to {@code ragstream.dlq}. The chunk
 * embeddings are also available to further operators of the same graph ({@link
 * Builder#embeddedChunks}, e.g. drift detection).
 *
 * <p>The job gets its source, sinks and components through {@link #builder()}, so tests and local
 * mode can run it on a MiniCluster and a cluster deployment can run the same graph. Operators have
 * stable uids so the job can be restored from a checkpoint or savepoint.
 */
public final class DocumentIndexingJob {
  private final Source<ChangeRecord, ?, ?> source;
  private final Sink<DeadLetter> deadLetterSink;
  private final Sink<IndexOp> storeSink;
  private final ComponentFactory<Embedder> embedderFactory;
  private final ComponentFactory<Chunker> chunkerFactory;
  private final int parallelism;
  private final IndexingLimits limits;
  private final Consumer<DataStream<EmbeddedChunk>> embeddedChunks;

  private DocumentIndexingJob(Builder b) {
    this.source = b.source;
    this.deadLetterSink = b.deadLetterSink;
    this.storeSink = b.storeSink;
    this.embedderFactory = b.embedderFactory;
    this.chunkerFactory = b.chunkerFactory;
    this.parallelism = b.parallelism;
    this.limits = b.limits;
    this.embeddedChunks = b.embeddedChunks;
  }

  /**
   * Runs the job on the cluster (or local environment) it is submitted to, configured with {@link
   * io.ragstream.processors.config.IndexingOptions} given as {@code --key value} arguments, e.g.
   * {@code --ragstream.kafka.bootstrap-servers kafka:9092 --ragstream.store.lucene.path
   * /data/index}.
   */
  public static void main(String[] args) throws Exception {
    Configuration conf = ParameterTool.fromArgs(args).getConfiguration();
    fromConfiguration(conf).run(StreamExecutionEnvironment.getExecutionEnvironment(conf));
  }

  /**
   * The job with Kafka source and DLQ sink, the Lucene store, the embedder and the chunker named by
   * {@link IndexingOptions}.
   *
   * @throws IllegalArgumentException naming the option that is missing or invalid
   */
  public static DocumentIndexingJob fromConfiguration(Configuration conf) {
    Builder builder = builder(conf);
    String store =
        conf.getOptional(IndexingOptions.STORE_PATH)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "missing option " + IndexingOptions.STORE_PATH.key()));
    return builder.store(Components.luceneStore(java.nio.file.Path.of(store))).build();
  }

  /**
   * A builder holding everything {@link IndexingOptions} names except the store: the Kafka source
   * of the changes topic, the DLQ sink, the indexed-events publisher, the embedder, the chunker and
   * the limits. The caller sets the store (e.g. another {@link VectorStore} than Lucene), and may
   * attach {@link Builder#embeddedChunks} hooks, before {@link Builder#build()}.
   *
   * @throws IllegalArgumentException naming the option that is missing or invalid
   */
  public static Builder builder(Configuration conf) {
    String bootstrap =
        conf.getOptional(IndexingOptions.BOOTSTRAP_SERVERS)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "missing option " + IndexingOptions.BOOTSTRAP_SERVERS.key()));
    return builder()
        .source(
            kafkaSource(
                bootstrap,
                conf.get(IndexingOptions.CHANGES_TOPIC),
                conf.get(IndexingOptions.GROUP_ID)))
        .deadLetterSink(deadLetterSink(bootstrap, conf.get(IndexingOptions.DLQ_TOPIC)))
        .indexedEvents(kafkaIndexedEvents(bootstrap, conf.get(IndexingOptions.INDEXED_TOPIC)))
        .embedder(Components.embedder(conf.get(IndexingOptions.EMBEDDER)))
        .chunker(
            Components.tokenChunker(
                conf.get(IndexingOptions.CHUNK_MAX_TOKENS),
                conf.get(IndexingOptions.CHUNK_OVERLAP_TOKENS)))
        .limits(IndexingOptions.limits(conf));
  }

  /** Adds the job to {@code env}, enables checkpointing if it is not, and runs it (blocks). */
  public void run(StreamExecutionEnvironment env) throws Exception {
    if (!env.getCheckpointConfig().isCheckpointingEnabled()) {
      env.enableCheckpointing(IndexingOptions.CHECKPOINT_INTERVAL.defaultValue().toMillis());
    }
    addTo(env);
    env.execute("ragstream-document-indexing");
  }

  /** A builder; every component is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Adds the job's operators to {@code env} (call {@code env.execute} afterwards). */
  public void addTo(StreamExecutionEnvironment env) {
    SingleOutputStreamOperator<ChangeRecord> parsed =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "ragstream.changes")
            .uid("changes-source")
            .setParallelism(parallelism)
            .process(new ParseChangeFunction())
            .uid("parse-change")
            .name("parse DocumentChange")
            .setParallelism(parallelism);
    SingleOutputStreamOperator<IndexOp> indexed =
        parsed
            .keyBy(r -> r.documentId)
            .process(
                new IndexingFunction(embedderFactory, chunkerFactory, limits),
                TypeInformation.of(IndexOp.class))
            .uid("chunk-embed")
            .name("guard, chunk, embed")
            .setParallelism(parallelism);
    indexed
        .sinkTo(storeSink)
        .uid("vector-store-sink")
        .name("vector store")
        .setParallelism(parallelism);
    if (embeddedChunks != null) {
      embeddedChunks.accept(indexed.getSideOutput(IndexingFunction.EMBEDDED_CHUNKS));
    }
    parsed
        .getSideOutput(ParseChangeFunction.DEAD_LETTERS)
        .union(indexed.getSideOutput(ParseChangeFunction.DEAD_LETTERS))
        .map(new CountDeadLettersFunction())
        .uid("dlq-count")
        .name("count dead letters")
        .setParallelism(1)
        .sinkTo(deadLetterSink)
        .uid("dlq-sink")
        .name("ragstream.dlq")
        .setParallelism(1);
  }

  /**
   * The Kafka source of change events: starts from the group's committed offsets, or the earliest
   * offset on first start; commits offsets on checkpoints.
   */
  public static KafkaSource<ChangeRecord> kafkaSource(
      String bootstrapServers, String topic, String groupId) {
    Properties props = new Properties();
    props.setProperty("fetch.max.wait.ms", "100");
    return KafkaSource.<ChangeRecord>builder()
        .setBootstrapServers(bootstrapServers)
        .setTopics(topic)
        .setGroupId(groupId)
        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
        .setDeserializer(new ChangeRecordDeserializer())
        .setProperties(props)
        .build();
  }

  /**
   * Publishers of freshness telemetry ({@link io.ragstream.core.model.IndexedEvent} JSON, key
   * documentId) to {@code topic}, one producer per store-sink subtask.
   */
  public static ComponentFactory<IndexedEventPublisher> kafkaIndexedEvents(
      String bootstrapServers, String topic) {
    return () -> new KafkaIndexedEventPublisher(bootstrapServers, topic);
  }

  /** The Kafka sink of dead letters (at-least-once). */
  public static KafkaSink<DeadLetter> deadLetterSink(String bootstrapServers, String topic) {
    return KafkaSink.<DeadLetter>builder()
        .setBootstrapServers(bootstrapServers)
        .setRecordSerializer(new DeadLetterSerializer(topic))
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .build();
  }

  /** Builder of {@link DocumentIndexingJob}; {@link #build()} checks that everything is set. */
  public static final class Builder {
    private Source<ChangeRecord, ?, ?> source;
    private Sink<DeadLetter> deadLetterSink;
    private Sink<IndexOp> storeSink;
    private ComponentFactory<Embedder> embedderFactory;
    private ComponentFactory<Chunker> chunkerFactory;
    private int parallelism = 1;
    private IndexingLimits limits = IndexingLimits.defaults();
    private ComponentFactory<VectorStore> storeFactory;
    private ComponentFactory<IndexedEventPublisher> indexedEvents = IndexedEventPublisher::none;
    private Consumer<DataStream<EmbeddedChunk>> embeddedChunks;

    private Builder() {}

    /**
     * A hook that receives the stream of chunk embeddings the job produces ({@link
     * IndexingFunction#EMBEDDED_CHUNKS}) when the job is added to an environment, to attach more
     * operators to the same job graph, e.g. {@code drift::addTo} of a {@code
     * io.ragstream.processors.drift.DriftJob}. Default: none (the side output is not consumed).
     */
    public Builder embeddedChunks(Consumer<DataStream<EmbeddedChunk>> hook) {
      this.embeddedChunks = Objects.requireNonNull(hook, "embeddedChunks");
      return this;
    }

    /**
     * Where the store sink built by {@link #store} reports every applied change (default: nowhere);
     * see {@link #kafkaIndexedEvents}.
     */
    public Builder indexedEvents(ComponentFactory<IndexedEventPublisher> factory) {
      this.indexedEvents = Objects.requireNonNull(factory, "indexedEvents");
      return this;
    }

    /** Body-size and chunk-count caps (default {@link IndexingLimits#defaults()}). */
    public Builder limits(IndexingLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    public Builder source(Source<ChangeRecord, ?, ?> source) {
      this.source = source;
      return this;
    }

    public Builder deadLetterSink(Sink<DeadLetter> sink) {
      this.deadLetterSink = sink;
      return this;
    }

    /** The store sink; usually {@code new VectorStoreSink(factory)}. */
    public Builder storeSink(Sink<IndexOp> sink) {
      this.storeSink = sink;
      this.storeFactory = null;
      return this;
    }

    /**
     * The store sink over {@code storeFactory}; it purges tombstones older than the limits' {@link
     * IndexingLimits#tombstoneRetention()} on checkpoints.
     */
    public Builder store(ComponentFactory<VectorStore> storeFactory) {
      this.storeFactory = storeFactory;
      this.storeSink = null;
      return this;
    }

    public Builder embedder(ComponentFactory<Embedder> factory) {
      this.embedderFactory = factory;
      return this;
    }

    public Builder chunker(ComponentFactory<Chunker> factory) {
      this.chunkerFactory = factory;
      return this;
    }

    /** Parallelism of source, indexing and store sink (default 1). */
    public Builder parallelism(int parallelism) {
      if (parallelism < 1)
        throw new IllegalArgumentException("parallelism must be >= 1, was " + parallelism);
      this.parallelism = parallelism;
      return this;
    }

    public DocumentIndexingJob build() {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(deadLetterSink, "deadLetterSink");
      if (storeSink == null && storeFactory != null) {
        storeSink = new VectorStoreSink(storeFactory, limits.tombstoneRetention(), indexedEvents);
      }
      Objects.requireNonNull(storeSink, "storeSink");
      Objects.requireNonNull(embedderFactory, "embedder");
      Objects.requireNonNull(chunkerFactory, "chunker");
      return new DocumentIndexingJob(this);
    }
  }
}
