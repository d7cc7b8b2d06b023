package io.ragstream.cli.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import io.ragstream.cli.beir.BeirDataset;
import io.ragstream.cli.beir.BeirQuery;
import io.ragstream.cli.beir.EvalBeirCommand;
import io.ragstream.cli.beir.GatewayException;
import io.ragstream.cli.beir.GatewaySearchClient;
import io.ragstream.cli.options.GatewayOptions;
import io.ragstream.cli.options.KafkaOptions;
import io.ragstream.core.eval.RetrievalEvaluation;
import io.ragstream.core.eval.RetrievalMetrics;
import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.event.TrainingJobResult;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.Topics;
import io.ragstream.core.store.SearchMode;
import io.ragstream.trainer.promote.AdapterLog;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ragstream bench retrain}: the retraining loop of issue 7 measured <em>through a running
 * gateway</em>, the way a user sees it.
 *
 * <ol>
 *   <li>Evaluates the BEIR test split through {@code POST /v1/search} (nDCG@10, MRR@10, Recall@100,
 *       in each {@code --eval-mode}) with whatever query adapter serves now.
 *   <li>Replays the train qrels as a user would: one search per judged train query ({@code
 *       --feedback-mode}, top 10), then one {@code POST /v1/feedback} with {@code relevant=true}
 *       per relevant document (the source-qualified id is built from the hits' prefix, e.g. {@code
 *       pg:public.documents:}).
 *   <li>Waits for the trigger to request a job and the trainer to end it ({@code
 *       ragstream.training-results}, read from its end before the replay), and for the gate's
 *       verdict on {@code ragstream.adapters}.
 *   <li>When the adapter was promoted: waits until the gateway names it on a search, then evaluates
 *       the test split again. Prints both evaluations, the gain, the training time and the gate's
 *       figures.
 * </ol>
 *
 * <p>The platform must run with events on, the trainer on, feedback accepted for documents the
 * search did not show ({@code gateway.feedback.require-known-query: false}: qrels judge documents
 * beyond the top 10) and {@code trigger.query-adapter.pairs-alone} at most the number of train
 * pairs; docs/query-adapter.md gives the commands.
 */
@Command(
    name = "retrain",
    mixinStandardHelpOptions = true,
    description = {
      "Measure the retraining loop through a running platform: evaluate a BEIR test split, replay"
          + " the train qrels as searches and feedback, wait for the trained adapter and the gate,"
          + " and evaluate again with the promoted adapter."
    })
public final class RetrainBench implements Callable<Integer> {
  private static final int[] CUTOFFS = {10, 100};

  @Spec CommandSpec spec;

  @Option(names = "--dataset", required = true, description = "BEIR dataset directory.")
  Path datasetDir;

  @Mixin GatewayOptions gatewayOptions;

  @Mixin KafkaOptions kafka;

  @Option(
      names = "--train-split",
      defaultValue = "train",
      description = "Default: ${DEFAULT-VALUE}.")
  String trainSplit;

  @Option(names = "--test-split", defaultValue = "test", description = "Default: ${DEFAULT-VALUE}.")
  String testSplit;

  @Option(
      names = "--eval-mode",
      split = ",",
      defaultValue = "dense,hybrid",
      description = "Modes the test split is evaluated in. Default: ${DEFAULT-VALUE}.")
  List<String> evalModes;

  @Option(
      names = "--feedback-mode",
      defaultValue = "dense",
      description = "Mode of the replayed train searches. Default: ${DEFAULT-VALUE}.")
  String feedbackMode;

  @Option(
      names = "--concurrency",
      defaultValue = "4",
      description = "Requests in flight at once. Default: ${DEFAULT-VALUE}.")
  int concurrency;

