package io.ragstream.cli.reindex;

import static io.ragstream.cli.reindex.GenerationResources.closeQuietly;
import static io.ragstream.cli.reindex.GenerationResources.release;

import io.ragstream.core.port.Embedder;
import io.ragstream.core.port.VectorStore;
import io.ragstream.embedding.Embedders;
import io.ragstream.gateway.index.IndexAdmin;
import io.ragstream.gateway.index.ServingIndex;
import io.ragstream.store.lucene.LuceneStoreOptions;
import io.ragstream.store.lucene.LuceneVectorStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the index generations of one {@code ragstream local}: one indexing job per live generation,
 * the gateway's {@link ServingIndex}, and reindex, rollback and retire (docs/reindex.md).
 *
 * <p><b>Reindex.</b> {@link #reindex} records a {@code BUILDING} generation and starts its job (own
 * consumer group, from the earliest offset of the compacted {@code ragstream.changes}, own index
 * directory, the new embedder) beside the serving one, which keeps indexing live changes and
 * serving. A monitor polls the new group's lag on {@code ragstream.changes} every {@code
 * pollInterval}; at lag 0 (every change up to the end offsets applied and checkpointed) it loads
 * the new query embedder and opens the new index, persists the switch, and then swaps the serving
 * generation in one atomic step: searches in flight finish on the old generation, every later
 * search uses the new one, none sees an empty index. The previous generation becomes {@code
 * STANDBY}: its job keeps running, so {@link #rollback()} switches back to an index that is just as
 * fresh. {@link #retire()} stops it and deletes its files.
 *
 * <p>Thread-safe; operations are serialized. All methods block (job start, Kafka admin, file I/O).
 */
public final class ReindexController implements IndexAdmin, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReindexController.class);
  private static final Duration JOB_STOP_TIMEOUT = Duration.ofSeconds(60);

  /** Starts the indexing job of a generation (Flink MiniCluster in local mode). */
  @FunctionalInterface
  public interface JobLauncher {
    /**
     * @param generation the generation to index: its embedder, directory ({@link
     *     IndexGeneration#luceneDirectory()}), consumer group and checkpoint directory
     * @return the running job; cancelled to stop it
     */
    JobClient start(IndexGeneration generation) throws Exception;
  }

  /** The lag of a consumer group on {@code ragstream.changes}, in records. */
  @FunctionalInterface
  public interface LagProbe {
    /**
     * @return records not yet committed by {@code group}; a partition with records and no committed
     *     offset counts fully
     */
    long lag(String group) throws Exception;
  }

  /**
   * What {@code GET /admin/index} answers.
   *
   * @param serving the serving generation
   * @param building the generation being built, or null
   * @param buildingLag the building generation's last measured lag in records, or null
   * @param standby the generation kept for rollback, or null
   * @param generations every generation, oldest first
   * @param swaps how many times the serving generation changed since start
   */
  public record Status(
      IndexGeneration serving,
      IndexGeneration building,
      Long buildingLag,
      IndexGeneration standby,
      List<IndexGeneration> generations,
      int swaps) {}

  private final IndexGenerations registry;
  private final Path dataDir;
  private final LuceneStoreOptions storeOptions;
  private final int queryEmbedderThreads;
  private final String adminToken;
  private final ServingIndex servingIndex;
  private final Map<Integer, RunningJob> jobs = new ConcurrentHashMap<>();

  /** A started job and the future of its end (completed when it ends for any reason). */
  private record RunningJob(JobClient client, CompletableFuture<?> end) {
    static RunningJob of(JobClient client) {
      return new RunningJob(client, client.getJobExecutionResult());
    }
  }

  private final ScheduledExecutorService monitor;
  private volatile Long buildingLag;
  private JobLauncher launcher;
  private LagProbe lagProbe;
  private Duration pollInterval;

  /**
   * Opens the serving generation of {@code registry} for the gateway (its query embedder and
   * index); no job runs until {@link #start}.
   *
   * @param queryEmbedderThreads ONNX threads of each generation's query embedder
   * @param adminToken the bearer token of {@code /admin/index} ({@link AdminToken})
   */
  public ReindexController(
      IndexGenerations registry,
      Path dataDir,
      LuceneStoreOptions storeOptions,
      int queryEmbedderThreads,
      String adminToken) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
    this.storeOptions = Objects.requireNonNull(storeOptions, "storeOptions");
    this.queryEmbedderThreads = queryEmbedderThreads;
    this.adminToken = Objects.requireNonNull(adminToken, "adminToken");
    IndexGeneration serving = registry.serving();
    ServingIndex.Generation opened = open(serving);
    this.servingIndex = ServingIndex.of(opened, release(opened));
    this.monitor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ragstream-reindex");
              t.setDaemon(true);
              return t;
            });
    LOG.info("serving index generation {} ({})", serving.number(), serving.embedder());
  }

  /** The gateway's serving generation; closed by whoever closes the gateway, after it. */
  public ServingIndex servingIndex() {
    return servingIndex;
  }

  /**
   * Starts the job of every live generation (serving, standby, building), and the monitor that
   * switches to a building generation once it caught up.
   */
  public synchronized void start(JobLauncher launcher, LagProbe lagProbe, Duration pollInterval)
      throws Exception {
    this.launcher = Objects.requireNonNull(launcher, "launcher");
    this.lagProbe = Objects.requireNonNull(lagProbe, "lagProbe");
    this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
    for (IndexGeneration g : registry.live()) {
      jobs.put(g.number(), RunningJob.of(launcher.start(g)));
      LOG.info(
          "indexing job of generation {} ({}, {}) started", g.number(), g.embedder(), g.state());
    }
    long millis = pollInterval.toMillis();
    monitor.scheduleWithFixedDelay(this::checkBuild, millis, millis, TimeUnit.MILLISECONDS);
  }

  /** The consumer group whose lag says whether the serving index is fresh. */
  public String servingConsumerGroup() {
    return registry.serving().consumerGroup();
  }

  @Override
  public String adminToken() {
    return adminToken;
  }

  @Override
  public synchronized Status status() {
    return new Status(
        registry.serving(),
        registry.building().orElse(null),
        registry.building().isPresent() ? buildingLag : null,
        registry.standby().orElse(null),
        registry.list(),
        servingIndex.swaps());
  }

  @Override
  public synchronized Status reindex(String embedder) {
    if (launcher == null) {
      throw new IllegalStateException("the platform is still starting; retry in a moment");
    }
    IndexGeneration g = registry.beginBuild(embedder);
    buildingLag = null;
    try {
      jobs.put(g.number(), RunningJob.of(launcher.start(g)));
    } catch (Exception e) {
      registry.fail(g.number(), "indexing job did not start: " + e.getMessage());
      throw new IllegalStateException(
          "cannot start the indexing job of generation " + g.number(), e);
    }
    LOG.info(
        "reindex: building generation {} with {} into {} (consumer group {})",
        g.number(),
        g.embedder(),
        dataDir.resolve(g.luceneDirectory()),
        g.consumerGroup());
    return status();
  }

  @Override
  public synchronized Status rollback() {
    IndexGeneration standby =
        registry
            .standby()
            .orElseThrow(() -> new IllegalStateException("no previous generation to roll back to"));
    serve(standby, registry::rollback);
    return status();
  }

  @Override
  public synchronized Status retire() {
    IndexGeneration standby =
        registry
            .standby()
            .orElseThrow(() -> new IllegalStateException("no previous generation to retire"));
    stopJob(standby.number());
    registry.retire();
    deleteTree(dataDir.resolve(standby.luceneDirectory()));
    deleteTree(dataDir.resolve(standby.checkpointDirectory()));
    LOG.info("retired generation {} ({})", standby.number(), standby.embedder());
    return status();
  }

  /** One monitor tick: measure the build's lag, fail it if its job ended, switch at lag 0. */
  private void checkBuild() {
    try {
      Optional<IndexGeneration> building = registry.building();
      if (building.isEmpty()) return;
      IndexGeneration g = building.get();
      RunningJob job = jobs.get(g.number());
      if (job == null) return;
      if (job.end().isDone()) {
        String how = endOf(job.end());
        synchronized (this) {
          registry.fail(g.number(), "indexing job ended: " + how);
          jobs.remove(g.number());
        }
        LOG.error("reindex: the job of generation {} ended ({}); still serving", g.number(), how);
        return;
      }
      long lag = lagProbe.lag(g.consumerGroup());
      buildingLag = lag;
      LOG.debug("reindex: generation {} lag {}", g.number(), lag);
      if (lag == 0) {
        synchronized (this) {
          if (registry.building().map(b -> b.number() == g.number()).orElse(false)) {
            serve(g, () -> registry.completeBuild(g.number()));
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("reindex: checking the build failed, will retry: {}", e.toString());
    }
  }

  /**
   * Opens {@code next} (loading its query embedder before anything changes), persists the change
   * with {@code record}, then swaps it in.
   */
  private void serve(IndexGeneration next, java.util.function.Supplier<IndexGeneration> record) {
    ServingIndex.Generation opened = open(next);
    try {
      record.get();
    } catch (RuntimeException e) {
      closeQuietly(release(opened));
      throw e;
    }
    servingIndex.swap(opened, release(opened));
  }

  private ServingIndex.Generation open(IndexGeneration g) {
    Embedder embedder = Embedders.create(g.embedder(), queryEmbedderThreads);
    try {
      VectorStore store =
          new EmbedderBoundStore(
              LuceneVectorStore.open(dataDir.resolve(g.luceneDirectory()), storeOptions),
              g.embedder());
      return new ServingIndex.Generation(g.number(), embedder, store);
    } catch (RuntimeException e) {
      closeQuietly(embedder);
      throw e;
    }
  }

  private void stopJob(int number) {
    RunningJob job = jobs.remove(number);
    if (job == null) return;
    try {
      if (!job.end().isDone()) {
        job.client().cancel().get(JOB_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
      // The end future completes (exceptionally, for a cancellation) once the job has stopped and
      // its tasks closed their store handles.
      job.end().handle((r, e) -> null).get(JOB_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping generation " + number, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot stop the job of generation " + number + ": " + e.getMessage(), e);
    }
  }

  /** How a finished job ended, for the generation's reason. */
  private static String endOf(CompletableFuture<?> end) {
    try {
      end.getNow(null);
      return "finished";
    } catch (CompletionException | java.util.concurrent.CancellationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      return cause.toString();
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) return;
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Stops the monitor and every job (newest first); the serving index stays open. */
  @Override
  public void close() {
    monitor.shutdownNow();
    List<Integer> numbers = jobs.keySet().stream().sorted(Comparator.reverseOrder()).toList();
    for (int n : numbers) {
      try {
        stopJob(n);
      } catch (RuntimeException e) {
        LOG.warn("stopping the job of generation {} failed: {}", n, e.toString());
      }
    }
  }
}
