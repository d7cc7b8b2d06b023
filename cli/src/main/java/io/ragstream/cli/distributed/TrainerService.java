package io.ragstream.cli.distributed;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.ServiceSettings;
import io.ragstream.cli.platform.Closeables;
import io.ragstream.cli.platform.OpsEndpoints;
import io.ragstream.cli.platform.TopicSpecs;
import io.ragstream.cli.platform.TrainerPart;
import io.ragstream.cli.reindex.FollowedIndex;
import io.ragstream.core.error.ConfigException;
import io.ragstream.core.model.Topics;
import io.ragstream.core.port.VectorStore;
import io.ragstream.gateway.events.GatewayEvents;
import io.ragstream.gateway.index.ServingStoreView;
import io.ragstream.gateway.metrics.GatewayMetrics;
import io.ragstream.ingest.kafka.KafkaTopics;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ragstream trainer}: the trainer trigger and the in-process query-adapter trainer against
 * an external Kafka ({@code kafka.bootstrap-servers}, required), reading document vectors from the
 * store of {@code store.kind} and writing adapters to {@code trainer.registry-dir}, with {@code
 * /metrics}, {@code /health} and {@code /ready} on {@code trainer.metrics-host}:{@code
 * trainer.metrics-port}. Run one per Kafka cluster (the trigger is one Kafka Streams application).
 *
 * <p>{@code trainer.registry-dir} must be the same directory, at the same path, for the trainer and
 * every gateway (a shared volume): a promotion on {@code ragstream.adapters} names the adapter by
 * its file URI and each gateway loads it from there. The trigger's state lives under {@code
 * data-dir}. {@code /health} is 503 once the trigger has failed; {@code /ready} is 200 while it
 * runs.
 */
public final class TrainerService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrainerService.class);
  private final Closeables parts = new Closeables();
  private TrainerPart trainer;
  private OpsEndpoints ops;

  private TrainerService() {}

  /**
   * Creates the retraining topics when missing, opens the store, starts the trigger and the
   * trainer, then the endpoints.
   *
   * @throws ConfigException naming {@code kafka.bootstrap-servers} when unset, {@code
   *     trainer.enabled} or {@code gateway.events.enabled} when false (nothing to train on), or
   *     {@code store.lucene.path} when no index appears there
   * @throws Exception when a part does not start; nothing is left running then
   */
  public static TrainerService start(LocalConfig config, ServiceSettings services)
      throws Exception {
    String bootstrap = ServiceSettings.requireKafka(config, "ragstream trainer");
    if (!config.retraining().trainerEnabled()) {
      throw new ConfigException(
          "trainer.enabled", "is false: ragstream trainer would have nothing to run");
    }
    if (!config.gateway().events()) {
      throw new ConfigException(
          "gateway.events.enabled",
          "is false: the trainer learns from the gateways' query and feedback events");
    }
    TrainerService s = new TrainerService();
    try {
      Files.createDirectories(config.dataDir());
      GatewayMetrics metrics = s.parts.push(GatewayMetrics.create());
      // The serving index generation (docs/reindex.md): the trainer reads its document vectors
      // and trains adapters for its model. Its store follows a switch; adapters stay trained for
      // the model serving at start (feedback of another model is ignored) until a restart.
      FollowedIndex followed =
          FollowedIndex.start(
              config, bootstrap, services.indexerGroup(), GatewayService.STORE_WAIT);
      s.parts.push(followed.servingIndex());
      s.parts.push(followed);
      String embedderId = followed.servingIndex().serving().embedder().id();
      VectorStore store = new ServingStoreView(followed.servingIndex());
      Admin admin =
          s.parts.push(Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap)));
      int p = config.parallelism();
      TopicSpecs topics = TopicSpecs.brokerDefault();
      KafkaTopics.createMissing(
          admin,
          List.of(
              topics.topic(GatewayEvents.QUERIES_TOPIC, p),
              topics.topic(GatewayEvents.FEEDBACK_TOPIC, p),
              topics.topic(GatewayEvents.ANSWERS_TOPIC, p),
              topics.topic(Topics.DRIFT, 1),
              topics.topic(Topics.TRAINING_JOBS, 1),
              topics.topic(Topics.TRAINING_RESULTS, 1),
              topics.topic(Topics.ADAPTERS, 1)),
          Duration.ofSeconds(30));
      s.trainer =
          s.parts.push(
              TrainerPart.start(
                  config.retraining(),
                  config.llmLora(),
                  config.dataDir(),
                  bootstrap,
                  embedderId,
                  store,
                  metrics.registry()));
      TrainerPart trainer = s.trainer;
      s.ops =
          s.parts.push(
              OpsEndpoints.start(
                  services.trainerMetricsHost(),
                  services.trainerMetricsPort(),
                  metrics,
                  trainer::healthy,
                  trainer::running));
      return s;
    } catch (Exception | Error e) {
      s.close();
      throw e;
    }
  }

  /** {@code http://host:port} of {@code /metrics}, {@code /health} and {@code /ready}. */
  public String opsUrl() {
    return ops.url();
  }

  /** The running trigger and trainer. */
  public TrainerPart trainer() {
    return trainer;
  }

  /** Stops the endpoints, the trainer and the trigger, then the store. */
  @Override
  public void close() {
    parts.close();
    LOG.info("ragstream trainer stopped");
  }
}
