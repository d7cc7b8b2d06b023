package io.ragstream.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.cli.beir.BeirDataset;
import io.ragstream.cli.beir.EvalBeirCommand;
import io.ragstream.cli.beir.SourceTable;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.cli.local.LocalPlatform;
import io.ragstream.core.eval.Percentiles;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.IndexedEvent;
import io.ragstream.core.model.Topics;
import io.ragstream.ingest.cdc.PostgresTeardown;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ragstream bench report}: the benchmark suite in one go on this machine, on a platform of
 * its own (an in-process {@code ragstream local} on a fresh data directory, its own source table,
 * replication slot and publication, all removed at the end), writing a Markdown report with PNG
 * plots and the raw data as CSV and JSON into {@code --out}.
 *
 * <ol>
 *   <li>ingest ({@link IngestBench}): raw embedder vs the initial load through the pipeline, and
 *       the pipeline's documents/s over time;
 *   <li>freshness under a steady change rate: UPDATEs of random rows' bodies at each of {@code
 *       --rates} changes/s for {@code --rate-duration}; each change's commit → searchable is read
 *       from its {@link IndexedEvent} on {@code ragstream.indexed} (the platform's own stamps);
 *   <li>search latency under concurrency ({@link SearchBench}, hybrid) at each of {@code
 *       --concurrency};
 *   <li>retrieval quality ({@link EvalBeirCommand}) on the loaded corpus.
 * </ol>
 *
 * <p>{@code --quick} runs each rate for 15 s and each concurrency for 10 s over a 300-document
 * <em>judged subset</em> of the dataset: {@value #QUICK_QUERIES} test queries drawn with a fixed
 * seed, every document judged for them, and other documents (in corpus order) up to 300, written as
 * a BEIR directory under the output's {@code raw/}. The quality table then measures those queries
 * over that subset (it is labelled as such: not comparable with full-corpus figures). A few
 * minutes.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description =
        "Run ingest, freshness at 1/5/20 changes/s, search under concurrency and BEIR quality on a"
            + " platform of its own; write report.md, PNG plots, CSV and JSON into --out.")
public final class ReportBench implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", description = "BEIR dataset directory (e.g. SciFact).")
  Path dir;

  @Option(names = "--quick", description = "300 documents, 15 s per rate, 10 s per concurrency.")
  boolean quick;

  @Option(names = "--out", defaultValue = "bench-report", description = "Output directory.")
  Path out;

  @Option(names = "--limit", description = "Documents to load (default: all; 300 with --quick).")
  Long limit;

  @Option(
      names = "--rates",
      split = ",",
      defaultValue = "1,5,20",
      description = "Change rates per second.")
  List<Double> rates;

  @Option(names = "--rate-duration", description = "Per rate (default PT2M; PT15S with --quick).")
  Duration rateDuration;

  @Option(
      names = "--concurrency",
      split = ",",
      description = "Search clients (default 1,4,16; 1,4 with --quick).")
  List<Integer> concurrency;

  @Option(names = "--search-duration", description = "Per concurrency (PT30S; PT10S with --quick).")
  Duration searchDuration;

  @Option(
      names = "--jdbc-url",
      defaultValue = "jdbc:postgresql://127.0.0.1:5432/postgres",
      description = "Source database (wal_level=logical).")
  String jdbcUrl;

  @Option(names = "--user", defaultValue = "postgres", description = "Database user.")
  String user;

  @Option(
      names = "--quality",
      negatable = true,
      description =
          "Run the BEIR evaluation (default: yes; with --quick over its judged subset; not with"
              + " --limit, whose corpus prefix makes nDCG meaningless).")
  Boolean quality;

  private PrintWriter err;

  /** Test queries of the {@code --quick} subset. */
  static final int QUICK_QUERIES = 50;

  /** Documents of the {@code --quick} subset. */
  static final int QUICK_DOCUMENTS = 300;

  /** Seed of the {@code --quick} query sample. */
  static final long QUICK_SEED = 20261123L;

  @Override
  public Integer call() throws Exception {
    err = spec.commandLine().getErr();
    long docs = limit != null ? limit : quick ? 300 : Long.MAX_VALUE;
    Duration perRate = rateDuration != null ? rateDuration : Duration.ofSeconds(quick ? 15 : 120);
    List<Integer> clients =
        concurrency != null ? concurrency : quick ? List.of(1, 4) : List.of(1, 4, 16);
    Duration perSearch =
        searchDuration != null ? searchDuration : Duration.ofSeconds(quick ? 10 : 30);
    Files.createDirectories(out.resolve("raw"));
    Path dataDir = Files.createTempDirectory("ragstream-bench-");
    if (quick && limit == null) {
      // In the temporary data dir, removed with it: BEIR text never lands in the report's dir.
      dir = judgedSubset(BeirDataset.open(dir), dataDir.resolve("quick-subset"));
    }
    BeirDataset dataset = BeirDataset.open(dir);
    docs = Math.min(docs, dataset.countCorpusDocuments());
    String suffix = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    SourceTable table = new SourceTable("public", "ragstream_bench_" + suffix);
    Map<String, String> flags = new HashMap<>();
    flags.put("data-dir", dataDir.toString());
    flags.put("source.jdbc-url", jdbcUrl);
    flags.put("source.user", user);
    flags.put("source.table", table.schema() + "." + table.table());
    flags.put("source.slot", "ragstream_bench_" + suffix);
    flags.put("source.publication", "ragstream_bench_pub_" + suffix);
    flags.put("source.topic-prefix", "bench" + suffix);
    flags.put("source.heartbeat.table", "public.ragstream_bench_hb_" + suffix);
    flags.put("gateway.port", "0");
    flags.put("gateway.rate-limit.per-second", "100000");
    flags.put("gateway.rate-limit.burst", "100000");
    LocalConfig config = LocalConfig.from(Settings.load(null, Map.of(), flags, LocalConfig.KEYS));
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("dataset", dataset.name());
    results.put("documents", docs);
    results.put("quick", quick);
    results.put("startedAt", Instant.now().toString());
    results.put("processors", Runtime.getRuntime().availableProcessors());
    results.put("embedder", config.embedder());
    long t0 = System.nanoTime();
    LocalPlatform platform = null;
    try (Connection db = DriverManager.getConnection(jdbcUrl, user, "")) {
      db.setAutoCommit(true);
      table.createIfMissing(db);
      phase("starting the platform (data dir " + dataDir + ")");
      platform = LocalPlatform.start(config);
      String url = platform.gatewayUrl();
      awaitReady(platform);

      phase("1/4 ingest: raw embedder vs pipeline, " + docs + " documents");
      results.put("ingest", ingest(url, table, docs, platform, config));

      Map<String, List<Double>> freshness = new LinkedHashMap<>();
      List<Map<String, Object>> rateRows = new ArrayList<>();
      for (double rate : rates) {
        phase(
            String.format(Locale.ROOT, "2/4 freshness at %s changes/s for %s", fmt(rate), perRate));
        Map<String, Object> row = freshness(db, table, platform, rate, perRate, freshness);
        rateRows.add(row);
      }
      results.put("freshness", rateRows);

      Map<String, List<Double>> latencies = new LinkedHashMap<>();
      List<Map<String, Object>> searchRows = new ArrayList<>();
      for (int c : clients) {
        phase("3/4 search, " + c + " clients for " + perSearch);
        searchRows.add(search(url, c, perSearch, latencies));
      }
      results.put("search", searchRows);

      if (quality != null ? quality : limit == null) {
        phase("4/4 BEIR quality (test split) over the loaded documents");
        results.put("quality", quality(url));
      }
      results.put("seconds", BenchFigures.round1((System.nanoTime() - t0) / 1e9));

      BenchPlots.freshnessCdf(out.resolve("freshness-cdf.png"), freshness);
      BenchPlots.latencyHistogram(out.resolve("search-latency-histogram.png"), latencies, 40);
      @SuppressWarnings("unchecked")
      Map<String, Object> ingest = (Map<String, Object>) results.get("ingest");
      BenchPlots.throughput(
          out.resolve("ingest-throughput.png"),
          progress,
          ((Number) ingest.get("rawDocsPerSec")).doubleValue(),
          5);
      Files.writeString(
          out.resolve("raw/results.json"),
          Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(results));
      Files.writeString(out.resolve("report.md"), markdown(results));
      spec.commandLine().getOut().printf("report: %s%n", out.resolve("report.md").toAbsolutePath());
      spec.commandLine().getOut().flush();
      return 0;
    } finally {
      if (platform != null) platform.close();
      new PostgresTeardown(
              (io.ragstream.ingest.config.PostgresSourceConfig) config.source(),
              config.cdc().heartbeat())
          .run();
      try (Connection db = DriverManager.getConnection(jdbcUrl, user, "");
          Statement s = db.createStatement()) {
        s.execute("drop table if exists " + table.quoted());
      }
      deleteRecursively(dataDir);
    }
  }

  private final List<double[]> progress = new ArrayList<>();

  /** {@link IngestBench} on the empty platform while sampling the index size every second. */
  private Map<String, Object> ingest(
      String url, SourceTable table, long docs, LocalPlatform platform, LocalConfig config)
      throws Exception {
    long t0 = System.nanoTime();
    Thread sampler =
        new Thread(
            () -> {
              try {
                while (!Thread.currentThread().isInterrupted()) {
                  progress.add(
                      new double[] {
                        (System.nanoTime() - t0) / 1e9, platform.store().stats().documents()
                      });
                  Thread.sleep(1000); // sampling the index for the throughput plot
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "bench-ingest-sampler");
    sampler.setDaemon(true);
    sampler.start();
    String json;
    try {
      json =
          run(
              new IngestBench(),
              dir.toString(),
              "--gateway",
              url,
              "--jdbc-url",
              jdbcUrl,
              "--user",
              user,
              "--table",
              table.schema() + "." + table.table(),
              "--limit",
              Long.toString(docs),
              "--embedder",
              config.embedder(),
              "--no-wrapper",
              "--json");
    } finally {
      sampler.interrupt();
      sampler.join();
    }
    writeCsv(
        "ingest-progress.csv",
        "seconds,documents",
        progress.stream().map(p -> fmt(p[0]) + "," + (long) p[1]).toList());
    return Json.mapper().readValue(json, LinkedHashMap.class);
  }

  /**
   * UPDATEs random rows' bodies at {@code rate} per second for {@code duration} and reads their
   * {@link IndexedEvent}s from {@code ragstream.indexed} until every one is searchable.
   */
  private Map<String, Object> freshness(
      Connection db,
      SourceTable table,
      LocalPlatform platform,
      double rate,
      Duration duration,
      Map<String, List<Double>> seconds)
      throws Exception {
    List<String> ids = new ArrayList<>();
    Map<String, String> bodies = new HashMap<>();
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("select id, body from " + table.quoted())) {
      while (rs.next()) {
        ids.add(rs.getString(1));
        bodies.put(rs.getString(1), rs.getString(2));
      }
    }
    awaitReady(platform); // start each rate on an idle pipeline
    Random random = new Random(42 + (long) rate);
    String prefix = "pg:" + table.schema() + "." + table.table() + ":";
    try (KafkaConsumer<byte[], byte[]> consumer = indexedConsumer(platform.bootstrapServers())) {
      long startMs = System.currentTimeMillis();
      long intervalNanos = (long) (1e9 / rate);
      long start = System.nanoTime();
      long end = start + duration.toNanos();
      int updates = 0;
      Map<String, Long> pending = new HashMap<>(); // documentId → updates not yet seen
      List<IndexedEvent> events = new ArrayList<>();
      try (PreparedStatement update =
          db.prepareStatement(
              "update " + table.quoted() + " set body = ?, updated_at = now() where id = ?")) {
        for (long next = start; next < end; next += intervalNanos) {
          long wait = next - System.nanoTime();
          if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          String id = ids.get(random.nextInt(ids.size()));
          update.setString(1, bodies.get(id) + " rev" + updates + "x" + random.nextInt(1_000_000));
          update.setString(2, id);
          update.executeUpdate();
          updates++;
          pending.merge(prefix + id, 1L, Long::sum);
          poll(consumer, startMs, pending, events, Duration.ZERO);
        }
      }
      double offeredSeconds = (System.nanoTime() - start) / 1e9;
      long drainDeadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
      while (!pending.isEmpty() && System.nanoTime() < drainDeadline) {
        poll(consumer, startMs, pending, events, Duration.ofMillis(500));
      }
      // No restore: a restore of every row would be a burst of re-embeddings spilling into the next
      // rate. Rows keep one marker word; the table is dropped at the end.
      List<Double> s = events.stream().map(e -> e.freshnessMillis() / 1000.0).toList();
      String name = fmt(rate) + " changes/s";
      seconds.put(name, s);
      writeCsv(
          "freshness-" + fmt(rate) + "-per-s.csv",
          "documentId,version,committedAt,capturedAt,normalizedAt,embeddedAt,searchableAt,freshnessMs",
          events.stream()
              .map(
                  e ->
                      String.join(
                          ",",
                          e.documentId(),
                          Long.toString(e.version()),
                          Long.toString(e.committedAt()),
                          Long.toString(e.capturedAt()),
                          Long.toString(e.normalizedAt()),
                          Long.toString(e.embeddedAt()),
                          Long.toString(e.searchableAt()),
                          Long.toString(e.freshnessMillis())))
              .toList());
      Percentiles p = Percentiles.of(s.stream().map(x -> x * 1000).toList());
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("rate", rate);
      row.put("seconds", BenchFigures.round1(offeredSeconds));
      row.put("updates", updates);
      row.put("achievedRate", BenchFigures.round1(updates / offeredSeconds));
      row.put("indexed", events.size());
      row.put("missing", pending.values().stream().mapToLong(Long::longValue).sum());
      row.put("freshnessMs", s.isEmpty() ? null : BenchFigures.percentiles(p, 50, 99));
      err.printf(
          "  %s: %d updates, %d indexed, p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
          name, updates, events.size(), p.p50(), p.p99(), p.max());
      err.flush();
      return row;
    }
  }

  private static KafkaConsumer<byte[], byte[]> indexedConsumer(String bootstrap) {
    KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(
            Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    List<TopicPartition> partitions =
        c.partitionsFor(Topics.INDEXED, Duration.ofSeconds(30)).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    c.assign(partitions);
    c.seekToEnd(partitions);
    partitions.forEach(c::position); // resolve the end now, before the first update
    return c;
  }

  /** Reads events of pending documents committed since {@code sinceMs}. */
  private static void poll(
      KafkaConsumer<byte[], byte[]> consumer,
      long sinceMs,
      Map<String, Long> pending,
      List<IndexedEvent> events,
      Duration timeout)
      throws IOException {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
      IndexedEvent e = Json.mapper().readValue(r.value(), IndexedEvent.class);
      if (e.op() != IndexedEvent.Op.UPSERT || e.committedAt() < sinceMs - 2_000) continue;
      Long n = pending.get(e.documentId());
      if (n == null) continue;
      events.add(e);
      if (n <= 1) pending.remove(e.documentId());
      else pending.put(e.documentId(), n - 1);
    }
  }

  private Map<String, Object> search(
      String url, int clients, Duration duration, Map<String, List<Double>> latencies)
      throws Exception {
    SearchBench bench = new SearchBench();
    String json =
        run(
            bench,
            dir.toString(),
            "--gateway",
            url,
            "--concurrency",
            Integer.toString(clients),
            "--duration",
            duration.toString(),
            "--warmup",
            "PT2S",
            "--mode",
            "hybrid",
            "--json");
    latencies.put(clients + (clients == 1 ? " client" : " clients"), bench.measuredLatenciesMs);
    writeCsv(
        "search-latency-c" + clients + ".csv",
        "latencyMs",
        bench.measuredLatenciesMs.stream().map(BenchFigures::round1).map(String::valueOf).toList());
    return Json.mapper().readValue(json, LinkedHashMap.class);
  }

  /**
   * Writes the {@code --quick} subset of {@code full} to {@code target} as a BEIR directory: {@link
   * #QUICK_QUERIES} judged test queries (seeded sample), every document judged for them, then other
   * documents in corpus order up to {@link #QUICK_DOCUMENTS}; corpus and query lines are copied
   * verbatim.
   *
   * @return {@code target}
   */
  static Path judgedSubset(BeirDataset full, Path target) throws IOException {
    Map<String, Map<String, Integer>> qrels = full.qrels("test");
    List<String> queryIds = new ArrayList<>(qrels.keySet());
    java.util.Collections.shuffle(queryIds, new java.util.Random(QUICK_SEED));
    // Queries in sample order while their judged documents fit in 80% of the subset (NFCorpus
    // judges dozens of documents per query; SciFact about one).
    java.util.Set<String> judged = new java.util.LinkedHashSet<>();
    List<String> sample = new ArrayList<>();
    for (String q : queryIds) {
      if (sample.size() == QUICK_QUERIES) break;
      java.util.Set<String> more = new java.util.HashSet<>(qrels.get(q).keySet());
      more.removeAll(judged);
      if (judged.size() + more.size() > QUICK_DOCUMENTS * 4 / 5) continue;
      sample.add(q);
      judged.addAll(more);
    }
    queryIds = sample;
    java.util.Set<String> keepQueries = new java.util.HashSet<>(queryIds);
    List<String> corpusLines = new ArrayList<>();
    List<String> fillers = new ArrayList<>();
    try (var lines = Files.lines(full.corpusFile())) {
      for (String line : (Iterable<String>) lines::iterator) {
        if (line.isBlank()) continue;
        String id = Json.mapper().readTree(line).path("_id").asText();
        if (judged.contains(id)) {
          corpusLines.add(line);
        } else if (fillers.size() < QUICK_DOCUMENTS) {
          fillers.add(line);
        }
      }
    }
    for (String line : fillers) {
      if (corpusLines.size() >= QUICK_DOCUMENTS) break;
      corpusLines.add(line);
    }
    List<String> queryLines = new ArrayList<>();
    try (var lines = Files.lines(full.queriesFile())) {
      for (String line : (Iterable<String>) lines::iterator) {
        if (line.isBlank()) continue;
        if (keepQueries.contains(Json.mapper().readTree(line).path("_id").asText())) {
          queryLines.add(line);
        }
      }
    }
    List<String> qrelLines = new ArrayList<>();
    qrelLines.add("query-id\tcorpus-id\tscore");
    for (String q : queryIds) {
      qrels.get(q).forEach((d, g) -> qrelLines.add(q + "\t" + d + "\t" + g));
    }
    Files.createDirectories(target.resolve("qrels"));
    Files.write(target.resolve("corpus.jsonl"), corpusLines);
    Files.write(target.resolve("queries.jsonl"), queryLines);
    Files.write(target.resolve("qrels").resolve("test.tsv"), qrelLines);
    return target;
  }

  private Map<String, Object> quality(String url) throws Exception {
    String json = run(new EvalBeirCommand(), dir.toString(), "--gateway", url, "--json");
    JsonNode n = Json.mapper().readTree(json);
    Map<String, Object> q = new LinkedHashMap<>();
    for (String k :
        List.of("split", "mode", "fusion", "queries", "ndcgAt10", "recallAt100", "mrrAt10")) {
      if (n.has(k)) q.put(k, Json.mapper().treeToValue(n.get(k), Object.class));
    }
    return q;
  }

  /** Runs a bench command with {@code args}; returns its standard output (its JSON). */
  private String run(Object command, String... args) {
    StringWriter buffer = new StringWriter();
    CommandLine cl = new CommandLine(command);
    cl.setOut(new PrintWriter(buffer));
    cl.setErr(err);
    int code = cl.execute(args);
    String text = buffer.toString().strip();
    if (code != 0 && text.isEmpty()) {
      throw new IllegalStateException(cl.getCommandName() + " failed with exit code " + code);
    }
    String[] lines = text.split("\n");
    return lines[lines.length - 1];
  }

  private void awaitReady(LocalPlatform platform) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (!platform.ready()) {
      if (System.nanoTime() > deadline)
        throw new IllegalStateException("platform not ready in 3 min");
      Thread.sleep(200); // waiting for the platform under test
    }
  }

  private void phase(String text) {
    err.printf("[bench report] %s%n", text);
    err.flush();
  }

  private void writeCsv(String name, String header, List<String> rows) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add(header);
    lines.addAll(rows);
    Files.write(out.resolve("raw").resolve(name), lines);
  }

  @SuppressWarnings("unchecked")
  private String markdown(Map<String, Object> r) {
    StringBuilder md = new StringBuilder();
    md.append("# ragstream benchmark report\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Dataset %s, %s documents, embedder %s, %s processors, %s, %s s in all%s.%n%n",
            r.get("dataset"),
            r.get("documents"),
            r.get("embedder"),
            r.get("processors"),
            r.get("startedAt"),
            r.get("seconds"),
            quick ? " (`--quick`)" : ""));
    Map<String, Object> ingest = (Map<String, Object>) r.get("ingest");
    md.append("## Ingest: raw embedder vs pipeline\n\n");
    md.append("| | documents/s | tokens/s |\n|---|---:|---:|\n");
    md.append(
        String.format(
            "| raw embedder (same texts, platform idle) | %s | %s |%n",
            ingest.get("rawDocsPerSec"), ingest.get("rawTokensPerSec")));
    md.append(
        String.format(
            "| pipeline (PostgreSQL → Debezium → Kafka → Streams → Flink → Lucene) | %s | %s |%n",
            ingest.get("pipelineDocsPerSec"), ingest.getOrDefault("pipelineTokensPerSec", "-")));
    md.append(
        String.format(
            "%n**pipeline / raw = %s** (%s documents, %s chunks, in %s s).%n%n",
            ingest.get("pipelineOverRaw"),
            ingest.get("documents"),
            ingest.get("rawSampleChunks"),
            ingest.get("pipelineSeconds")));
    md.append("![throughput over time](ingest-throughput.png)\n\n");
    md.append("## Freshness under a steady change rate\n\n");
    md.append(
        "Commit → searchable of each UPDATE, from the platform's `ragstream.indexed` events"
            + " (`searchableAt - committedAt`).\n\n");
    md.append(
        "| offered changes/s | achieved | updates | indexed | p50 ms | p99 ms | max ms |\n"
            + "|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> row : (List<Map<String, Object>>) r.get("freshness")) {
      Map<String, Object> f = (Map<String, Object>) row.get("freshnessMs");
      md.append(
          String.format(
              "| %s | %s | %s | %s | %s | %s | %s |%n",
              fmt(((Number) row.get("rate")).doubleValue()),
              row.get("achievedRate"),
              row.get("updates"),
              row.get("indexed"),
              f == null ? "-" : f.get("p50"),
              f == null ? "-" : f.get("p99"),
              f == null ? "-" : f.get("max")));
    }
    md.append("\n![freshness CDF](freshness-cdf.png)\n\n");
    md.append("## Search latency under concurrency (hybrid, k = 10, client-side)\n\n");
    md.append(
        "| clients | requests/s | p50 ms | p99 ms | max ms | errors |\n|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> row : (List<Map<String, Object>>) r.get("search")) {
      Map<String, Object> l = (Map<String, Object>) row.get("latencyMs");
      md.append(
          String.format(
              "| %s | %s | %s | %s | %s | %s |%n",
              row.get("concurrency"),
              row.get("throughputPerSec"),
              l == null ? "-" : l.get("p50"),
              l == null ? "-" : l.get("p99"),
              l == null ? "-" : l.get("max"),
              row.get("errors")));
    }
    md.append("\n![search latency histogram](search-latency-histogram.png)\n\n");
    if (!r.containsKey("quality")) {
      md.append("## Retrieval quality (BEIR)\n\n");
      md.append(
          quick && quality == null
              ? "Not run: with `--quick` only part of the corpus is indexed, so nDCG@10 would"
                  + " measure the subset, not retrieval. Run without `--quick` (full corpus), or"
                  + " `ragstream eval beir` on a fully loaded platform.\n\n"
              : "Not run (`--no-quality`).\n\n");
    } else {
      Map<String, Object> q = (Map<String, Object>) r.get("quality");
      md.append("## Retrieval quality (BEIR)\n\n");
      md.append(
          "| split | mode | queries | nDCG@10 | Recall@100 | MRR@10 |\n|---|---|---:|---:|---:|---:|\n");
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %.4f | %.4f | %.4f |%n",
              q.get("split"),
              q.get("mode"),
              q.get("queries"),
              ((Number) q.get("ndcgAt10")).doubleValue(),
              ((Number) q.get("recallAt100")).doubleValue(),
              ((Number) q.get("mrrAt10")).doubleValue()));
      if (quick && limit == null) {
        md.append(
            String.format(
                Locale.ROOT,
                "%nA judged subset (`--quick`): %s test queries (sampled with seed %d), every"
                    + " document judged for them, and other documents up to %d. Far fewer"
                    + " distractors than the full corpus, so the figures are higher than"
                    + " full-corpus ones and not comparable with published results; they catch"
                    + " regressions.%n",
                q.get("queries"),
                QUICK_SEED,
                QUICK_DOCUMENTS));
      } else if (limit != null) {
        md.append(
            "\nOver the loaded subset of the corpus only: not comparable with published"
                + " full-corpus figures.\n");
      }
      md.append("\n");
    }
    md.append(
        "Raw data: `raw/results.json`, `raw/ingest-progress.csv`, `raw/freshness-*-per-s.csv`"
            + " (every change with all its stamps), `raw/search-latency-c*.csv`.\n");
    return md.toString();
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (var walk = Files.walk(p)) {
      for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.deleteIfExists(x);
      }
    }
  }
}
