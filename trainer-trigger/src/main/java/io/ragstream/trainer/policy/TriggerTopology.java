package io.ragstream.trainer.policy;

import io.ragstream.trainer.config.TriggerConfig;
import io.ragstream.trainer.policy.internal.InputRouter;
import io.ragstream.trainer.policy.internal.JsonSerde;
import io.ragstream.trainer.policy.internal.KindState;
import io.ragstream.trainer.policy.internal.PolicyProcessor;
import io.ragstream.trainer.policy.internal.Routed;
import io.ragstream.trainer.policy.internal.TriggerInput;
import java.time.Clock;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The trainer trigger's Kafka Streams topology and settings. Split like Kafka's {@code
 * WordCountDemo}: {@link #build(TriggerConfig, Clock, TriggerMetrics)} is testable with {@code
 * TopologyTestDriver}; {@link TrainerTrigger} runs it against a broker.
 *
 * <p>Two sub-topologies:
 *
 * <ol>
 *   <li>{@code route-drift}, {@code route-feedback}, {@code route-results}: read the input topics
 *       as bytes, validate (malformed records go to the DLQ with {@code ragstream.error.*} headers
 *       and are counted) and re-key each event by the adapter kind(s) it concerns. Stateless, so it
 *       scales with the input partitions.
 *   <li>{@code policy}: reads the repartition topic {@code <application.id>-}{@value
 *       #REPARTITION}{@code -repartition}, which has exactly one partition, so the decisions of
 *       every kind are made by one task against one copy of the state; emits the requests on the
 *       jobs topic (key = kind name). Its stores {@value PolicyProcessor#STATE_STORE} and {@value
 *       PolicyProcessor#PAIRS_STORE} are persistent (RocksDB) with changelog topics {@code
 *       <application.id>-<store>-changelog}.
 * </ol>
 */
public final class TriggerTopology {
  /** Name of the repartition step; its topic is {@code <application.id>-by-kind-repartition}. */
  public static final String REPARTITION = "by-kind";

  private TriggerTopology() {}

  /**
   * The topology on the system clock, without a meter registry of the caller's.
   *
   * @see #build(TriggerConfig, Clock, TriggerMetrics)
   */
  public static Topology build(TriggerConfig config) {
    return build(config, Clock.systemUTC(), new TriggerMetrics(null, config.enabledKinds()));
  }

  /**
   * The topology.
   *
   * @param config the validated config
   * @param clock gives {@link io.ragstream.core.event.TrainingJobRequest#requestedAt()} and the
   *     processing time the job timeout is measured in
   * @param metrics where requests, gauges and dead letters are counted
   */
  public static Topology build(TriggerConfig config, Clock clock, TriggerMetrics metrics) {
    StreamsBuilder builder = new StreamsBuilder();
    Serde<TriggerInput> inputSerde = JsonSerde.of(TriggerInput.class);
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(PolicyProcessor.STATE_STORE),
            Serdes.String(),
            JsonSerde.of(KindState.class)));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(PolicyProcessor.PAIRS_STORE),
            Serdes.String(),
            Serdes.Long()));

    KStream<String, Routed> drift =
        route(builder, config.driftTopic(), TriggerInput.Type.DRIFT, "drift", config, metrics);
    KStream<String, Routed> feedback =
        route(
            builder,
            config.feedbackTopic(),
            TriggerInput.Type.FEEDBACK,
            "feedback",
            config,
            metrics);
    KStream<String, Routed> results =
        route(builder, config.resultsTopic(), TriggerInput.Type.RESULT, "results", config, metrics);
    Map<String, KStream<String, Routed>> branches =
        drift
            .merge(feedback, Named.as("merge-feedback"))
            .merge(results, Named.as("merge-results"))
            .split(Named.as("routed-"))
            .branch((k, v) -> v instanceof Routed.DeadLetter, Branched.as("dead-letters"))
            .defaultBranch(Branched.as("inputs"));

    branches
        .get("routed-dead-letters")
        .map(
            (k, v) -> {
              Routed.DeadLetter d = (Routed.DeadLetter) v;
              return KeyValue.pair(d.key(), d.value());
            },
            Named.as("dead-letter-bytes"))
        .to(
            config.dlqTopic(),
            Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("dlq-sink"));

    branches
        .get("routed-inputs")
        .mapValues(v -> ((Routed.Input) v).input(), Named.as("inputs"))
        .repartition(
            Repartitioned.<String, TriggerInput>as(REPARTITION)
                .withKeySerde(Serdes.String())
                .withValueSerde(inputSerde)
                .withNumberOfPartitions(1))
        .process(
            () -> new PolicyProcessor(config, clock, metrics),
            Named.as("policy"),
            PolicyProcessor.STATE_STORE,
            PolicyProcessor.PAIRS_STORE)
        .to(
            config.jobsTopic(),
            Produced.with(Serdes.String(), Serdes.ByteArray()).withName("training-jobs-sink"));
    return builder.build();
  }

  private static KStream<String, Routed> route(
      StreamsBuilder builder,
      String topic,
      TriggerInput.Type type,
      String name,
      TriggerConfig config,
      TriggerMetrics metrics) {
    return builder.<byte[], byte[]>stream(
            topic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(name + "-source"))
        .process(() -> new InputRouter(type, config, metrics), Named.as("route-" + name));
  }

  /**
   * The Kafka Streams settings: application id, bootstrap servers, at-least-once, commit interval,
   * state dir, replication factor of the internal topics, one stream thread, static membership if
   * configured, reading new inputs from the earliest offset, producer {@code acks=all}, {@code
   * LogAndContinueExceptionHandler} for deserialization (input topics are read as bytes, so only a
   * corrupt internal record could reach it).
   *
   * <p>At-least-once is enough: after a crash, inputs since the last commit are read again, and
   * they change nothing twice (drift windows not newer than the series' last are ignored, pairs are
   * deduplicated, a result frees only its own job). The changelogs are flushed before the offsets
   * are committed, so the restored state is never older than the input position; a request sent
   * after the last flush is decided again from the same state and gets the same job id (a
   * name-based UUID of application id, kind and request number), so the launcher can drop the
   * duplicate.
   */
  public static Properties streamsConfig(String bootstrapServers, TriggerConfig config) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
    p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.replicationFactor());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueExceptionHandler.class);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
    if (config.groupInstanceId() != null) {
      p.put(
          StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
          config.groupInstanceId());
    }
    return p;
  }
}
