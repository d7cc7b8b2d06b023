package io.ragstream.cli.local;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.RetrainingSettings;
import io.ragstream.cli.platform.Closeables;
import io.ragstream.cli.platform.GatewayPart;
import io.ragstream.cli.platform.IngestPart;
import io.ragstream.cli.platform.Stores;
import io.ragstream.cli.platform.TopicSpecs;
import io.ragstream.cli.platform.TrainerPart;
import io.ragstream.cli.reindex.AdminToken;
import io.ragstream.cli.reindex.EmbedderBoundStore;
import io.ragstream.cli.reindex.IndexGeneration;
import io.ragstream.cli.reindex.IndexGenerations;
import io.ragstream.cli.reindex.ReindexController;
import io.ragstream.core.model.Topics;
import io.ragstream.core.port.Embedder;
import io.ragstream.core.port.VectorStore;
import io.ragstream.gateway.events.GatewayEvents;
import io.ragstream.gateway.index.ServingIndex;
import io.ragstream.gateway.index.ServingStoreView;
import io.ragstream.gateway.metrics.GatewayMetrics;
import io.ragstream.ingest.cdc.CdcSource;
import io.ragstream.ingest.kafka.KafkaTopics;
import io.ragstream.ingest.normalize.ChangeNormalizerRunner;
import io.ragstream.ingest.normalize.NormalizerConfig;
import io.ragstream.localkafka.EmbeddedKafkaBroker;
import io.ragstream.processors.drift.DriftJob;
import io.ragstream.processors.indexing.Components;
import io.ragstream.processors.indexing.DocumentIndexingJob;
import io.ragstream.processors.local.LocalFlinkRunner;
import io.ragstream.processors.local.MicrometerReporter;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
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
  private final Closeables closeables = new Closeables();
  private final AtomicBoolean ready = new AtomicBoolean();
  private String bootstrapServers;
  private VectorStore store;
  private CdcSource cdc;
  private GatewayPart gateway;
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
    Stores.requireLocal(config);
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
    // The normalizer creates its input topics, ragstream.changes (compacted) and the DLQ.
    IngestPart ingest = IngestPart.startNormalizer(config, bootstrapServers, "ragstream-local");
    closeables.push(ingest);
    normalizerConfig = ingest.normalizerConfig();
    ChangeNormalizerRunner normalizer = ingest.normalizer();

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
    closeables.push(GatewayPart.followFreshness(config, bootstrapServers, metrics));
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
    gateway =
        GatewayPart.start(
            config,
            bootstrapServers,
            admin,
            servingIndex,
            reindex,
            metrics,
            ready::get,
            TopicSpecs.singleReplica());
    closeables.push(gateway);

    if (events && retraining.trainerEnabled()) {
      closeables.push(
          TrainerPart.start(
              retraining,
              config.llmLora(),
              config.dataDir(),
              bootstrapServers,
              queryEmbedder.id(),
              store,
              metrics.registry()));
    }

    // Slot lag, retained WAL, active flag and wal_status on the gateway's GET /metrics.
    ingest.startSource(metrics.registry());
    closeables.push(ingest::stopSource);
    cdc = ingest.cdc();

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
    closeables.close();
  }
}
