package io.ragstream.processors.drift;

import io.ragstream.core.event.DriftEvent;
import io.ragstream.embedding.Embedders;
import io.ragstream.processors.config.DriftOptions;
import io.ragstream.processors.config.IndexingOptions;
import io.ragstream.processors.drift.internal.DriftEventSerializer;
import io.ragstream.processors.indexing.DocumentIndexingJob;
import io.ragstream.processors.indexing.EmbeddedChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Drift detection: embedding drift of the indexed documents ({@code DOCUMENTS}: each document's
 * chunk embeddings averaged into one sample by {@link DocumentEmbeddingFunction}) and of the
 * queries ({@code QUERIES}) by {@link EmbeddingDriftFunction}, retrieval-quality drift ({@code
 * QUALITY}) from queries and feedback by {@link QualityDriftFunction}; every closed window's {@link
 * DriftEvent}s go to the sink ({@code ragstream.drift}, key {@code kind:metric}).
 *
 * <p>The chunk embeddings are not computed again: the job attaches to the stream of embeddings the
 * indexing job produces, inside the same Flink job graph, through {@link
 * DocumentIndexingJob.Builder#embeddedChunks}:
 *
 * <pre>{@code
 * DriftJob drift = DriftJob.kafka(bootstrapServers, embedderName, flinkConfiguration);
 * DocumentIndexingJob indexing = DocumentIndexingJob.builder() ... .embeddedChunks(drift::addTo).build();
 * }</pre>
 *
 * <p>Without the indexing job, {@link #addTo(StreamExecutionEnvironment)} adds query and quality
 * drift only. Operators have stable uids (prefix {@code drift-}) so that state survives a restore.
 */
public final class DriftJob {
  private final Source<byte[], ?, ?> querySource;
  private final Source<byte[], ?, ?> feedbackSource;
  private final Sink<DriftEvent> sink;
  private final DriftSettings settings;
  private final String embedderName;

  private DriftJob(Builder b) {
    this.querySource = b.querySource;
    this.feedbackSource = b.feedbackSource;
    this.sink = b.sink;
    this.settings = b.settings;
    this.embedderName = b.embedderName;
  }

  /**
   * Runs query and quality drift alone on the cluster it is submitted to, configured with {@link
   * DriftOptions} and {@link IndexingOptions#BOOTSTRAP_SERVERS} / {@link IndexingOptions#EMBEDDER}
   * as {@code --key value} arguments. (Document drift runs inside the indexing job.)
   */
  public static void main(String[] args) throws Exception {
    Configuration conf = ParameterTool.fromArgs(args).getConfiguration();
    String bootstrap =
        conf.getOptional(IndexingOptions.BOOTSTRAP_SERVERS)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "missing option " + IndexingOptions.BOOTSTRAP_SERVERS.key()));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    kafka(bootstrap, conf.get(IndexingOptions.EMBEDDER), conf).addTo(env);
    env.execute("ragstream-drift");
  }

  /**
   * The job over Kafka: queries and feedback from the topics of {@link DriftOptions} (consumer
   * group {@link DriftOptions#GROUP_ID} + {@code -queries} / {@code -feedback}; committed offsets,
   * else the earliest), events to {@link DriftOptions#DRIFT_TOPIC}.
   *
   * @param bootstrapServers Kafka bootstrap servers, {@code host:port[,host:port]}
   * @param embedderName the model whose embeddings are compared (one of {@link Embedders#names()})
   * @param options the {@link DriftOptions} (unset ones take their defaults)
   * @throws IllegalArgumentException naming the option that is invalid, or when the embedder is
   *     unknown
   */
  public static DriftJob kafka(
      String bootstrapServers, String embedderName, Configuration options) {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("bootstrapServers must not be blank");
    }
    String group = options.get(DriftOptions.GROUP_ID);
    return builder()
        .settings(DriftOptions.settings(options))
        .embedder(embedderName)
        .querySource(
            kafkaSource(
                bootstrapServers, options.get(DriftOptions.QUERIES_TOPIC), group + "-queries"))
        .feedbackSource(
            kafkaSource(
                bootstrapServers, options.get(DriftOptions.FEEDBACK_TOPIC), group + "-feedback"))
        .sink(kafkaSink(bootstrapServers, options.get(DriftOptions.DRIFT_TOPIC)))
        .build();
  }

  /** A builder; the sink is required, sources are optional. */
  public static Builder builder() {
    return new Builder();
  }

  /** The settings the job runs with. */
  public DriftSettings settings() {
    return settings;
  }

  /**
   * Adds the whole drift detection, document drift over {@code chunks} included, to the environment
   * of {@code chunks}; the hook for {@link DocumentIndexingJob.Builder#embeddedChunks}.
   */
  public void addTo(DataStream<EmbeddedChunk> chunks) {
    Objects.requireNonNull(chunks, "chunks");
    add(chunks.getExecutionEnvironment(), chunks);
  }

  /** Adds query and quality drift (no document drift) to {@code env}. */
  public void addTo(StreamExecutionEnvironment env) {
    add(env, null);
  }

  private void add(StreamExecutionEnvironment env, DataStream<EmbeddedChunk> chunks) {
    List<DataStream<EmbeddingSample>> embeddings = new ArrayList<>();
    List<DataStream<QualitySample>> quality = new ArrayList<>();
    if (chunks != null) {
      embeddings.add(documentSamples(chunks));
    }
    if (querySource != null) {
      SingleOutputStreamOperator<QualitySample> queries =
          env.fromSource(querySource, WatermarkStrategy.noWatermarks(), "ragstream.queries")
              .uid("drift-queries-source")
              .process(
                  new ParseQueryFunction(embedderName), TypeInformation.of(QualitySample.class))
              .uid("drift-parse-queries")
              .name("parse QueryEvent");
      quality.add(queries);
      embeddings.add(queries.getSideOutput(ParseQueryFunction.QUERY_EMBEDDINGS));
    }
    if (feedbackSource != null) {
      quality.add(
          env.fromSource(feedbackSource, WatermarkStrategy.noWatermarks(), "ragstream.feedback")
              .uid("drift-feedback-source")
              .process(new ParseFeedbackFunction(), TypeInformation.of(QualitySample.class))
              .uid("drift-parse-feedback")
              .name("parse FeedbackEvent"));
    }
    List<DataStream<DriftEvent>> events = new ArrayList<>();
    if (!embeddings.isEmpty()) {
      events.add(
          union(embeddings)
              .keyBy(EmbeddingSample::key)
              .process(new EmbeddingDriftFunction(settings), TypeInformation.of(DriftEvent.class))
              .uid("drift-embeddings")
              .name("embedding drift"));
    }
    if (!quality.isEmpty()) {
      events.add(
          union(quality)
              .keyBy(QualitySample::key)
              .process(new QualityDriftFunction(settings), TypeInformation.of(DriftEvent.class))
              .uid("drift-quality")
              .name("quality drift"));
    }
    if (events.isEmpty()) {
      throw new IllegalStateException("the drift job has no input: no chunks, queries or feedback");
    }
    union(events).sinkTo(sink).uid("drift-sink").name("ragstream.drift");
  }

  /**
   * One {@link EmbeddingSample} per indexed document version from its chunk embeddings ({@link
   * DocumentEmbeddingFunction}, keyed by documentId, uid {@code drift-documents}).
   */
  public static DataStream<EmbeddingSample> documentSamples(DataStream<EmbeddedChunk> chunks) {
    return chunks
        .keyBy(EmbeddedChunk::documentId)
        .process(new DocumentEmbeddingFunction(), TypeInformation.of(EmbeddingSample.class))
        .uid("drift-documents")
        .name("document embeddings");
  }

  @SuppressWarnings("unchecked")
  private static <T> DataStream<T> union(List<DataStream<T>> streams) {
    DataStream<T> first = streams.get(0);
    return streams.size() == 1
        ? first
        : first.union(streams.subList(1, streams.size()).toArray(DataStream[]::new));
  }

  /**
   * A Kafka source of raw record values of {@code topic}: committed offsets of {@code groupId},
   * else the earliest; offsets committed on checkpoints; new partitions found every 10 s. Create
   * the topic before the job starts.
   */
  public static KafkaSource<byte[]> kafkaSource(
      String bootstrapServers, String topic, String groupId) {
    Properties props = new Properties();
    props.setProperty("fetch.max.wait.ms", "100");
    props.setProperty("partition.discovery.interval.ms", "10000");
    return KafkaSource.<byte[]>builder()
        .setBootstrapServers(bootstrapServers)
        .setTopics(topic)
        .setGroupId(groupId)
        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
        .setDeserializer(KafkaRecordDeserializationSchema.valueOnly(ByteArrayDeserializer.class))
        .setProperties(props)
        .build();
  }

  /** The Kafka sink of drift events (JSON, key {@code kind:metric}, at-least-once). */
  public static KafkaSink<DriftEvent> kafkaSink(String bootstrapServers, String topic) {
    return KafkaSink.<DriftEvent>builder()
        .setBootstrapServers(bootstrapServers)
        .setRecordSerializer(new DriftEventSerializer(topic))
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .build();
  }

  /** Builder of {@link DriftJob}; {@link #build()} checks that a sink is set. */
  public static final class Builder {
    private Source<byte[], ?, ?> querySource;
    private Source<byte[], ?, ?> feedbackSource;
    private Sink<DriftEvent> sink;
    private DriftSettings settings = DriftSettings.defaults();
    private String embedderName;

    private Builder() {}

    /** Source of {@code ragstream.queries} record values (QueryEvent JSON); optional. */
    public Builder querySource(Source<byte[], ?, ?> source) {
      this.querySource = source;
      return this;
    }

    /** Source of {@code ragstream.feedback} record values (FeedbackEvent JSON); optional. */
    public Builder feedbackSource(Source<byte[], ?, ?> source) {
      this.feedbackSource = source;
      return this;
    }

    /** Where the drift events go; required. */
    public Builder sink(Sink<DriftEvent> sink) {
      this.sink = sink;
      return this;
    }

    /** Window, reference and decision settings (default {@link DriftSettings#defaults()}). */
    public Builder settings(DriftSettings settings) {
      this.settings = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /**
     * The model whose query embeddings are compared (see {@link ParseQueryFunction}); default: all
     * models, each in its own series.
     *
     * @throws IllegalArgumentException if the name is not one of {@link Embedders#names()}
     */
    public Builder embedder(String name) {
      Embedders.requireKnown(name);
      this.embedderName = name;
      return this;
    }

    public DriftJob build() {
      Objects.requireNonNull(sink, "sink");
      return new DriftJob(this);
    }
  }
}
