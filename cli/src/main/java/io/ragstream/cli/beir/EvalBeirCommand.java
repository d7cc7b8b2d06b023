package io.ragstream.cli.beir;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragstream.cli.options.GatewayOptions;
import io.ragstream.core.eval.Percentiles;
import io.ragstream.core.eval.QueryMetrics;
import io.ragstream.core.eval.RetrievalEvaluation;
import io.ragstream.core.eval.RetrievalMetrics;
import io.ragstream.core.json.Json;
import io.ragstream.core.store.Fusion;
import io.ragstream.core.store.SearchMode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code ragstream eval beir DIR [--split test] [--json]}: runs every judged query of a BEIR split
 * through the gateway's {@code POST /v1/search} and prints nDCG@10, Recall@100, MRR@10 (see {@link
 * RetrievalMetrics} for the exact definitions, as BEIR/pytrec_eval) and client-side latency p50/p99
 * (nearest rank, see {@link Percentiles}).
 *
 * <p>Hit ids are source-qualified ({@code pg:public.documents:<id>}); the BEIR id is what follows
 * the second ':' (connector and {@code schema.table} never contain one, a BEIR id may). An id with
 * fewer than two ':' is taken as is.
 *
 * <p>Exit codes: 0 on success, 1 when the dataset or the gateway fails (the message carries the
 * HTTP status and body), 2 for bad options, 130 when interrupted.
 */
@Command(
    name = "beir",
    mixinStandardHelpOptions = true,
    description = {
      "Run the judged queries of a BEIR split through the gateway; print nDCG@10, Recall@100,"
          + " MRR@10 and client-side latency p50/p99.",
      "Metrics as BEIR/pytrec_eval (ndcg_cut, linear gains). Hit ids pg:SCHEMA.TABLE:ID map to the "
          + "BEIR id after the second ':'."
    })
public final class EvalBeirCommand implements Callable<Integer> {

