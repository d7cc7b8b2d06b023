package io.ragstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.ServiceSettings;
import io.ragstream.cli.config.Settings;
import io.ragstream.cli.distributed.GatewayService;
import io.ragstream.cli.reindex.GenerationsTopic;
import io.ragstream.cli.reindex.IndexGeneration;
import io.ragstream.cli.reindex.ReindexCommand;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.core.model.SourceInfo;
import io.ragstream.core.model.Topics;
import io.ragstream.ingest.kafka.KafkaTopics;
import io.ragstream.job.ClusterIndexingJob;
import io.ragstream.localkafka.EmbeddedKafkaBroker;
import io.ragstream.processors.local.LocalFlinkRunner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Issue 5, reindex in distributed mode: {@code ragstream reindex --distributed} records the
 * generations on {@code ragstream.generations}; a {@code ragstream gateway} ({@link
 * GatewayService}) follows them and switches its query embedder and store together, under
 * concurrent dense queries, with no failed or empty search. Real parts: the in-JVM KRaft broker,
 * the indexing jobs built from the job jar's options ({@link ClusterIndexingJob}, the job jar's own
 * code path) on Flink MiniClusters standing in for the Flink cluster, the ONNX models, Lucene
 * shared read-only with the gateway. Changes are produced straight to {@code ragstream.changes}
 * (CDC is covered by DistributedModeIT).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DistributedReindexIT {
  private static final Logger LOG = LoggerFactory.getLogger(DistributedReindexIT.class);
  private static final String A = "all-minilm-l6-v2-q";
  private static final String B = "e5-small-v2-q";
  private static final Duration WAIT = Duration.ofSeconds(180);
  private static final SourceInfo SOURCE =
      new SourceInfo("postgresql", "postgres", "public", "documents");

  /** key, body: one clear topic each. */
  private static final String[][] CORPUS = {
    {"volcano", "Shield volcanoes such as Mauna Loa erupt basaltic lava flows in Hawaii."},
    {"photo", "Chloroplasts convert sunlight into chemical energy in leaves."},
    {"tide", "The gravitational pull of the moon raises ocean tides twice a day."},
    {"jazz", "Bebop jazz musicians improvised fast solos over complex chord changes."},
    {"bread", "Sourdough bread rises with wild yeast and lactic acid bacteria."},
    {"chess", "The Sicilian Defence answers the king pawn opening in chess."},
    {"bees", "Honeybees dance to tell the hive where flowers with nectar are."},
    {"rust", "Iron rusts when it reacts with oxygen and water to form oxide."},
    {"glacier", "Glaciers carve U-shaped valleys as ice flows slowly downhill."},
    {"vaccine", "Vaccines train the immune system to recognise a virus."},
    {"coffee", "Espresso is brewed by forcing hot water through ground coffee."},
    {"bridge", "Suspension bridges hang the deck from cables between tall towers."},
  };

  /** query, relevant key. */
  private static final String[][] QUERIES = {
    {"how do plants turn sunlight into energy", "photo"},
    {"lava from a volcano", "volcano"},
    {"why does the sea have tides", "tide"},
    {"baking bread with wild yeast", "bread"},
    {"how do bees communicate", "bees"},
    {"how do suspension bridges hold the road", "bridge"},
  };

  private Path dir;

  private final PlatformFixture fixture = new PlatformFixture("dreindex");
  private final HttpClient http = HttpClient.newHttpClient();
  private final SearchProbe probe =
      new SearchProbe(() -> this.gateway.url(), DistributedReindexIT::id);
  private final List<JobClient> jobs = new ArrayList<>();
  private EmbeddedKafkaBroker broker;
  private KafkaProducer<String, String> producer;
  private Map<String, String> keys;
  private Path yaml;
  private GatewayService gateway;
  private long version = 1;

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    dir = tmp;
    broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0, Duration.ofSeconds(90));
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      KafkaTopics.createMissing(
          admin,
          List.of(
              new NewTopic(Topics.CHANGES, 1, (short) 1)
                  .configs(
                      Map.of(
                          TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
              new NewTopic(Topics.DLQ, 1, (short) 1),
              new NewTopic(Topics.INDEXED, 1, (short) 1)),
          Duration.ofSeconds(30));
    }
    producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new StringSerializer(),
            new StringSerializer());
    for (String[] d : CORPUS) upsert(d[0], d[1]);

    keys = new HashMap<>(fixture.settings(dir.resolve("gateway")));
    keys.put("kafka.bootstrap-servers", broker.bootstrapServers());
    keys.put("indexing.embedder", A);
    keys.put("store.lucene.path", dir.resolve("job").resolve("index").toString());
    keys.put("gateway.host", "127.0.0.1");
    keys.put("gateway.port", "0");
    // The anonymous caller's default of 10 searches/s would answer 429 to the query threads.
    keys.put("gateway.rate-limit.per-second", "10000");
    keys.put("gateway.rate-limit.burst", "10000");
    yaml = dir.resolve("ragstream.yaml");
    StringBuilder sb = new StringBuilder();
    keys.forEach((k, v) -> sb.append(k).append(": '").append(v.replace("'", "''")).append("'\n"));
    Files.writeString(yaml, sb.toString());

    // Generation 1's job, with the options an operator gives the job jar.
    Map<String, String> first = new LinkedHashMap<>();
    first.put("ragstream.kafka.bootstrap-servers", broker.bootstrapServers());
    first.put("ragstream.embedder", A);
    first.put("ragstream.indexing.group-id", ServiceSettings.DEFAULT_INDEXER_GROUP);
    first.put("ragstream.store.kind", "lucene");
    first.put("ragstream.store.lucene.path", keys.get("store.lucene.path"));
    startJob(first, "cp-1");
    gateway = startGateway();
  }

  @AfterAll
  void stop() throws Exception {
    if (gateway != null) gateway.close();
    for (JobClient j : jobs) {
      try {
        j.cancel().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.debug("job already ended: {}", e.toString());
      }
    }
    if (producer != null) producer.close();
    if (broker != null) broker.close();
  }

  @Test
  void gatewayFollowsReindexRollbackAndRetireWithoutEmptyResults() throws Exception {
    await().atMost(WAIT).until(() -> QUERIES.length == probe.countRelevant(QUERIES));
    assertThat(gateway.servingGeneration().number()).isEqualTo(1);
    assertThat(reindex("--status").code()).isZero();
    assertThat(reindex("--embedder", A).code()).as("A serves already").isEqualTo(1);

    SearchProbe.Load load = probe.load(2, QUERIES);
    long reindexStart;
    long switched;
    long rollbackStart;
    long rolledBack;
    try {
      await().atMost(WAIT).until(() -> load.size() >= 20);

      // The operator starts the reindex; the command records generation 2 as BUILDING, prints the
      // job's arguments and waits. The test plays the Flink cluster and runs the job with them.
      reindexStart = System.nanoTime();
      StringWriter out = new StringWriter();
      CompletableFuture<Integer> command =
          CompletableFuture.supplyAsync(() -> run(out, "--embedder", B));
      await()
          .atMost(WAIT)
          .failFast("reindex ended before printing the job arguments", command::isDone)
          .until(() -> out.toString().contains("job arguments: "));
      String line =
          out.toString()
              .lines()
              .filter(l -> l.startsWith("job arguments: "))
              .findFirst()
              .orElseThrow();
      Map<String, String> options = parseArguments(line.substring("job arguments: ".length()));
      assertThat(options)
          .containsEntry("ragstream.embedder", B)
          .containsEntry("ragstream.indexing.group-id", "ragstream-indexer-v2")
          .containsEntry(
              "ragstream.store.lucene.path", dir.resolve("job").resolve("index-v2").toString());
      // A gateway that starts during the build serves generation 1 and follows the switch too.
      GatewayService joiner = startGateway();
      assertThat(joiner.servingGeneration().number()).isEqualTo(1);
      startJob(options, "cp-2");
      // A change committed during the build: the new index must have it after the switch.
      upsert("late", "A lighthouse keeper tends the lamp that guides ships at night.");
      assertThat(command.get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .as("reindex --embedder exit status; output:%n%s", out)
          .isZero();
      LOG.info("ragstream reindex --distributed --embedder {}:\n{}", B, out);
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> gateway.servingGeneration().number() == 2);
      switched = System.nanoTime();
      try (joiner) {
        await()
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(100))
            .until(() -> joiner.servingGeneration().number() == 2);
      }
      await()
          .atMost(WAIT)
          .until(
              () -> {
                SearchProbe.Observed o =
                    probe.search("who guides ships at night with a lamp", "late");
                return o.generation() == 2 && o.relevantInTop3();
              });
      long afterSwitch = load.size();
      await().atMost(WAIT).until(() -> load.size() >= afterSwitch + 30);

      rollbackStart = System.nanoTime();
      assertThat(reindex("--rollback").code()).isZero();
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> gateway.servingGeneration().number() == 1);
      rolledBack = System.nanoTime();
      // Generation 1 kept indexing while on standby: it has the late change too.
      await()
          .atMost(WAIT)
          .until(
              () -> {
                SearchProbe.Observed o =
                    probe.search("who guides ships at night with a lamp", "late");
                return o.generation() == 1 && o.relevantInTop3();
              });
      long afterRollback = load.size();
      await().atMost(WAIT).until(() -> load.size() >= afterRollback + 30);
    } finally {
      load.stop();
    }

    List<SearchProbe.Observed> all = load.stop();
    long failed = all.stream().filter(o -> o.status() != 200).count();
    long empty = all.stream().filter(o -> o.status() == 200 && o.hits() == 0).count();
    long irrelevant = all.stream().filter(o -> o.status() == 200 && !o.relevantInTop3()).count();
    long fromB = all.stream().filter(o -> o.generation() == 2).count();
    long fromA = all.stream().filter(o -> o.generation() == 1).count();
    LOG.info(
        "distributed reindex IT: {} searches, {} from generation 1 ({}), {} from generation 2"
            + " ({}); build and switch took {} s; {} failed, {} empty, {} without the relevant"
            + " document in the top 3; rollback reached the gateway in {} ms",
        all.size(),
        fromA,
        A,
        fromB,
        B,
        (switched - reindexStart) / 1e9,
        failed,
        empty,
        irrelevant,
        (rolledBack - rollbackStart) / 1_000_000);
    // The query vector always comes from the model that built the searched index.
    SearchProbe.assertEverySearchConsistent(all, Map.of(1, A, 2, B));
    assertThat(fromB).isPositive();
    assertThat(
            all.stream()
                .filter(o -> o.sentNanos() > switched && o.doneNanos() < rollbackStart)
                .allMatch(o -> o.generation() == 2))
        .isTrue();
    assertThat(
            all.stream().filter(o -> o.sentNanos() > rolledBack).allMatch(o -> o.generation() == 1))
        .isTrue();

    // Forward again, then retire generation 1 once its job is cancelled, as the command says.
    assertThat(reindex("--rollback").code()).isZero();
    await().atMost(WAIT).until(() -> gateway.servingGeneration().number() == 2);
    jobs.get(0).cancel().get(60, TimeUnit.SECONDS);
    Result retire = reindex("--retire");
    assertThat(retire.code()).isZero();
    assertThat(retire.out()).contains("retired generation 1").contains("ragstream-indexer");
    assertThat(Files.exists(dir.resolve("job").resolve("index"))).isFalse();
    assertThat(reindex("--rollback").code()).as("nothing left to roll back to").isEqualTo(1);
    SearchProbe.Observed after = probe.search(QUERIES[0][0], QUERIES[0][1]);
    assertThat(after.generation()).isEqualTo(2);
    assertThat(after.relevantInTop3()).isTrue();
    // The gateway's readiness now follows generation 2's consumer group (generation 1's job is
    // gone and its group would lag for ever).
    upsert("after", "Kites fly when wind pushes against the sail at an angle.");
    await().atMost(WAIT).until(() -> get(gateway.url() + "/ready").statusCode() == 200);

    // A gateway started now serves the recorded generation at once.
    Optional<List<IndexGeneration>> recorded =
        new GenerationsTopic(broker.bootstrapServers()).read(Duration.ofSeconds(30));
    assertThat(recorded).isPresent();
    assertThat(recorded.get().stream().map(g -> g.number() + ":" + g.state()))
        .containsExactly("1:RETIRED", "2:SERVING");
    try (GatewayService second = startGateway()) {
      assertThat(second.servingGeneration().number()).isEqualTo(2);
      assertThat(second.servingGeneration().embedder()).isEqualTo(B);
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  private GatewayService startGateway() throws Exception {
    Settings s = Settings.load(null, Map.of(), keys, ServiceSettings.ALL_KEYS);
    return GatewayService.start(LocalConfig.from(s), ServiceSettings.from(s));
  }

  private void startJob(Map<String, String> options, String checkpoints) throws Exception {
    Map<String, String> all = new LinkedHashMap<>(options);
    all.put("ragstream.indexing.checkpoint-interval", "1s");
    all.put("ragstream.drift.enabled", "false");
    all.put("ragstream.indexing.parallelism", "1");
    jobs.add(
        LocalFlinkRunner.start(
            ClusterIndexingJob.fromConfiguration(Configuration.fromMap(all)),
            dir.resolve(checkpoints),
            Duration.ofSeconds(1),
            1));
  }

  private static Map<String, String> parseArguments(String line) {
    String[] parts = line.trim().split(" ");
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i + 1 < parts.length; i += 2) {
      assertThat(parts[i]).startsWith("--");
      options.put(parts[i].substring(2), parts[i + 1]);
    }
    return options;
  }

  private record Result(int code, String out) {}

  private Result reindex(String... args) {
    StringWriter out = new StringWriter();
    int code = run(out, args);
    LOG.info("ragstream reindex --distributed {} -> {}\n{}", String.join(" ", args), code, out);
    return new Result(code, out.toString());
  }

  private int run(StringWriter out, String... args) {
    CommandLine cmd = new CommandLine(new ReindexCommand());
    PrintWriter w = new PrintWriter(out, true);
    cmd.setOut(w);
    cmd.setErr(w);
    List<String> all = new ArrayList<>(List.of("--distributed", "--config", yaml.toString()));
    all.addAll(List.of(args));
    return cmd.execute(all.toArray(String[]::new));
  }

  private void upsert(String key, String body) throws Exception {
    long v = version++;
    DocumentChange change =
        new DocumentChange(
            DocumentChange.Op.UPSERT,
            id(key),
            v,
            v,
            v,
            key,
            body,
            "public",
            List.of("public"),
            Map.of(),
            SOURCE);
    producer
        .send(new ProducerRecord<>(Topics.CHANGES, change.documentId(), Json.write(change)))
        .get(30, TimeUnit.SECONDS);
  }

  private static String id(String key) {
    return "pg:public.documents:" + key;
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
