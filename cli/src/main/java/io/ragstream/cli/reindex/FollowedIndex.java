package io.ragstream.cli.reindex;

import static io.ragstream.cli.reindex.GenerationResources.closeQuietly;
import static io.ragstream.cli.reindex.GenerationResources.release;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.StoreSettings;
import io.ragstream.cli.platform.Stores;
import io.ragstream.core.port.Embedder;
import io.ragstream.core.port.VectorStore;
import io.ragstream.embedding.Embedders;
import io.ragstream.gateway.index.ServingIndex;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving index generation of a distributed reader (the gateway): opens the generation {@code
 * ragstream.generations} names as serving (generation 1 with {@code indexing.embedder} when the
 * topic has none), then follows the topic and swaps its {@link ServingIndex} to each newly serving
 * generation, query embedder and store together (docs/reindex.md, "Distributed mode").
 *
 * <p>A switch loads the new query embedder and opens the new store before anything changes;
 * searches in flight finish on the old generation, which is closed after its last lease. When the
 * new generation cannot be opened (its Lucene directory not visible yet, Qdrant unreachable), the
 * reader keeps serving the old one, logs the failure and retries every {@link #RETRY}, until it
 * succeeds or the topic names yet another generation.
 */
public final class FollowedIndex implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FollowedIndex.class);

  /** How often a failed switch is retried. */
  public static final Duration RETRY = Duration.ofSeconds(2);

  private final LocalConfig config;
  private final String firstGroup;
  private final ServingIndex index;
  private final AtomicReference<IndexGeneration> serving = new AtomicReference<>();
  private final AtomicReference<IndexGeneration> wanted = new AtomicReference<>();
  private final ScheduledExecutorService switcher;
  private AutoCloseable follower;

  private FollowedIndex(
      LocalConfig config, String firstGroup, IndexGeneration first, Duration storeWait)
      throws InterruptedException {
    this.config = config;
    this.firstGroup = firstGroup;
    ServingIndex.Generation opened = open(first, storeWait);
    this.index = ServingIndex.of(opened, release(opened));
    this.serving.set(first);
    this.wanted.set(first);
    this.switcher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ragstream-generation-switch");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Opens the serving generation and, with Kafka, follows {@code ragstream.generations}.
   *
   * @param bootstrapServers the deployment's Kafka, or null (then generation 1 serves for good)
   * @param firstGroup generation 1's indexing consumer group ({@code indexing.group-id})
   * @param storeWait how long to wait at start for a Lucene index to appear
   * @throws Exception when the topic cannot be read or the serving generation cannot be opened
   */
  public static FollowedIndex start(
      LocalConfig config, String bootstrapServers, String firstGroup, Duration storeWait)
      throws Exception {
    Objects.requireNonNull(config, "config");
    Optional<List<IndexGeneration>> recorded = Optional.empty();
    GenerationsTopic topic = null;
    if (bootstrapServers != null) {
      topic = new GenerationsTopic(bootstrapServers);
      try (var admin =
          org.apache.kafka.clients.admin.Admin.create(
              java.util.Map.of("bootstrap.servers", bootstrapServers))) {
        GenerationsTopic.createMissing(admin, Duration.ofSeconds(30));
      }
      recorded = topic.read(Duration.ofSeconds(60));
    }
    IndexGeneration first =
        recorded
            .map(IndexGenerations::servingOf)
            .orElseGet(
                () ->
                    new IndexGeneration(
                        1, config.embedder(), IndexGeneration.State.SERVING, 0, 0, "initial"));
    if (!first.embedder().equals(config.embedder())) {
      LOG.info(
          "indexing.embedder is {} but generation {} ({}) serves since a reindex; serving {}",
          config.embedder(),
          first.number(),
          first.embedder(),
          first.embedder());
    }
    FollowedIndex f = new FollowedIndex(config, firstGroup, first, storeWait);
    if (topic != null) {
      try {
        f.follower = topic.follow(f::recorded);
      } catch (RuntimeException e) {
        f.close();
        f.index.close();
        throw e;
      }
    }
    return f;
  }

  /** The swappable index the gateway searches; closed by whoever closes the gateway, after it. */
  public ServingIndex servingIndex() {
    return index;
  }

  /** The generation serving now. */
  public IndexGeneration serving() {
    return serving.get();
  }

  /** The consumer group of the serving generation's indexing job (readiness watches its lag). */
  public String servingConsumerGroup() {
    return serving.get().consumerGroup(firstGroup);
  }

  private void recorded(List<IndexGeneration> generations) {
    IndexGeneration next = IndexGenerations.servingOf(generations);
    IndexGeneration before = wanted.getAndSet(next);
    if (before.number() != next.number()) {
      switcher.execute(this::reconcile);
    }
  }

  /** Serves the wanted generation if it does not serve yet; on failure retries later. */
  private void reconcile() {
    IndexGeneration next = wanted.get();
    if (next.number() == serving.get().number()) return;
    try {
      ServingIndex.Generation opened = open(next, Duration.ZERO);
      if (wanted.get().number() != next.number()) {
        release(opened).close(); // superseded while opening
        switcher.execute(this::reconcile);
        return;
      }
      index.swap(opened, release(opened));
      serving.set(next);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.error(
          "cannot serve index generation {} ({}) yet, still serving {}; retrying in {}s: {}",
          next.number(),
          next.embedder(),
          serving.get().number(),
          RETRY.toSeconds(),
          e.toString());
      if (!switcher.isShutdown()) {
        switcher.schedule(this::reconcile, RETRY.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  private ServingIndex.Generation open(IndexGeneration g, Duration storeWait)
      throws InterruptedException {
    Embedder embedder = Embedders.create(g.embedder(), config.queryEmbedderThreads());
    try {
      StoreSettings settings = config.store().generation(g.number());
      VectorStore store =
          Stores.openReader(
              settings, config.storeOptions(), embedder.id(), embedder.dimension(), storeWait);
      return new ServingIndex.Generation(g.number(), embedder, store);
    } catch (InterruptedException | RuntimeException e) {
      closeQuietly(embedder);
      throw e;
    }
  }

  /** Stops following; the serving index stays open (close it after the gateway). */
  @Override
  public void close() throws Exception {
    switcher.shutdownNow();
    if (follower != null) follower.close();
  }
}