  /** The cutoffs evaluated; the headline metrics are nDCG@10, Recall@100 and MRR@10. */
  private static final int[] CUTOFFS = {10, 100};

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "BEIR dataset directory.")
  private Path dir;

  @Mixin private GatewayOptions gatewayOptions;

  @Option(
      names = "--split",
      paramLabel = "NAME",
      defaultValue = "test",
      description = "Qrels split (DIR/qrels/SPLIT.tsv). Default: ${DEFAULT-VALUE}.")
  private String split;

  @Option(
      names = "--mode",
      paramLabel = "MODE",
      defaultValue = "hybrid",
      converter = ModeConverter.class,
      description = "Retrieval mode: hybrid, dense or bm25. Default: ${DEFAULT-VALUE}.")
  private SearchMode mode;

  @Option(
      names = "--k",
      paramLabel = "N",
      defaultValue = "100",
      description =
          "Documents fetched per query (1..1000); metrics are cut at 10 and 100. Default:"
              + " ${DEFAULT-VALUE}.")
  private int k;

  @Option(
      names = "--fusion",
      paramLabel = "METHOD",
      description =
          "HYBRID fusion: rrf (with --rrf-k) or convex (with --alpha). Default: the gateway's.")
  private String fusionMethod;

  @Option(
      names = "--rrf-k",
      paramLabel = "K",
      defaultValue = "60",
      description = "RRF constant for --fusion rrf. Default: ${DEFAULT-VALUE}.")
  private int rrfK;

  @Option(
      names = "--alpha",
      paramLabel = "A",
      description = "Weight of dense in [0, 1] for --fusion convex (BM25 gets 1 - A).")
  private Double alpha;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      defaultValue = "1",
      description = "Queries in flight at once (1..64). Default: ${DEFAULT-VALUE}.")
  private int concurrency;

  @Option(
      names = "--ignore-identical-ids",
      description =
          "Drop a hit whose id equals the query id before cutting (BEIR's ignore_identical_ids, for"
              + " ArguAna, Quora).")
  private boolean ignoreIdenticalIds;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  private boolean json;

  @Option(
      names = "--per-query",
      paramLabel = "FILE",
      description =
          "Write per-query metrics to FILE: JSON lines if it ends in .jsonl or .json, else TSV with"
              + " a header.")
  private Path perQueryFile;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "60",
      description = "Per-request timeout. Default: ${DEFAULT-VALUE}.")
  private int timeoutSeconds;

  @Option(
      names = "--api-key",
      paramLabel = "KEY",
      defaultValue = "${env:RAGSTREAM_API_KEY}",
      showDefaultValue = Visibility.NEVER,
      description =
          "API key sent as 'Authorization: Bearer KEY' (env RAGSTREAM_API_KEY). Default: none.")
  private String apiKey;

  private Fusion fusion;

  @Override
  public Integer call() {
    if (k < 1 || k > 1000) throw badOption("--k must be in 1..1000, was " + k);
    if (concurrency < 1 || concurrency > 64)
      throw badOption("--concurrency must be in 1..64, was " + concurrency);
    if (timeoutSeconds < 1) throw badOption("--timeout must be >= 1 second, was " + timeoutSeconds);
    fusion = fusion();
    GatewaySearchClient client;
    try {
      Map<String, String> headers =
          apiKey == null || apiKey.isBlank()
              ? Map.of()
              : Map.of("Authorization", "Bearer " + apiKey.strip());
      client =
          new GatewaySearchClient(
              URI.create(gatewayOptions.url()), Duration.ofSeconds(timeoutSeconds), headers);
    } catch (IllegalArgumentException e) {
      throw badOption("--gateway: " + e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      BeirDataset dataset = BeirDataset.open(dir);
      Map<String, Map<String, Integer>> qrels = dataset.qrels(split);
      List<BeirQuery> queries = judgedQueries(dataset, qrels);
      Map<String, GatewaySearchClient.SearchResult> results =
          runAll(client, queries, dataset.name());

      Map<String, List<String>> run = new LinkedHashMap<>();
      results.forEach(
          (queryId, result) ->
              run.put(
                  queryId, result.documentIds().stream().map(EvalBeirCommand::beirId).toList()));
      RetrievalEvaluation evaluation =
          RetrievalMetrics.atCutoffs(CUTOFFS)
              .ignoringIdenticalIds(ignoreIdenticalIds)
              .evaluate(qrels, run);
      Report report = new Report(dataset, evaluation, results);
      if (perQueryFile != null) writePerQuery(report);
      out.print(json ? report.toJson() + System.lineSeparator() : report.toText());
      out.flush();
      return 0;
    } catch (BeirFormatException | GatewayException | IllegalArgumentException e) {
      err.println("eval beir: " + e.getMessage());
      return 1;
    } catch (IOException e) {
      err.println("eval beir: cannot write " + perQueryFile + ": " + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("eval beir: interrupted");
      return 130;
    }
  }

  /**
   * Maps a source-qualified document id to the BEIR id: the part after the second ':' ({@code
   * pg:public.documents:MED-10} → {@code MED-10}, {@code pg:public.documents:a:b} → {@code a:b});
   * an id with fewer than two ':' is returned as is.
   */
  public static String beirId(String documentId) {
    int first = documentId.indexOf(':');
    int second = first < 0 ? -1 : documentId.indexOf(':', first + 1);
    return second < 0 ? documentId : documentId.substring(second + 1);
  }

  private List<BeirQuery> judgedQueries(
      BeirDataset dataset, Map<String, Map<String, Integer>> qrels) {
    Map<String, BeirQuery> all = dataset.queries();
    List<BeirQuery> judged = new ArrayList<>();
    for (Map.Entry<String, Map<String, Integer>> entry : qrels.entrySet()) {
      if (entry.getValue().isEmpty()) continue;
      BeirQuery query = all.get(entry.getKey());
      if (query == null) {
        throw new BeirFormatException(
            dataset.qrelsFile(split),
            0,
            "query " + entry.getKey() + " is judged but missing from " + dataset.queriesFile());
      }
      judged.add(query);
    }
    if (judged.isEmpty())
      throw new BeirFormatException(dataset.qrelsFile(split), 0, "no judged queries");
    return judged;
  }

  private Map<String, GatewaySearchClient.SearchResult> runAll(
      GatewaySearchClient client, List<BeirQuery> queries, String datasetName)
      throws InterruptedException {
    AtomicInteger threadNumber = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            concurrency,
            task -> {
              Thread thread = new Thread(task, "eval-search-" + threadNumber.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    Map<String, GatewaySearchClient.SearchResult> results = new LinkedHashMap<>();
    try (ProgressBar bar = progressBar("eval " + datasetName + " " + split, queries.size())) {
      CompletionService<Map.Entry<String, GatewaySearchClient.SearchResult>> completion =
          new ExecutorCompletionService<>(pool);
      for (BeirQuery query : queries) {
        completion.submit(() -> Map.entry(query.id(), search(client, query)));
      }
      for (int i = 0; i < queries.size(); i++) {
        Future<Map.Entry<String, GatewaySearchClient.SearchResult>> done = completion.take();
        Map.Entry<String, GatewaySearchClient.SearchResult> entry;
        try {
          entry = done.get();
        } catch (ExecutionException e) {
          // Rethrow the worker's failure on this thread; the finally block stops the others.
          if (e.getCause() instanceof RuntimeException runtime) throw runtime;
          if (e.getCause() instanceof InterruptedException interrupted) throw interrupted;
          throw new GatewayException(0, "search failed: " + e.getCause(), e.getCause());
        }
        results.put(entry.getKey(), entry.getValue());
        bar.step();
      }
    } finally {
      pool.shutdownNow();
    }
    // Query order, not completion order, so the per-query output is stable.
    Map<String, GatewaySearchClient.SearchResult> ordered = new LinkedHashMap<>();
    for (BeirQuery query : queries) ordered.put(query.id(), results.get(query.id()));
    return ordered;
  }

  private GatewaySearchClient.SearchResult search(GatewaySearchClient client, BeirQuery query)
      throws InterruptedException {
    try {
      return client.search(query.text(), k, mode, fusion);
    } catch (GatewayException e) {
      throw new GatewayException(e.status(), "query " + query.id() + ": " + e.getMessage(), e);
    }
  }

  private void writePerQuery(Report report) throws IOException {
    String name = perQueryFile.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean jsonLines = name.endsWith(".jsonl") || name.endsWith(".json");
    try (BufferedWriter writer = Files.newBufferedWriter(perQueryFile, StandardCharsets.UTF_8)) {
      if (!jsonLines) {
        writer.write(
            "query-id\tndcg@10\tndcg@100\trecall@10\trecall@100\tmrr@10\tretrieved\trelevant"
                + "\tlatency-ms\tgateway-ms\n");
      }
      for (QueryMetrics q : report.evaluation.perQuery().values()) {
        GatewaySearchClient.SearchResult result = report.results.get(q.queryId());
        if (jsonLines) {
          ObjectNode line = Json.mapper().createObjectNode();
          line.put("queryId", q.queryId());
          line.put("ndcgAt10", q.ndcgAt(10));
          line.put("ndcgAt100", q.ndcgAt(100));
          line.put("recallAt10", q.recallAt(10));
          line.put("recallAt100", q.recallAt(100));
          line.put("mrrAt10", q.mrrAt(10));
          line.put("retrieved", q.retrieved());
          line.put("relevant", q.relevant());
          line.put("latencyMs", result.clientMs());
          if (result.serverMs() != null) line.put("gatewayMs", result.serverMs());
          writer.write(line.toString());
          writer.write('\n');
        } else {
          writer.write(
              String.format(
                  Locale.ROOT,
                  "%s\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%d\t%d\t%.3f\t%s%n",
                  q.queryId(),
                  q.ndcgAt(10),
                  q.ndcgAt(100),
                  q.recallAt(10),
                  q.recallAt(100),
                  q.mrrAt(10),
                  q.retrieved(),
                  q.relevant(),
                  result.clientMs(),
                  result.serverMs() == null
                      ? ""
                      : String.format(Locale.ROOT, "%.3f", result.serverMs())));
        }
      }
    }
  }

  private Fusion fusion() {
    if (fusionMethod == null) {
      if (alpha != null) throw badOption("--alpha needs --fusion convex");
      return null;
    }
    try {
      switch (fusionMethod.strip().toLowerCase(Locale.ROOT)) {
        case "rrf":
          if (alpha != null) throw badOption("--alpha applies to --fusion convex, not rrf");
          return Fusion.rrf(rrfK);
        case "convex":
          if (alpha == null) throw badOption("--fusion convex needs --alpha A (weight of dense)");
          return Fusion.convex(alpha);
        default:
          throw badOption("--fusion must be rrf or convex, was '" + fusionMethod + "'");
      }
    } catch (IllegalArgumentException e) {
      throw badOption(e.getMessage());
    }
  }

  private ParameterException badOption(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private static ProgressBar progressBar(String task, long total) {
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        .setUnit(" queries", 1)
        .showSpeed()
        .build();
  }

  /** The numbers and settings of one evaluation, rendered as text or JSON. */
  private final class Report {
    final BeirDataset dataset;
    final RetrievalEvaluation evaluation;
    final Map<String, GatewaySearchClient.SearchResult> results;
    final Percentiles latency;
    final Percentiles gatewayLatency;

    Report(
        BeirDataset dataset,
        RetrievalEvaluation evaluation,
        Map<String, GatewaySearchClient.SearchResult> results) {
      this.dataset = dataset;
      this.evaluation = evaluation;
      this.results = results;
      this.latency =
          Percentiles.of(
              results.values().stream()
                  .mapToDouble(GatewaySearchClient.SearchResult::clientMs)
                  .toArray());
      double[] server =
          results.values().stream()
              .map(GatewaySearchClient.SearchResult::serverMs)
              .filter(Objects::nonNull)
              .mapToDouble(Double::doubleValue)
              .toArray();
      this.gatewayLatency = server.length == results.size() ? Percentiles.of(server) : null;
    }

    String toText() {
      StringBuilder text = new StringBuilder();
      line(
          text,
          "dataset",
          dataset.name() + " (" + dataset.dir().toAbsolutePath().normalize() + ")");
      line(text, "split", split);
      line(text, "gateway", gatewayOptions.url());
      line(text, "mode", mode.name().toLowerCase(Locale.ROOT));
      if (served("embedder") != null) line(text, "embedder", served("embedder"));
      if (mode == SearchMode.HYBRID) line(text, "fusion", String.valueOf(served("fusion")));
      line(text, "k", Integer.toString(k));
      line(text, "concurrency", Integer.toString(concurrency));
      if (ignoreIdenticalIds) line(text, "ignore identical ids", "yes");
      line(text, "queries", Integer.toString(evaluation.queryCount()));
      line(text, "nDCG@10", format4(evaluation.meanNdcg(10)));
      line(text, "Recall@100", format4(evaluation.meanRecall(100)));
      line(text, "MRR@10", format4(evaluation.meanMrr(10)));
      line(
          text,
          "latency p50",
          formatMs(latency.p50())
              + " ms (client-side"
              + gatewaySuffix(gatewayLatency == null ? null : gatewayLatency.p50())
              + ")");
      line(
          text,
          "latency p99",
          formatMs(latency.p99())
              + " ms (client-side"
              + gatewaySuffix(gatewayLatency == null ? null : gatewayLatency.p99())
              + ")");
      return text.toString();
    }

    String toJson() {
      ObjectNode root = Json.mapper().createObjectNode();
      root.put("dataset", dataset.name());
      root.put("datasetDir", dataset.dir().toAbsolutePath().normalize().toString());
      root.put("split", split);
      root.put("gateway", gatewayOptions.url());
      root.put("mode", mode.name().toLowerCase(Locale.ROOT));
      root.put("embedder", served("embedder"));
      root.put("fusion", served("fusion"));
      root.put("k", k);
      root.put("concurrency", concurrency);
      root.put("ignoreIdenticalIds", ignoreIdenticalIds);
      root.put("queries", evaluation.queryCount());
      root.put("ndcgAt10", evaluation.meanNdcg(10));
      root.put("recallAt100", evaluation.meanRecall(100));
      root.put("mrrAt10", evaluation.meanMrr(10));
      ObjectNode latencyNode = root.putObject("latencyMs");
      latencyNode.put("p50", latency.p50());
      latencyNode.put("p99", latency.p99());
      latencyNode.put("mean", latency.mean());
      if (gatewayLatency != null) {
        ObjectNode gatewayNode = root.putObject("gatewayLatencyMs");
        gatewayNode.put("p50", gatewayLatency.p50());
        gatewayNode.put("p99", gatewayLatency.p99());
      }
      return root.toString();
    }

    /** What the gateway reported for {@code field} ("embedder" or "fusion") on the first result. */
    private String served(String field) {
      return results.values().stream()
          .map(r -> field.equals("embedder") ? r.embedder() : r.fusion())
          .filter(Objects::nonNull)
          .findFirst()
          .orElse(null);
    }

    private String gatewaySuffix(Double gatewayMs) {
      return gatewayMs == null ? "" : "; gateway " + formatMs(gatewayMs) + " ms";
    }

    private void line(StringBuilder text, String label, String value) {
      text.append(String.format(Locale.ROOT, "%-13s %s%n", label, value));
    }

    private String format4(double value) {
      return String.format(Locale.ROOT, "%.4f", value);
    }

    private String formatMs(double value) {
      return String.format(Locale.ROOT, "%.1f", value);
    }
  }

  /** Parses {@code hybrid}, {@code dense} or {@code bm25}, in any case. */
  static final class ModeConverter implements ITypeConverter<SearchMode> {
    @Override
    public SearchMode convert(String value) {
      try {
        return SearchMode.valueOf(value.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(
            "'"
                + value
                + "' is not a mode; use one of "
                + Arrays.stream(SearchMode.values())
                    .map(m -> m.name().toLowerCase(Locale.ROOT))
                    .toList());
      }
    }
  }
}
