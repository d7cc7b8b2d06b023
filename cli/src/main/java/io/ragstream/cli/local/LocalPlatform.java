package io.ragstream.cli.local;

import io.ragstream.cli.beir.SourceTable;
import io.ragstream.cli.config.GatewaySettings;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.RetrainingSettings;
import io.ragstream.cli.reindex.AdminToken;
import io.ragstream.cli.reindex.EmbedderBoundStore;
import io.ragstream.cli.reindex.IndexGeneration;
import io.ragstream.cli.reindex.IndexGenerations;
import io.ragstream.cli.reindex.ReindexController;
import io.ragstream.core.adapter.FileAdapterRegistry;
import io.ragstream.core.adapter.LoraAdapter;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.model.Topics;
import io.ragstream.core.port.Embedder;
import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchMode;
import io.ragstream.gateway.GatewayConfig;
import io.ragstream.gateway.GatewayFeatures;
import io.ragstream.gateway.GatewayVerticle;
import io.ragstream.gateway.adapter.KafkaAdapterWatcher;
import io.ragstream.gateway.adapter.QueryAdapters;
import io.ragstream.gateway.events.GatewayEvents;
import io.ragstream.gateway.events.KafkaGatewayEvents;
import io.ragstream.gateway.index.ServingIndex;
import io.ragstream.gateway.index.ServingStoreView;
import io.ragstream.gateway.llm.OpenAiChatGenerator;
import io.ragstream.gateway.metrics.FreshnessMetrics;
import io.ragstream.gateway.metrics.GatewayMetrics;
import io.ragstream.ingest.cdc.CdcSource;
import io.ragstream.ingest.cdc.KafkaCdcRecordSink;
import io.ragstream.ingest.cdc.PostgresCdcSource;
import io.ragstream.ingest.cdc.ReplicationSlotMetrics;
import io.ragstream.ingest.config.PostgresSourceConfig;
import io.ragstream.ingest.config.TableMapping;
import io.ragstream.ingest.kafka.KafkaTopics;
import io.ragstream.ingest.normalize.ChangeNormalizerRunner;
import io.ragstream.ingest.normalize.NormalizerConfig;
import io.ragstream.localkafka.EmbeddedKafkaBroker;
import io.ragstream.processors.drift.DriftJob;
import io.ragstream.processors.indexing.Components;
import io.ragstream.processors.indexing.DocumentIndexingJob;
import io.ragstream.processors.local.LocalFlinkRunner;
import io.ragstream.processors.local.MicrometerReporter;
import io.ragstream.trainer.adapter.AdapterTrainingConfig;
import io.ragstream.trainer.adapter.EvaluationGate;
import io.ragstream.trainer.adapter.HeldOutEvaluator;
import io.ragstream.trainer.adapter.QueryAdapterJob;
import io.ragstream.trainer.config.KindPolicy;
import io.ragstream.trainer.config.TriggerConfig;
import io.ragstream.trainer.policy.TrainerTrigger;
import io.ragstream.trainer.promote.AdapterLog;
import io.ragstream.trainer.run.TrainingJobRunner;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole platform in one JVM: embedded Kafka (unless an external one is configured), the Kafka
 * Streams normalizer, the Flink indexing job on a MiniCluster, the Debezium source (PostgreSQL, or
 * MariaDB/MySQL with {@code source.kind}) and the Vert.x gateway over a Lucene index shared with
 * the job.
 *
 * <p>Start order is downstream first (broker, topics, normalizer, indexing job, gateway) and the
 * source last, so nothing waits on a missing consumer; {@link #close()} stops in reverse. Ready
 * ({@link #ready()}) once the initial snapshot is captured and the normalizer and indexer have no
 * lag.
 */
public final class LocalPlatform implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalPlatform.class);

  private final LocalConfig config;
  private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
  private final AtomicBoolean ready = new AtomicBoolean();
  private String bootstrapServers;
  private VectorStore store;
  private CdcSource cdc;
  private GatewayVerticle gateway;
  private ReindexController reindex;
  private NormalizerConfig normalizerConfig;
  private PlatformMetrics platformMetrics;

  private LocalPlatform(LocalConfig config) {
    this.config = config;
  }

  /** Starts every part; on failure, stops what was started and rethrows. */
  public static LocalPlatform start(LocalConfig config) throws Exception {
    LocalPlatform p = new LocalPlatform(config);
    try {
      p.startAll();
      return p;
    } catch (Exception | Error e) {
      p.close();
      throw e;
    }
  }

  private void startAll() throws Exception {
    Files.createDirectories(config.dataDir());
    if (config.kafkaBootstrapServers() == null) {
      EmbeddedKafkaBroker broker =
          EmbeddedKafkaBroker.start(
              config.dataDir().resolve("kafka"), config.kafkaPort(), Duration.ofSeconds(90));
      closeables.push(broker);
      bootstrapServers = broker.bootstrapServers();
    } else {
      bootstrapServers = config.kafkaBootstrapServers();
    }
    normalizerConfig =
        NormalizerConfig.builder(bootstrapServers, config.dataDir(), config.source().tables())
            .topicPrefix(config.source().topicPrefix())
            .sourceKind(config.source().kind())
            .partitions(config.parallelism())
            // One normalizer per data dir: static membership lets a restart after a crash
            // rejoin at once instead of waiting out the dead member's session.
            .groupInstanceId("ragstream-local-" + Integer.toHexString(config.dataDir().hashCode()))
            .build(); // the normalizer creates its input topics, ragstream.changes (compacted) and
    // the DLQ

    ChangeNormalizerRunner normalizer = new ChangeNormalizerRunner(normalizerConfig);
    closeables.push(normalizer);
    normalizer.start().get(60, TimeUnit.SECONDS);

    // Index generations (docs/reindex.md): the serving one's query embedder and index for the
    // gateway, one indexing job per live generation, reindex/rollback/retire on /admin/index.
    reindex =
        new ReindexController(
            IndexGenerations.open(config.dataDir(), config.embedder(), Clock.systemUTC()),
            config.dataDir(),
            config.storeOptions(),
            config.queryEmbedderThreads(),
            AdminToken.getOrCreate(config.dataDir()));
    ServingIndex servingIndex = reindex.servingIndex();
    closeables.push(servingIndex);
    store = new ServingStoreView(servingIndex);
    IndexGeneration primary = reindex.status().serving();

    Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    closeables.push(admin);
    // Telemetry: one registry served on the gateway's /metrics; the job's Flink metrics are
    // forwarded into it and its freshness events (ragstream.indexed) feed the histograms.
    GatewayMetrics metrics = GatewayMetrics.create();
    closeables.push(metrics);
    String metricsId = "ragstream-local-" + Integer.toHexString(System.identityHashCode(this));
    closeables.push(MicrometerReporter.bind(metricsId, metrics.registry()));
    KafkaTopics.createMissing(
        admin,
        List.of(new NewTopic(Topics.INDEXED, config.parallelism(), (short) 1)),
        Duration.ofSeconds(30));
    FreshnessMetrics freshness = new FreshnessMetrics(metrics.registry());
    config.source().tables().forEach(t -> freshness.expectTable(t.schema() + "." + t.table()));
    closeables.push(freshness.follow(bootstrapServers, Topics.INDEXED));
    platformMetrics =
        new PlatformMetrics(metrics.registry(), store, normalizer, () -> ready.get() ? 1 : 0);

    RetrainingSettings retraining = config.retraining();
    boolean events = config.gateway().events();
    if (events) {
      // Every topic of the retraining loop, before the jobs that read them start.
      int p = config.parallelism();
      KafkaTopics.createMissing(
          admin,
          List.of(
              new NewTopic(GatewayEvents.QUERIES_TOPIC, p, (short) 1),
              new NewTopic(GatewayEvents.FEEDBACK_TOPIC, p, (short) 1),
              new NewTopic(GatewayEvents.ANSWERS_TOPIC, p, (short) 1),
              new NewTopic(Topics.DRIFT, 1, (short) 1),
              new NewTopic(Topics.TRAINING_JOBS, 1, (short) 1),
              new NewTopic(Topics.TRAINING_RESULTS, 1, (short) 1),
              new NewTopic(Topics.ADAPTERS, 1, (short) 1)),
          Duration.ofSeconds(30));
    }
    DriftJob drift =
        events && retraining.driftEnabled()
            ? DriftJob.kafka(bootstrapServers, primary.embedder(), new Configuration())
            : null;
    closeables.push(reindex); // stops the jobs it started, even if a later one fails to start
    reindex.start(
        g ->
            LocalFlinkRunner.start(
                indexingJob(g, g.number() == primary.number(), drift),
                config.dataDir().resolve(g.checkpointDirectory()),
                config.checkpointInterval(),
                config.parallelism(),
                g.number() == primary.number() ? metricsId : null),
        group -> ConsumerLag.of(admin, group, List.of(Topics.CHANGES)),
        Duration.ofSeconds(1));

    Embedder queryEmbedder = servingIndex.serving().embedder();
    Vertx vertx = Vertx.vertx();
    closeables.push(
        () -> vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
    gateway =
        new GatewayVerticle(
            GatewayConfig.defaults()
                .withHost(config.gatewayHost())
                .withPort(config.gatewayPort())
                .withDefaultFusion(config.storeOptions().fusion()),
            gatewayFeatures(vertx, admin, metrics, queryEmbedder).withIndexAdmin(reindex),
            servingIndex,
            ready::get);
    vertx
        .deployVerticle(gateway)
        .toCompletionStage()
        .toCompletableFuture()
        .get(60, TimeUnit.SECONDS);

    if (events && retraining.trainerEnabled()) {
      startTrainer(retraining, queryEmbedder.id(), metrics);
    }

    createMissingDefaultTables();
    KafkaCdcRecordSink cdcSink = KafkaCdcRecordSink.create(bootstrapServers);
    closeables.push(cdcSink); // closed after the source, which does not close its sink
    if (config.source() instanceof PostgresSourceConfig pg) {
      // Slot lag, retained WAL, active flag and wal_status on the gateway's GET /metrics.
      closeables.push(
          ReplicationSlotMetrics.start(pg, metrics.registry(), config.cdc().slotMetricsInterval()));
      cdc = new PostgresCdcSource(pg, cdcSink, config.cdc().heartbeat());
    } else {
      cdc = CdcSource.create(config.source(), cdcSink);
    }
    closeables.push(cdc);
    cdc.start();
    cdc.terminated()
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                LOG.error(
                    "CDC source failed; the index no longer follows the source and /ready stays"
                        + " false until a restart: {}",
                    e.getMessage());
              }
            });

    ScheduledExecutorService monitor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ragstream-readiness");
              t.setDaemon(true);
              return t;
            });
    closeables.push(monitor::shutdownNow);
    monitor.scheduleWithFixedDelay(() -> checkReady(admin), 1, 1, TimeUnit.SECONDS);

    LocalRuntime.write(
        config.dataDir(),
        new LocalRuntime(
            ProcessHandle.current().pid(),
            gateway.url(),
            bootstrapServers,
            System.currentTimeMillis()));
    closeables.push(() -> LocalRuntime.delete(config.dataDir()));
  }

  /**
   * The indexing job of {@code generation}: its consumer group from the earliest offset of {@code
   * ragstream.changes}, its embedder, its index directory. Only the job of the generation serving
   * at start ({@code primary}) feeds {@code drift} (if not null) and publishes freshness events: a
   * rebuild replays old changes, whose freshness would be meaningless.
   */
  private DocumentIndexingJob indexingJob(
      IndexGeneration generation, boolean primary, DriftJob drift) {
    DocumentIndexingJob.Builder builder =
        DocumentIndexingJob.builder()
            .embeddedChunks(
                chunks -> {
                  if (primary && drift != null) drift.addTo(chunks);
                })
            .source(
                DocumentIndexingJob.kafkaSource(
                    bootstrapServers, Topics.CHANGES, generation.consumerGroup()))
            .deadLetterSink(DocumentIndexingJob.deadLetterSink(bootstrapServers, Topics.DLQ))
            .store(
                EmbedderBoundStore.luceneFactory(
                    config.dataDir(), generation, config.storeOptions()))
            .embedder(Components.embedder(generation.embedder()))
            .chunker(
                Components.tokenChunker(
                    generation.chunkMaxTokens(config.chunkMaxTokens()),
                    generation.chunkOverlapTokens(
                        config.chunkMaxTokens(), config.chunkOverlapTokens())))
            .parallelism(config.parallelism())
            .limits(config.limits());
    if (primary) {
      builder.indexedEvents(
          DocumentIndexingJob.kafkaIndexedEvents(bootstrapServers, Topics.INDEXED));
    }
    return builder.build();
  }

  /**
   * Authentication, chat limits, the answer generator (the LLM of {@code llm.base-url}, else the
   * extractive answerer) and the Kafka publisher of query and feedback events (topics created when
   * missing), from {@link LocalConfig#gateway()}, and {@code metrics}. Each part is closed with the
   * platform.
   */
  private GatewayFeatures gatewayFeatures(
      Vertx vertx, Admin admin, GatewayMetrics metrics, Embedder queryEmbedder) throws Exception {
    GatewaySettings settings = config.gateway();
    GatewayFeatures features =
        GatewayFeatures.defaults()
            .withAuth(settings.auth())
            .withChat(settings.chat())
            .withFeedbackRequiresKnownQuery(settings.feedbackRequiresKnownQuery())
            .withMetrics(metrics);
    if (settings.llm() != null) {
      OpenAiChatGenerator llm = new OpenAiChatGenerator(vertx, settings.llm());
      closeables.push(llm::close);
      features = features.withGenerator(llm);
      LOG.info("Answers are generated by {}", settings.llm());
    }
    if (settings.events()) {
      List<NewTopic> topics =
          List.of(
              new NewTopic(GatewayEvents.QUERIES_TOPIC, config.parallelism(), (short) 1),
              new NewTopic(GatewayEvents.FEEDBACK_TOPIC, config.parallelism(), (short) 1),
              new NewTopic(GatewayEvents.ANSWERS_TOPIC, config.parallelism(), (short) 1));
      KafkaTopics.createMissing(admin, topics, Duration.ofSeconds(30));
      KafkaGatewayEvents events = new KafkaGatewayEvents(vertx, bootstrapServers, Map.of());
      closeables.push(events::close);
      features = features.withEvents(events);

      // Query adapters: the latest promotion on ragstream.adapters serves, swapped in live.
      KafkaTopics.createMissing(
          admin, List.of(new NewTopic(Topics.ADAPTERS, 1, (short) 1)), Duration.ofSeconds(30));
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
          new KafkaAdapterWatcher(bootstrapServers, Map.of(), Topics.ADAPTERS, adapters);
      closeables.push(watcher);
      watcher.start(Duration.ofSeconds(60));
      features = features.withQueryAdapters(adapters);
    }
    return features;
  }

  /**
   * Starts the trainer trigger (Kafka Streams, state under {@code <data-dir>/trainer-trigger}) and
   * the trainer, which trains query adapters on this platform's store and registry.
   */
  private void startTrainer(
      RetrainingSettings retraining, String embedderId, GatewayMetrics metrics) throws Exception {
    KindPolicy queryPolicy =
        KindPolicy.defaults(AdapterKind.QUERY_ADAPTER)
            .withEmbedder(embedderId)
            .withPairs(retraining.minNewPairs(), retraining.pairsAlone())
            .withTimes(retraining.cooldown(), KindPolicy.DEFAULT_QUERY_ADAPTER_JOB_TIMEOUT);
    TriggerConfig triggerConfig =
        TriggerConfig.builder(config.dataDir()).policy(queryPolicy).build();
    TrainerTrigger trigger =
        new TrainerTrigger(bootstrapServers, triggerConfig, metrics.registry());
    closeables.push(trigger);
    trigger.start().get(120, TimeUnit.SECONDS);

    FileAdapterRegistry registry = FileAdapterRegistry.open(retraining.registryDir());
    QueryAdapterJob queryJob =
        new QueryAdapterJob(
            AdapterTrainingConfig.defaults(),
            store,
            registry,
            new EvaluationGate(
                new HeldOutEvaluator(store, SearchMode.DENSE, SearchFilter.NONE),
                retraining.gateMargin()),
            QueryAdapterJob.DEFAULT_GATE_FRACTION,
            Clock.systemUTC());
    AdapterLog adapterLog =
        new AdapterLog(bootstrapServers, Topics.ADAPTERS, Duration.ofSeconds(60));
    closeables.push(adapterLog);
    TrainingJobRunner trainer =
        new TrainingJobRunner(
            bootstrapServers,
            queryJob,
            null,
            registry,
            adapterLog,
            Duration.ofMinutes(2),
            KindPolicy.DEFAULT_QUERY_ADAPTER_JOB_TIMEOUT,
            Clock.systemUTC());
    closeables.push(trainer);
    trainer.start();
    LOG.info("Trainer trigger and trainer running; adapters registered in {}", registry.root());
  }

  /**
   * Creates mapped tables that do not exist yet when they use DESIGN's default column names, so
   * {@code ragstream local} can start before {@code ragstream load} (which creates the same table).
   * Tables with other mappings must exist: they are the user's, and the CDC source says so.
   */
  private void createMissingDefaultTables() throws java.sql.SQLException {
    var source = config.source();
    try (java.sql.Connection db =
        java.sql.DriverManager.getConnection(
            source.jdbcUrl(), source.user(), source.password().reveal())) {
      for (TableMapping t : source.tables()) {
        if (t.equals(TableMapping.forTable(t.schema(), t.table()))) {
          new SourceTable(t.schema(), t.table()).createIfMissing(db);
        }
      }
    }
  }

  private void checkReady(Admin admin) {
    try {
      long normalizerLag =
          lag(admin, normalizerConfig.applicationId(), normalizerConfig.sourceTopics());
      long indexerLag = lag(admin, reindex.servingConsumerGroup(), List.of(Topics.CHANGES));
      boolean now =
          !cdc.terminated().isCompletedExceptionally()
              && cdc.snapshotCompleted().isDone()
              && !cdc.snapshotCompleted().isCompletedExceptionally()
              && normalizerLag == 0
              && indexerLag == 0;
      if (now != ready.getAndSet(now)) {
        LOG.info("Platform {}", now ? "ready: the index has caught up" : "catching up");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.debug("Readiness check failed: {}", e.toString());
    }
  }

  /** Total lag of {@code group} on {@code topics}; also sets its per-topic lag gauges. */
  private long lag(Admin admin, String group, java.util.Collection<String> topics)
      throws Exception {
    Map<String, Long> byTopic = ConsumerLag.byTopic(admin, group, topics);
    byTopic.forEach((topic, records) -> platformMetrics.consumerLag(group, topic, records));
    return byTopic.values().stream().mapToLong(Long::longValue).sum();
  }

  /** {@code http://host:port} of the gateway. */
  public String gatewayUrl() {
    return gateway.url();
  }

  /** Kafka bootstrap servers in use. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The shared vector store. */
  public VectorStore store() {
    return store;
  }

  /** The CDC source. */
  public CdcSource cdc() {
    return cdc;
  }

  /** True once the snapshot is captured and the pipeline has no lag. */
  public boolean ready() {
    return ready.get();
  }

  /** Stops every started part in reverse order; logs and continues past failures. */
  @Override
  public void close() {
    while (!closeables.isEmpty()) {
      AutoCloseable c = closeables.pop();
      try {
        c.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        LOG.warn("Error while stopping {}: {}", c, e.toString());
      }
    }
  }
}
