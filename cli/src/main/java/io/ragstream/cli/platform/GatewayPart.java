package io.ragstream.cli.platform;

import io.micrometer.core.instrument.FunctionCounter;
import io.ragstream.cli.config.GatewaySettings;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.core.adapter.LoraAdapter;
import io.ragstream.core.model.Topics;
import io.ragstream.core.port.Embedder;
import io.ragstream.core.port.VectorStore;
import io.ragstream.gateway.GatewayConfig;
import io.ragstream.gateway.GatewayFeatures;
import io.ragstream.gateway.GatewayVerticle;
import io.ragstream.gateway.adapter.KafkaAdapterWatcher;
import io.ragstream.gateway.adapter.QueryAdapters;
import io.ragstream.gateway.events.GatewayEvents;
import io.ragstream.gateway.events.KafkaGatewayEvents;
import io.ragstream.gateway.index.IndexAdmin;
import io.ragstream.gateway.index.ServingIndex;
import io.ragstream.gateway.llm.LlmAdapterRoute;
import io.ragstream.gateway.llm.OpenAiChatGenerator;
import io.ragstream.gateway.llm.PromptBuilder;
import io.ragstream.gateway.metrics.FreshnessMetrics;
import io.ragstream.gateway.metrics.GatewayMetrics;
import io.ragstream.ingest.kafka.KafkaTopics;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving side of the platform: the Vert.x {@link GatewayVerticle} over a query embedder and a
 * vector store, with the {@link GatewayFeatures} of {@link LocalConfig#gateway()}: authentication,
 * chat limits, the answer generator (the LLM of {@code llm.base-url}, else the extractive
 * answerer), the Kafka publisher of query, feedback and answer events and the query adapters
 * promoted on {@code ragstream.adapters}, swapped in live. {@link #followFreshness} adds the
 * freshness histograms fed by {@code ragstream.indexed}.
 *
 * <p>The embedder, the store and the metrics belong to the caller; {@link #close()} stops the
 * verticle's Vert.x instance, the event publisher, the adapter watcher and the LLM client.
 */
public final class GatewayPart implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayPart.class);

  private final Closeables parts = new Closeables();
  private GatewayVerticle gateway;

  private GatewayPart() {}

  /**
   * Deploys the gateway on {@code gateway.host}:{@code gateway.port} and waits up to 60 s for the
   * bind. With {@code gateway.events.enabled}, the event topics and {@code ragstream.adapters} are
   * created when missing ({@code indexing.parallelism} partitions, replication {@code topics}).
   *
   * @param bootstrapServers Kafka, used when events are enabled (may be null otherwise)
   * @param admin admin client of that Kafka (may be null when events are disabled)
   * @param queryEmbedder embeds queries; the adapters must match its id and dimension
   * @param ready decides between 200 and 503 on {@code GET /ready}; called on a worker thread
   * @param topics how new topics are replicated
   * @throws Exception when the port cannot be bound or a topic cannot be created; nothing is left
   *     running then
   */
  public static GatewayPart start(
      LocalConfig config,
      String bootstrapServers,
      Admin admin,
      VectorStore store,
      GatewayMetrics metrics,
      Embedder queryEmbedder,
      BooleanSupplier ready,
      TopicSpecs topics)
      throws Exception {
    return start(
        config,
        bootstrapServers,
        admin,
        ServingIndex.fixed(queryEmbedder, store),
        null,
        metrics,
        ready,
        topics);
  }

  /**
   * Deploys the gateway over a swappable index generation ({@code ragstream local} with reindex,
   * docs/reindex.md): searches lease {@code index}'s serving query embedder and store together;
   * {@code indexAdmin}, when not null, serves {@code /admin/index}. Otherwise as {@link
   * #start(LocalConfig, String, Admin, VectorStore, GatewayMetrics, Embedder, BooleanSupplier,
   * TopicSpecs)}; query adapters are loaded for the embedder serving at start.
   */
  public static GatewayPart start(
      LocalConfig config,
      String bootstrapServers,
      Admin admin,
      ServingIndex index,
      IndexAdmin indexAdmin,
      GatewayMetrics metrics,
      BooleanSupplier ready,
      TopicSpecs topics)
      throws Exception {
    GatewayPart part = new GatewayPart();
    try {
      Vertx vertx = Vertx.vertx();
      part.parts.push(
          () -> vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
      Embedder queryEmbedder = index.serving().embedder();
      GatewayFeatures features =
          part.features(config, vertx, bootstrapServers, admin, metrics, queryEmbedder, topics);
      if (indexAdmin != null) {
        features = features.withIndexAdmin(indexAdmin);
      }
      part.gateway =
          new GatewayVerticle(
              GatewayConfig.defaults()
                  .withHost(config.gatewayHost())
                  .withPort(config.gatewayPort())
                  .withDefaultFusion(config.storeOptions().fusion()),
              features,
              index,
              ready);
      vertx
          .deployVerticle(part.gateway)
          .toCompletionStage()
          .toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
      return part;
    } catch (Exception | Error e) {
      part.close();
      throw e;
    }
  }

  /**
   * Freshness histograms ({@code ragstream_freshness_*}) in {@code metrics}, one series per mapped
   * source table, fed by following {@code ragstream.indexed} from its end. Close the result to stop
   * following.
   */
  public static FreshnessMetrics followFreshness(
      LocalConfig config, String bootstrapServers, GatewayMetrics metrics) {
    FreshnessMetrics freshness = new FreshnessMetrics(metrics.registry());
    config.source().tables().forEach(t -> freshness.expectTable(t.schema() + "." + t.table()));
    return freshness.follow(bootstrapServers, Topics.INDEXED);
  }

  /** {@code http://host:port} of the gateway. */
  public String url() {
    return gateway.url();
  }

  private GatewayFeatures features(
      LocalConfig config,
      Vertx vertx,
      String bootstrapServers,
      Admin admin,
      GatewayMetrics metrics,
      Embedder queryEmbedder,
      TopicSpecs topics)
      throws Exception {
    GatewaySettings settings = config.gateway();
    GatewayFeatures features =
        GatewayFeatures.defaults()
            .withAuth(settings.auth())
            .withChat(settings.chat())
            .withFeedbackRequiresKnownQuery(settings.feedbackRequiresKnownQuery())
            .withMetrics(metrics);
    LlmAdapterRoute llmRoute = null;
    if (settings.llm() != null) {
      OpenAiChatGenerator llm;
      if (settings.llmFollowAdapters()) {
        // Answers without a model follow the latest LLM adapter promoted for llm.model.
        llmRoute = new LlmAdapterRoute(settings.llm().model()).bindTo(metrics.registry());
        llm = new OpenAiChatGenerator(vertx, settings.llm(), new PromptBuilder(), llmRoute::model);
      } else {
        llm = new OpenAiChatGenerator(vertx, settings.llm());
      }
      parts.push(llm::close);
      features = features.withGenerator(llm);
      LOG.info("Answers are generated by {}", settings.llm());
    }
    if (settings.events()) {
      int p = config.parallelism();
      KafkaTopics.createMissing(
          admin,
          List.of(
              topics.topic(GatewayEvents.QUERIES_TOPIC, p),
              topics.topic(GatewayEvents.FEEDBACK_TOPIC, p),
              topics.topic(GatewayEvents.ANSWERS_TOPIC, p)),
          Duration.ofSeconds(30));
      KafkaGatewayEvents events = new KafkaGatewayEvents(vertx, bootstrapServers, Map.of());
      parts.push(events::close);
      // Query and answer events are fire-and-forget telemetry: count what never reached Kafka.
      FunctionCounter.builder(
              "ragstream.gateway.events.dropped", events, KafkaGatewayEvents::dropped)
          .description(
              "Query, answer and feedback events that were not published (Kafka failed or the"
                  + " publisher's queue was full); feedback is also answered 503")
          .register(metrics.registry());
      features = features.withEvents(events);

      // Query adapters: the latest promotion on ragstream.adapters serves, swapped in live.
      KafkaTopics.createMissing(
          admin, List.of(topics.topic(Topics.ADAPTERS, 1)), Duration.ofSeconds(30));
      String embedderId = queryEmbedder.id();
      int dimension = queryEmbedder.dimension();
      QueryAdapters adapters =
          new QueryAdapters(
                  embedderId,
                  (id, uri) -> {
                    LoraAdapter adapter = LoraAdapter.load(uri);
                    adapter.requireCompatible(embedderId, dimension);
                    return adapter::apply;
                  })
              .bindTo(metrics.registry());
      KafkaAdapterWatcher watcher =
          new KafkaAdapterWatcher(
              bootstrapServers,
              Map.of(),
              Topics.ADAPTERS,
              adapters,
              llmRoute == null ? List.of() : List.of(llmRoute));
      parts.push(watcher);
      watcher.start(Duration.ofSeconds(60));
      features = features.withQueryAdapters(adapters);
    }
    return features;
  }

  /** Stops the gateway and what it started, in reverse order. */
  @Override
  public void close() {
    parts.close();
  }
}
