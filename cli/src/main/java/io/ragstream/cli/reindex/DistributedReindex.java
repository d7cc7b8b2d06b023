package io.ragstream.cli.reindex;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.StoreSettings;
import io.ragstream.cli.local.ConsumerLag;
import io.ragstream.core.model.Topics;
import io.ragstream.embedding.Embedders;
import io.ragstream.store.qdrant.QdrantStoreConfig;
import io.ragstream.store.qdrant.QdrantVectorStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reindex, rollback and retire for a distributed deployment ({@code ragstream reindex
 * --distributed}): the generations live on {@code ragstream.generations} ({@link
 * GenerationsTopic}), which every gateway follows; the indexing job of a new generation runs on the
 * Flink cluster with the options {@link #jobOptions} gives (docs/reindex.md, "Distributed mode").
 *
 * <p>A reindex: (1) records generation N as {@code BUILDING} (with Qdrant, creates its collection
 * {@code <alias>_vN} bound to the new embedder first); (2) the operator submits the job with {@link
 * #jobOptions}: its own consumer group, its own index location, the new embedder; (3) {@link
 * #awaitCaughtUp} polls the group's lag on {@code ragstream.changes} until 0 (Flink commits offsets
 * on completed checkpoints, after the store applied every earlier record); (4) {@link #complete}
 * records N {@code SERVING} and the previous generation {@code STANDBY}; every gateway opens N
 * (query embedder and store together) and swaps; with Qdrant the alias then points at N's
 * collection for readers outside ragstream. Rollback records the standby as serving again; retire
 * records it retired and deletes its index once its job was cancelled.
 *
 * <p>Not thread-safe; one command at a time per deployment (two concurrent commands could both read
 * the same state; the topic has no compare-and-set).
 */
public final class DistributedReindex implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DistributedReindex.class);

  private final LocalConfig config;
  private final String bootstrapServers;
  private final String firstGroup;
  private final GenerationsTopic topic;
  private final Admin admin;
  private final Clock clock;

  /**
   * @param config the deployment's configuration (the same file as its services)
   * @param bootstrapServers the deployment's Kafka
   * @param firstGroup generation 1's indexing consumer group ({@code indexing.group-id})
   */
  public DistributedReindex(
      LocalConfig config, String bootstrapServers, String firstGroup, Clock clock)
      throws Exception {
    this.config = Objects.requireNonNull(config, "config");
    this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    this.firstGroup = Objects.requireNonNull(firstGroup, "firstGroup");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.topic = new GenerationsTopic(bootstrapServers);
    this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    try {
      GenerationsTopic.createMissing(admin, Duration.ofSeconds(30));
    } catch (Exception e) {
      admin.close();
      throw e;
    }
  }

  /** The recorded generations (generation 1 with {@code indexing.embedder} when none). */
  public IndexGenerations generations() throws TimeoutException {
    Optional<List<IndexGeneration>> recorded = topic.read(Duration.ofSeconds(60));
    return IndexGenerations.of(recorded, config.embedder(), clock, topic::publish);
  }

  /**
   * Records a new {@code BUILDING} generation with {@code embedder}; with Qdrant its collection is
   * created first (bound to the embedder, so no other model's vectors can enter it).
   *
   * @throws IllegalArgumentException when the embedder is unknown
   * @throws IllegalStateException when the state refuses a build (named in the message)
   */
  public IndexGeneration begin(String embedder) throws Exception {
    IndexGenerations generations = generations();
    // Refusals (same model, a build running, a standby kept) are checked before anything is made.
    IndexGeneration probe = dryRunBegin(generations, embedder);
    if (config.store().kind() == StoreSettings.Kind.QDRANT) {
      try (QdrantVectorStore store = openQdrant(probe)) {
        LOG.info("created Qdrant collection {} for {}", store.config().collection(), embedder);
      }
    }
    return generations.beginBuild(embedder);
  }

  private IndexGeneration dryRunBegin(IndexGenerations generations, String embedder) {
    IndexGenerations copy =
        IndexGenerations.of(Optional.of(generations.list()), config.embedder(), clock, g -> {});
    return copy.beginBuild(embedder);
  }

  /**
   * The program arguments of generation {@code g}'s indexing job ({@code --key value}, as the job
   * jar's {@code IndexingJobMain} reads them): the Kafka cluster, the embedder, the consumer group
   * and the store location. Tuning options of the serving job (parallelism, checkpoint interval,
   * Qdrant batching) are to be added as they are.
   */
  public Map<String, String> jobOptions(IndexGeneration g) {
    return jobOptions(config, bootstrapServers, firstGroup, g);
  }

  /**
   * {@link #jobOptions(IndexGeneration)} of a deployment configured by {@code config}, with Kafka
   * at {@code bootstrapServers} and generation 1's consumer group {@code firstGroup}.
   */
  public static Map<String, String> jobOptions(
      LocalConfig config, String bootstrapServers, String firstGroup, IndexGeneration g) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("ragstream.kafka.bootstrap-servers", bootstrapServers);
    o.put("ragstream.embedder", g.embedder());
    o.put("ragstream.indexing.group-id", g.consumerGroup(firstGroup));
    StoreSettings store = config.store().generation(g.number());
    if (store.kind() == StoreSettings.Kind.QDRANT) {
      QdrantStoreConfig q = store.qdrant();
      o.put("ragstream.store.kind", "qdrant");
      o.put(
          "ragstream.store.qdrant.url",
          (q.tls() ? "https://" : "http://") + q.host() + ":" + q.port());
      o.put("ragstream.store.qdrant.collection", q.collection());
      o.put("ragstream.store.qdrant.alias", "");
    } else {
      o.put("ragstream.store.kind", "lucene");
      o.put("ragstream.store.lucene.path", store.lucenePath().toString());
    }
    return o;
  }

  /** {@link #jobOptions} as one line of program arguments. */
  public String jobArguments(IndexGeneration g) {
    return arguments(jobOptions(g));
  }

  /** {@code options} as {@code --key value} program arguments (an empty value as {@code ''}). */
  public static String arguments(Map<String, String> options) {
    StringBuilder sb = new StringBuilder();
    options.forEach(
        (k, v) -> {
          if (sb.length() > 0) sb.append(' ');
          sb.append("--").append(k).append(' ').append(v.isEmpty() ? "''" : v);
        });
    return sb.toString();
  }

  /** The lag of generation {@code g}'s consumer group on {@code ragstream.changes}, in records. */
  public long lag(IndexGeneration g) throws Exception {
    return ConsumerLag.of(admin, g.consumerGroup(firstGroup), List.of(Topics.CHANGES));
  }

  /**
   * Polls the lag of the building generation {@code number} every {@code poll} until it is 0,
   * reporting each new value to {@code progress}.
   *
   * @return true at lag 0; false when {@code timeout} passed first
   * @throws IllegalStateException when {@code number} is no longer the building generation
   */
  public boolean awaitCaughtUp(int number, Duration timeout, Duration poll, LongConsumer progress)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    long last = -1;
    while (System.nanoTime() - deadline < 0) {
      IndexGeneration g =
          generations()
              .building()
              .filter(b -> b.number() == number)
              .orElseThrow(
                  () -> new IllegalStateException("generation " + number + " is not being built"));
      long lag = lag(g);
      if (lag != last) {
        progress.accept(lag);
        last = lag;
      }
      if (lag == 0) return true;
      Thread.sleep(poll.toMillis()); // polling Kafka's committed offsets; nothing to wait on
    }
    return false;
  }

  /**
   * Generation {@code number}, built, serves; the one serving before becomes the standby. With
   * Qdrant the alias then points at the new collection.
   */
  public IndexGeneration complete(int number) throws Exception {
    IndexGenerations generations = generations();
    IndexGeneration building =
        generations
            .building()
            .filter(b -> b.number() == number)
            .orElseThrow(
                () -> new IllegalStateException("generation " + number + " is not being built"));
    long lag = lag(building);
    if (lag != 0) {
      throw new IllegalStateException(
          "generation "
              + number
              + " has not caught up: "
              + lag
              + " changes left for consumer group "
              + building.consumerGroup(firstGroup));
    }
    IndexGeneration serving = generations.completeBuild(number);
    pointAlias(serving);
    return serving;
  }

  /** The standby generation serves again (the serving one becomes the standby). */
  public IndexGeneration rollback() throws Exception {
    IndexGeneration serving = generations().rollback();
    pointAlias(serving);
    return serving;
  }

  /**
   * The standby generation is recorded as retired and its index deleted: with Qdrant its
   * collection, with Lucene its directory when this process can see it (else the path is logged).
   * Cancel its Flink job first: a running job would recreate the index.
   */
  public IndexGeneration retire() throws Exception {
    IndexGenerations generations = generations();
    IndexGeneration standby =
        generations
            .standby()
            .orElseThrow(() -> new IllegalStateException("no previous generation to retire"));
    generations.retire();
    StoreSettings store = config.store().generation(standby.number());
    if (store.kind() == StoreSettings.Kind.QDRANT) {
      IndexGeneration serving = generations.serving();
      try (QdrantVectorStore s = openQdrant(serving)) {
        s.collections().deleteCollection(store.qdrant().collection());
      }
    } else if (Files.isDirectory(store.lucenePath())) {
      deleteTree(store.lucenePath());
    } else {
      LOG.warn(
          "the Lucene directory {} of generation {} is not visible here; delete it on the host of"
              + " the indexing job",
          store.lucenePath(),
          standby.number());
    }
    return standby;
  }

  /** Where generation {@code g}'s index lives, for messages. */
  public String location(IndexGeneration g) {
    StoreSettings store = config.store().generation(g.number());
    return store.kind() == StoreSettings.Kind.QDRANT
        ? "Qdrant collection " + store.qdrant().collection()
        : "Lucene directory " + store.lucenePath();
  }

  /** The consumer group of generation {@code g}'s indexing job. */
  public String consumerGroup(IndexGeneration g) {
    return g.consumerGroup(firstGroup);
  }

  private void pointAlias(IndexGeneration serving) {
    if (config.store().kind() != StoreSettings.Kind.QDRANT) return;
    String alias =
        Optional.ofNullable(config.store().qdrant().alias())
            .orElse(QdrantStoreConfig.DEFAULT_ALIAS);
    try (QdrantVectorStore store = openQdrant(serving)) {
      store.collections().switchAlias(alias, store.config().collection());
    }
  }

  private QdrantVectorStore openQdrant(IndexGeneration g) {
    QdrantStoreConfig q =
        config
            .store()
            .generation(g.number())
            .qdrantFor(Embedders.id(g.embedder()), Embedders.dimension(g.embedder()));
    return QdrantVectorStore.open(q);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      List<Path> all = new ArrayList<>(paths.toList());
      all.sort(Comparator.reverseOrder());
      for (Path p : all) Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    admin.close();
  }
}