  @Option(
      names = "--wait",
      defaultValue = "PT10M",
      description =
          "Longest wait for the training job's result (ISO-8601). Default: ${DEFAULT-VALUE}.")
  Duration wait;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (concurrency < 1 || concurrency > 64) {
      throw new ParameterException(spec.commandLine(), "--concurrency must be in 1..64");
    }
    List<SearchMode> modes = new ArrayList<>();
    for (String m : evalModes) modes.add(mode(m, "--eval-mode"));
    SearchMode replayMode = mode(feedbackMode, "--feedback-mode");
    PrintWriter out = spec.commandLine().getOut();
    BeirDataset dataset = BeirDataset.open(datasetDir);
    Map<String, BeirQuery> queries = dataset.queries();
    Map<String, Map<String, Integer>> train = judged(dataset.qrels(trainSplit));
    Map<String, Map<String, Integer>> test = judged(dataset.qrels(testSplit));
    GatewaySearchClient client =
        new GatewaySearchClient(
            java.net.URI.create(gatewayOptions.url()), Duration.ofSeconds(60), Map.of());
    String bootstrap = kafka.bootstrapServers();
    int pairsAlone = kafka.config().retraining().pairsAlone();

    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("dataset", datasetDir.getFileName().toString());
    Evaluated before = evaluate(client, modes, queries, test, "before");
    figures.put("before.adapter", before.adapter);
    before.put(figures, "before");

