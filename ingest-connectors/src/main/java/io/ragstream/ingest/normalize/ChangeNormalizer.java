package io.ragstream.ingest.normalize;

import io.ragstream.ingest.normalize.internal.DebeziumChangeMapper;
import io.ragstream.ingest.normalize.internal.NormalizeProcessor;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/**
 * The normalizer's Kafka Streams topology and settings: raw Debezium envelopes from {@code
 * <topicPrefix>.<schema>.<table>} become {@link io.ragstream.core.model.DocumentChange} JSON on
 * {@code ragstream.changes} (key = documentId; Debezium's tombstones become tombstones), and
 * records that cannot be mapped go to {@code ragstream.dlq} with their original bytes and {@code
 * ragstream.error.*} headers. The mapping rules are those of {@link DebeziumChangeMapper}.
 *
 * <p>Split like Kafka's {@code WordCountDemo}: {@link #topology(NormalizerConfig)} is testable with
 * {@code TopologyTestDriver}; {@link ChangeNormalizerRunner} runs it against a broker.
 */
public final class ChangeNormalizer {
  /** Processor-graph node names. */
  public static final String SOURCE = "debezium-source";

  public static final String PROCESSOR = "normalize";
  public static final String CHANGES_SINK = "changes-sink";
  public static final String DLQ_SINK = "dlq-sink";

  private ChangeNormalizer() {}

  /**
   * The topology: one source over {@link NormalizerConfig#sourceTopics()} (byte arrays, so no input
   * can fail deserialization), the normalize processor, and two sinks (changes, DLQ). Stateless: no
   * state stores, no internal topics.
   */
  public static Topology topology(NormalizerConfig config) {
    DebeziumChangeMapper mapper =
        new DebeziumChangeMapper(config.topicPrefix(), config.tables(), config.sourceKind());
    Topology topology = new Topology();
    topology.addSource(
        SOURCE,
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer(),
        config.sourceTopics().toArray(String[]::new));
    topology.addProcessor(
        PROCESSOR, () -> new NormalizeProcessor(mapper, CHANGES_SINK, DLQ_SINK), SOURCE);
    topology.addSink(
        CHANGES_SINK,
        config.changesTopic(),
        new ByteArraySerializer(),
        new ByteArraySerializer(),
        PROCESSOR);
    topology.addSink(
        DLQ_SINK,
        config.dlqTopic(),
        new ByteArraySerializer(),
        new ByteArraySerializer(),
        PROCESSOR);
    return topology;
  }

  /**
   * The Kafka Streams settings: application id, bootstrap servers, processing guarantee
   * (at-least-once by default), commit interval, state dir, replication factor, one stream thread,
   * byte-array serdes, {@code LogAndContinueExceptionHandler} for deserialization, reading new
   * input from the earliest offset, producer {@code acks=all}.
   */
  public static Properties streamsConfig(NormalizerConfig config) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.processingGuarantee().configValue());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
    p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.replicationFactor());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    p.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueExceptionHandler.class);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
    // Streams defaults its producers to linger.ms=100, which would add up to 100 ms to every
    // change's commit-to-searchable time; 5 ms still batches a burst.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
    if (config.groupInstanceId() != null) {
      p.put(
          StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
          config.groupInstanceId());
    }
    return p;
  }
}
