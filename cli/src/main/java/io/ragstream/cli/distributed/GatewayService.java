package io.ragstream.cli.distributed;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.ServiceSettings;
import io.ragstream.cli.platform.Closeables;
import io.ragstream.cli.platform.GatewayPart;
import io.ragstream.cli.platform.ReadinessMonitor;
import io.ragstream.cli.platform.TopicSpecs;
import io.ragstream.cli.reindex.FollowedIndex;
import io.ragstream.cli.reindex.IndexGeneration;
import io.ragstream.core.model.Topics;
import io.ragstream.core.port.VectorStore;
import io.ragstream.gateway.index.ServingStoreView;
import io.ragstream.gateway.metrics.GatewayMetrics;
import io.ragstream.ingest.kafka.KafkaTopics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ragstream gateway}: one stateless gateway (search, answers, chat, feedback, {@code
 * /health}, {@code /ready}, {@code /metrics}) on {@code gateway.host}:{@code gateway.port}, over
 * the store of {@code store.kind} and its own query embedder. Run N of them behind a load balancer.
 *
 * <p>Kafka ({@code kafka.bootstrap-servers}) is required while {@code gateway.events.enabled} (the
 * default): query, feedback and answer events are published there, promoted query adapters are read
 * from {@code ragstream.adapters}, and freshness histograms follow {@code ragstream.indexed}.
 * {@code /ready} is 200 once the indexing job's consumer group ({@code indexing.group-id}) has no
 * lag on {@code ragstream.changes}; without Kafka it is always 200.
 *
 * <p>With {@code store.kind: lucene} the index is opened read-only at {@code store.lucene.path}:
 * the gateway must run on the host (or share the volume) where the indexing job writes it, and sees
 * each commit the job makes on its checkpoints. docs/distributed.md says what that implies.
 */
public final class GatewayService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayService.class);

  /** How long a gateway waits at start for the indexing job's first Lucene commit. */
  public static final Duration STORE_WAIT = Duration.ofMinutes(2);

  private final Closeables parts = new Closeables();
  private GatewayPart gateway;
  private VectorStore store;
  private FollowedIndex followed;
  private BooleanSupplier ready = () -> true;

  private GatewayService() {}

  /**
   * Opens the serving index generation (its query embedder and store; the one {@code
   * ragstream.generations} names, else generation 1) and follows that topic, then deploys the
   * gateway.
   *
   * @throws io.ragstream.core.error.ConfigException naming {@code kafka.bootstrap-servers} when
   *     events are enabled and it is unset, or {@code store.lucene.path} when no index appears
   * @throws Exception when a part does not start; nothing is left running then
   */
  public static GatewayService start(LocalConfig config, ServiceSettings services)
      throws Exception {
    String bootstrap =
        config.gateway().events()
            ? ServiceSettings.requireKafka(
                config, "ragstream gateway while gateway.events.enabled is true")
            : config.kafkaBootstrapServers();
    GatewayService s = new GatewayService();
    try {
      GatewayMetrics metrics = s.parts.push(GatewayMetrics.create());
      // The serving index generation (docs/reindex.md): its query embedder and store, swapped
      // together when ragstream reindex --distributed records another one.
      FollowedIndex followed =
          FollowedIndex.start(config, bootstrap, services.indexerGroup(), STORE_WAIT);
      s.parts.push(followed.servingIndex());
      s.parts.push(followed);
      s.followed = followed;
      s.store = new ServingStoreView(followed.servingIndex());
      Admin admin = null;
      if (bootstrap != null) {
        admin =
            s.parts.push(
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap)));
        KafkaTopics.createMissing(
            admin,
            List.of(TopicSpecs.brokerDefault().topic(Topics.INDEXED, config.parallelism())),
            Duration.ofSeconds(30));
        s.parts.push(GatewayPart.followFreshness(config, bootstrap, metrics));
        ReadinessMonitor readiness =
            s.parts.push(
                new ReadinessMonitor(
                    admin,
                    metrics.registry(),
                    () -> Map.of(followed.servingConsumerGroup(), List.of(Topics.CHANGES)),
                    () -> true,
                    "gateway"));
        s.ready = readiness::ready;
      }
      s.gateway =
          s.parts.push(
              GatewayPart.start(
                  config,
                  bootstrap,
                  admin,
                  followed.servingIndex(),
                  null,
                  metrics,
                  s.ready,
                  TopicSpecs.brokerDefault()));
      return s;
    } catch (Exception | Error e) {
      s.close();
      throw e;
    }
  }

  /** {@code http://host:port} of the gateway. */
  public String url() {
    return gateway.url();
  }

  /** The index generation serving now. */
  public IndexGeneration servingGeneration() {
    return followed.serving();
  }

  /** The store the gateway searches (the serving generation's). */
  public VectorStore store() {
    return store;
  }

  /** Whether {@code GET /ready} answers 200. */
  public boolean ready() {
    return ready.getAsBoolean();
  }

  /** Stops the gateway, the readiness checks, Kafka clients, the store and the embedder. */
  @Override
  public void close() {
    parts.close();
    LOG.info("ragstream gateway stopped");
  }
}