    try (KafkaConsumer<byte[], byte[]> results = resultsConsumer(bootstrap)) {
      long replayStart = System.currentTimeMillis();
      int pairs = replay(client, replayMode, queries, train);
      long replayEnd = System.currentTimeMillis();
      figures.put("replay.queries", train.size());
      figures.put("replay.pairs", pairs);
      figures.put("replay.seconds", (replayEnd - replayStart) / 1000.0);
      if (pairs < pairsAlone) {
        spec.commandLine()
            .getErr()
            .printf(
                "bench retrain: %d pairs replayed, below trigger.query-adapter.pairs-alone %d:"
                    + " the trigger waits for drift or more feedback%n",
                pairs, pairsAlone);
      }
      TrainingJobResult result = awaitResult(results, replayStart);
      figures.put("job.outcome", result.outcome().name());
      figures.put("job.message", result.message());
      figures.put("job.train.seconds", (result.endedAt() - result.startedAt()) / 1000.0);
      figures.put("job.ended.after.last.feedback.seconds", (result.endedAt() - replayEnd) / 1000.0);
      if (result.outcome() != TrainingJobResult.Outcome.SUCCEEDED) {
        print(out, figures);
        return 1;
      }
      AdapterEvent verdict = verdict(bootstrap, result.adapterId());
      figures.put("adapter", result.adapterId());
      figures.put("gate.status", verdict.status().name());
      verdict.metrics().forEach((k, v) -> figures.put(k.startsWith("gate.") ? k : "gate." + k, v));
      if (verdict.status() == AdapterEvent.Status.PROMOTED) {
        long swapStart = System.currentTimeMillis();
        awaitServing(client, replayMode, result.adapterId());
        figures.put("swap.seconds", (System.currentTimeMillis() - swapStart) / 1000.0);
        Evaluated after = evaluate(client, modes, queries, test, "after");
        after.put(figures, "after");
        for (SearchMode m : modes) {
          String mode = name(m);
          figures.put(
              "gain.ndcg@10." + mode,
              after.byMode.get(m).meanNdcg(10) - before.byMode.get(m).meanNdcg(10));
        }
      }
    }
    print(out, figures);
    return 0;
  }

  private SearchMode mode(String text, String option) {
    try {
      return SearchMode.valueOf(text.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(), option + ": unknown mode '" + text + "' (dense, bm25, hybrid)");
    }
  }

  private static String name(SearchMode m) {
    return m.name().toLowerCase(Locale.ROOT);
  }

  private static Map<String, Map<String, Integer>> judged(Map<String, Map<String, Integer>> qrels) {
    Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
    qrels.forEach(
        (q, docs) -> {
          Map<String, Integer> relevant = new LinkedHashMap<>();
          docs.forEach(
              (d, g) -> {
                if (g > 0) relevant.put(d, g);
              });
          if (!relevant.isEmpty()) out.put(q, relevant);
        });
    return out;
  }

  /** Test-split evaluations by mode, and the adapter the gateway named on every search. */
  private record Evaluated(Map<SearchMode, RetrievalEvaluation> byMode, String adapter) {
    void put(Map<String, Object> figures, String prefix) {
      byMode.forEach(
          (m, e) -> {
            String p = prefix + "." + name(m) + ".";
            figures.put(p + "ndcg@10", e.meanNdcg(10));
            figures.put(p + "mrr@10", e.meanMrr(10));
            figures.put(p + "recall@100", e.meanRecall(100));
          });
    }
  }

  private Evaluated evaluate(
      GatewaySearchClient client,
      List<SearchMode> modes,
      Map<String, BeirQuery> queries,
      Map<String, Map<String, Integer>> qrels,
      String label)
      throws Exception {
    Map<SearchMode, RetrievalEvaluation> byMode = new LinkedHashMap<>();
    java.util.TreeSet<String> adapters = new java.util.TreeSet<>();
    for (SearchMode mode : modes) {
      List<String> ids = new ArrayList<>(qrels.keySet());
      List<GatewaySearchClient.SearchResult> results =
          parallel(
              ids,
              "eval " + label + " " + name(mode),
              id -> client.search(text(queries, id), 100, mode));
      Map<String, List<String>> run = new LinkedHashMap<>();
      for (int i = 0; i < ids.size(); i++) {
        GatewaySearchClient.SearchResult r = results.get(i);
        if (r.adapter() != null) adapters.add(r.adapter());
        run.put(ids.get(i), r.documentIds().stream().map(RetrainBench::beirId).toList());
      }
      byMode.put(mode, RetrievalMetrics.atCutoffs(CUTOFFS).evaluate(qrels, run));
    }
    if (adapters.size() > 1) {
      throw new IllegalStateException(
          "the serving adapter changed during the " + label + " evaluation: " + adapters);
    }
    return new Evaluated(byMode, adapters.isEmpty() ? "unknown" : adapters.first());
  }

  private int replay(
      GatewaySearchClient client,
      SearchMode mode,
      Map<String, BeirQuery> queries,
      Map<String, Map<String, Integer>> train)
      throws Exception {
    List<String> ids = new ArrayList<>(train.keySet());
    List<Integer> sent =
        parallel(
            ids,
            "replay " + trainSplit + " qrels",
            id -> {
              GatewaySearchClient.SearchResult r = client.search(text(queries, id), 10, mode);
              if (r.queryId() == null || r.documentIds().isEmpty()) {
                throw new GatewayException(
                    0, "search for train query " + id + " returned no queryId or no hits", null);
              }
              String prefix = prefix(r.documentIds().get(0));
              int n = 0;
              for (String doc : train.get(id).keySet()) {
                send(() -> client.feedback(r.queryId(), prefix + doc, true));
                n++;
              }
              return n;
            });
    return sent.stream().mapToInt(Integer::intValue).sum();
  }

  /**
   * Retries a feedback post the gateway refused for now (503: its event log did not take it; 429:
   * rate limit), with backoff; other failures end the bench.
   */
  private static final RetryPolicy<Object> REFUSED_FOR_NOW =
      RetryPolicy.builder()
          .handleIf(
              e -> e instanceof GatewayException g && (g.status() == 503 || g.status() == 429))
          .withBackoff(Duration.ofMillis(200), Duration.ofSeconds(5))
          .withMaxAttempts(30)
          .build();

  private interface Post {
    void run() throws InterruptedException;
  }

  private static void send(Post post) throws InterruptedException {
    try {
      Failsafe.with(REFUSED_FOR_NOW).run(post::run);
    } catch (FailsafeException e) {
      if (e.getCause() instanceof InterruptedException interrupted) throw interrupted;
      throw e;
    }
  }

  private static String text(Map<String, BeirQuery> queries, String id) {
    BeirQuery q = queries.get(id);
    if (q == null) throw new IllegalArgumentException("judged query " + id + " has no text");
    return q.text();
  }

  /**
   * {@code pg:public.documents:MED-10} → {@code pg:public.documents:} (the id without its BEIR id).
   */
  static String prefix(String documentId) {
    return documentId.substring(
        0, documentId.length() - EvalBeirCommand.beirId(documentId).length());
  }

  /** {@code pg:public.documents:MED-10} → {@code MED-10} ({@link EvalBeirCommand#beirId}). */
  static String beirId(String documentId) {
    return EvalBeirCommand.beirId(documentId);
  }

  private interface Call<T> {
    T apply(String id) throws Exception;
  }

  private <T> List<T> parallel(List<String> ids, String task, Call<T> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    try (ProgressBar bar =
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(ids.size())
            .continuousUpdate()
            .build()) {
      List<Future<T>> futures = new ArrayList<>();
      for (String id : ids) {
        futures.add(
            pool.submit(
                () -> {
                  T value = call.apply(id);
                  bar.step();
                  return value;
                }));
      }
      List<T> out = new ArrayList<>(ids.size());
      for (Future<T> f : futures) {
        try {
          out.add(f.get());
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof Exception cause) throw cause;
          throw e;
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  private static KafkaConsumer<byte[], byte[]> resultsConsumer(String bootstrap) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions =
        consumer.partitionsFor(Topics.TRAINING_RESULTS, Duration.ofSeconds(30)).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    if (partitions.isEmpty()) {
      consumer.close();
      throw new IllegalStateException(
          Topics.TRAINING_RESULTS + " does not exist: is the trainer on (trainer.enabled)?");
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position); // fix the positions now, before the replay
    return consumer;
  }

  private TrainingJobResult awaitResult(KafkaConsumer<byte[], byte[]> consumer, long notBefore)
      throws Exception {
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
        TrainingJobResult result = Json.mapper().readValue(r.value(), TrainingJobResult.class);
        if (result.kind() == AdapterKind.QUERY_ADAPTER && result.endedAt() >= notBefore) {
          return result;
        }
      }
    }
    throw new IllegalStateException(
        "no QUERY_ADAPTER training result on " + Topics.TRAINING_RESULTS + " within " + wait);
  }

  private static AdapterEvent verdict(String bootstrap, String adapterId) {
    try (AdapterLog log = new AdapterLog(bootstrap, Topics.ADAPTERS, Duration.ofSeconds(60))) {
      Optional<AdapterEvent> verdict =
          log.history().stream()
              .filter(e -> adapterId.equals(e.adapterId()))
              .filter(e -> e.status() != AdapterEvent.Status.CANDIDATE)
              .findFirst();
      return verdict.orElseThrow(
          () ->
              new IllegalStateException(
                  "no PROMOTED or REJECTED event for " + adapterId + " on " + Topics.ADAPTERS));
    }
  }

  private static void awaitServing(GatewaySearchClient client, SearchMode mode, String adapterId)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (adapterId.equals(client.search("adapter probe", 1, mode).adapter())) return;
      Thread.sleep(200);
    }
    throw new IllegalStateException("the gateway did not serve " + adapterId + " within 60 s");
  }

  private void print(PrintWriter out, Map<String, Object> figures) {
    if (json) {
      ObjectNode node = Json.mapper().valueToTree(figures);
      out.println(node.toString());
    } else {
      figures.forEach(
          (k, v) ->
              out.printf(
                  Locale.ROOT,
                  "%-42s %s%n",
                  k,
                  v instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : v));
    }
    out.flush();
  }
}
