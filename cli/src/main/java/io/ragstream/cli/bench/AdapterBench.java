package io.ragstream.cli.bench;

import io.ragstream.cli.beir.BeirDataset;
import io.ragstream.cli.beir.BeirQuery;
import io.ragstream.core.adapter.FileAdapterRegistry;
import io.ragstream.core.adapter.LoraAdapter;
import io.ragstream.core.adapter.RegisteredAdapter;
import io.ragstream.core.eval.RetrievalEvaluation;
import io.ragstream.core.eval.RetrievalMetrics;
import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.json.Json;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import io.ragstream.embedding.Embedders;
import io.ragstream.embedding.OnnxEmbedder;
import io.ragstream.embedding.TokenChunker;
import io.ragstream.store.lucene.LuceneVectorStore;
import io.ragstream.trainer.adapter.AdapterTrainingConfig;
import io.ragstream.trainer.adapter.AdapterTrainingConfig.Loss;
import io.ragstream.trainer.adapter.AdapterTrainingConfig.StopOn;
import io.ragstream.trainer.adapter.EvaluationGate;
import io.ragstream.trainer.adapter.GateDecision;
import io.ragstream.trainer.adapter.HeldOutEvaluator;
import io.ragstream.trainer.adapter.PairSplit;
import io.ragstream.trainer.adapter.QueryAdapterTrainer;
import io.ragstream.trainer.adapter.TrainingOutcome;
import io.ragstream.trainer.adapter.TrainingPair;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The query adapter, end to end on a BEIR dataset, without a platform: the corpus is embedded once
 * into a persistent Lucene index ({@code --index-dir}, built or resumed when incomplete, then
 * reused; query embeddings cached beside it), pairs are built from the <b>train</b> qrels (each
 * train query's base dense top-{@code --retrieved} as its retrieved list), a part of the train
 * queries is held out for the gate, an adapter is trained on the rest (with its own validation
 * split for early stopping), registered, gated against the base model, and finally the BEIR
 * <b>test</b> queries are evaluated with and without the adapter (dense and hybrid; nDCG@10,
 * MRR@10, Recall@100). The test qrels are used only for that last report. A control run trains on
 * the same pairs with their relevant documents shuffled across queries and reports the gate's
 * decision.
 */
@Command(
    name = "adapter",
    mixinStandardHelpOptions = true,
    description =
        "Query adapter: train on the train qrels, gate on held-out train queries, report test"
            + " nDCG@10/MRR@10 with and without it, and the shuffled-label control.")
public final class AdapterBench implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--dataset", required = true, description = "BEIR dataset directory.")
  Path dataset;

  @Option(
      names = "--index-dir",
      required = true,
      description = "Persistent Lucene index of the corpus (built when missing, resumed, reused).")
  Path indexDir;

  @Option(
      names = "--registry",
      description = "Adapter registry directory. Default: <index-dir>-adapters.")
  Path registryDir;

  @Option(
      names = "--embedder",
      defaultValue = Embedders.DEFAULT_NAME,
      description = "Embedder. Default: ${DEFAULT-VALUE}.")
  String embedderName;

  @Option(names = "--prepare-only", description = "Only build the index and the query cache.")
  boolean prepareOnly;

  @Option(
      names = "--train-split",
      defaultValue = "train",
      description = "Default: ${DEFAULT-VALUE}.")
  String trainSplit;

  @Option(names = "--test-split", defaultValue = "test", description = "Default: ${DEFAULT-VALUE}.")
  String testSplit;

  @Option(
      names = "--retrieved",
      defaultValue = "20",
      description =
          "Documents each train query 'retrieved' (hard-negative pool). Default: ${DEFAULT-VALUE}.")
  int retrieved;

  @Option(
      names = "--gate-fraction",
      defaultValue = "0.2",
      description = "Share of train queries held out for the gate. Default: ${DEFAULT-VALUE}.")
  double gateFraction;

  @Option(
      names = "--margin",
      defaultValue = "" + EvaluationGate.DEFAULT_MARGIN,
      description = "Gate margin on nDCG@10. Default: ${DEFAULT-VALUE}.")
  double margin;

  @Option(names = "--rank", defaultValue = "" + AdapterTrainingConfig.DEFAULT_RANK)
  int rank;

  @Option(names = "--alpha", defaultValue = "" + AdapterTrainingConfig.DEFAULT_ALPHA)
  double alpha;

  @Option(names = "--temperature", defaultValue = "" + AdapterTrainingConfig.DEFAULT_TEMPERATURE)
  double temperature;

  @Option(names = "--lr", defaultValue = "" + AdapterTrainingConfig.DEFAULT_LEARNING_RATE)
  double learningRate;

  @Option(names = "--weight-decay", defaultValue = "" + AdapterTrainingConfig.DEFAULT_WEIGHT_DECAY)
  double weightDecay;

  @Option(names = "--batch-size", defaultValue = "" + AdapterTrainingConfig.DEFAULT_BATCH_SIZE)
  int batchSize;

  @Option(names = "--max-epochs", defaultValue = "" + AdapterTrainingConfig.DEFAULT_MAX_EPOCHS)
  int maxEpochs;

  @Option(names = "--patience", defaultValue = "" + AdapterTrainingConfig.DEFAULT_PATIENCE)
  int patience;

  @Option(
      names = "--validation-fraction",
      defaultValue = "" + AdapterTrainingConfig.DEFAULT_VALIDATION_FRACTION)
  double validationFraction;

  @Option(
      names = "--hard-negatives",
      defaultValue = "" + AdapterTrainingConfig.DEFAULT_HARD_NEGATIVES)
  int hardNegatives;

  @Option(
      names = "--pairs-per-query",
      defaultValue = "" + AdapterTrainingConfig.DEFAULT_PAIRS_PER_QUERY)
  int pairsPerQuery;

  @Option(names = "--no-mining", description = "Keep the retrieved hard negatives (no re-mining).")
  boolean noMining;

  @Option(
      names = "--mine-once",
      description =
          "Mine the hard negatives once, before training, with the base model (the trainer's way"
              + " to get a fixed pool like --retrieved N --no-mining without the client's k).")
  boolean mineOnce;

  @Option(
      names = "--loss",
      description = "INFO_NCE, SUP_CON or MIL_NCE. Default: ${DEFAULT-VALUE}.")
  Loss loss = AdapterTrainingConfig.DEFAULT_LOSS;

  @Option(
      names = "--identity-weight",
      defaultValue = "" + AdapterTrainingConfig.DEFAULT_IDENTITY_WEIGHT,
      description = "Penalty weight on the change of the query vector. Default: ${DEFAULT-VALUE}.")
  double identityWeight;

  @Option(
      names = "--query-bias",
      description = "Also learn a query bias vector (a document prior); off by default.")
  boolean queryBias;

  @Option(
      names = "--validate-every",
      defaultValue = "" + AdapterTrainingConfig.DEFAULT_VALIDATE_EVERY,
      description =
          "Validate every N optimizer steps (0 = once per epoch). Default: ${DEFAULT-VALUE}.")
  int validateEvery;

  @Option(names = "--stop-on", description = "LOSS or NDCG. Default: ${DEFAULT-VALUE}.")
  StopOn stopOn = AdapterTrainingConfig.DEFAULT_STOP_ON;

  @Option(names = "--time-budget", description = "Default: ${DEFAULT-VALUE}.")
  Duration timeBudget = AdapterTrainingConfig.DEFAULT_TIME_BUDGET;

  /** The clock of the training time budget and of the reported training seconds. */
  enum BudgetClock {
    /** Wall-clock time (what a job on a dedicated machine sees). */
    WALL,
    /**
     * CPU time of the training thread (the trainer and its store searches run on it): the work
     * done, independent of the other processes sharing the cores.
     */
    CPU
  }

  @Option(
      names = "--budget-clock",
      description =
          "WALL or CPU (the training thread's CPU time, for a machine shared with other jobs)."
              + " Default: ${DEFAULT-VALUE}.")
  BudgetClock budgetClock = BudgetClock.WALL;

  @Option(names = "--seed", defaultValue = "" + AdapterTrainingConfig.DEFAULT_SEED)
  long seed;

  @Option(names = "--no-control", description = "Skip the shuffled-label control run.")
  boolean noControl;

  @Option(names = "--json", description = "Also print the figures as one JSON line.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    BeirDataset beir = BeirDataset.open(dataset);
    Map<String, BeirQuery> queries = beir.queries();
    try (OnnxEmbedder embedder = Embedders.create(embedderName);
        LuceneVectorStore store = LuceneVectorStore.open(indexDir)) {
      TokenChunker chunker =
          new TokenChunker(
              Math.min(TokenChunker.DEFAULT_MAX_TOKENS, Embedders.maxPassageTokens(embedderName)),
              TokenChunker.DEFAULT_OVERLAP_TOKENS);
      Map<String, Map<String, Integer>> trainQrels = beir.qrels(trainSplit);
      Map<String, Map<String, Integer>> testQrels = beir.qrels(testSplit);
      List<String> ids = new ArrayList<>(trainQrels.keySet());
      ids.addAll(testQrels.keySet());
      Map<String, float[]> embeddings =
          BeirIndexCache.queryEmbeddings(indexDir, queries, ids, embedder, err);
      int n = BeirIndexCache.build(beir, store, embedder, chunker, null, err);
      err.printf("index: %d documents embedded now; %s%n", n, store.stats());
      err.flush();
      if (prepareOnly) return 0;

      AdapterTrainingConfig config =
          AdapterTrainingConfig.defaults()
              .withRank(rank, alpha)
              .withOptimizer(temperature, learningRate)
              .withSchedule(maxEpochs, patience, stopOn)
              .withNegatives(hardNegatives, batchSize)
              .withMining(!noMining, mineOnce)
              .withLoss(loss, identityWeight, weightDecay)
              .withQueryBias(queryBias, validateEvery)
              .withValidationFraction(validationFraction)
              .withPairsPerQuery(pairsPerQuery)
              .withBudget(timeBudget, seed);
      List<TrainingPair> pairs = pairs(store, queries, trainQrels, embeddings);
      PairSplit gateSplit = PairSplit.byQuery(pairs, gateFraction, seed);
      err.printf(
          "pairs: %d train pairs of %d queries; gate holds out %d pairs%n",
          gateSplit.kept().size(),
          gateSplit.kept().stream().map(TrainingPair::queryId).distinct().count(),
          gateSplit.heldOut().size());
      EvaluationGate gate = new EvaluationGate(HeldOutEvaluator.dense(store), margin);
      FileAdapterRegistry registry =
          FileAdapterRegistry.open(
              registryDir != null
                  ? registryDir
                  : indexDir.resolveSibling(indexDir.getFileName() + "-adapters"));

      // 1. The adapter. Wall-clock seconds depend on what else runs on the machine; the training
      // thread's CPU seconds do not (the trainer and its store searches run on this thread).
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      LongSupplier clock =
          budgetClock == BudgetClock.CPU ? threads::getCurrentThreadCpuTime : System::nanoTime;
      long cpuStart = threads.getCurrentThreadCpuTime();
      long wallStart = System.nanoTime();
      TrainingOutcome outcome =
          new QueryAdapterTrainer(config, store, clock).train(gateSplit.kept(), embedder.id());
      double trainCpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
      double trainWallSeconds = (System.nanoTime() - wallStart) / 1e9;
      RegisteredAdapter registered =
          registry.register(outcome.adapter(), trainMetrics(outcome), AdapterEvent.BASE, null);
      LoraAdapter candidate = registry.load(registered.adapterId());
      GateDecision decision = gate.decide(candidate, null, gateSplit.heldOut());
      LoraAdapter serving = decision.promote() ? candidate : null;

      // 2. The shuffled-label control: same queries, relevant documents permuted across pairs.
      TrainingOutcome control = null;
      GateDecision controlDecision = null;
      if (!noControl) {
        control =
            new QueryAdapterTrainer(config, store, clock)
                .train(shuffled(gateSplit.kept(), seed), embedder.id());
        RegisteredAdapter rc =
            registry.register(control.adapter(), trainMetrics(control), AdapterEvent.BASE, null);
        controlDecision = gate.decide(registry.load(rc.adapterId()), serving, gateSplit.heldOut());
      }

      // 3. Test qrels, with and without the adapter (whatever the gate said).
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("dataset", beir.name());
      figures.put("embedder", embedder.id());
      figures.put("config", config.toString());
      figures.put("adapter", registered.adapterId());
      figures.put("train.clock", budgetClock.name());
      figures.put("train.seconds", trainWallSeconds);
      figures.put("train.cpu.seconds", trainCpuSeconds);
      figures.put("train.epochs", outcome.epochs().size() - 1);
      figures.put("train.bestEpoch", outcome.bestEpoch());
      figures.put("train.stop", outcome.stopReason());
      figures.put("train.validation.initial", outcome.baselineValidation());
      figures.put("train.validation.best", outcome.bestValidation());
      figures.put(
          "train.validation.epochs",
          outcome.epochs().stream()
              .map(e -> String.format(Locale.ROOT, "%.4f", e.validation()))
              .toList()
              .toString());
      figures.put("gate", decision.reason());
      figures.put("gate.promote", decision.promote());
      for (SearchMode mode : List.of(SearchMode.DENSE, SearchMode.HYBRID)) {
        String m = mode.name().toLowerCase(Locale.ROOT);
        RetrievalEvaluation base = test(store, mode, queries, testQrels, embeddings, q -> q);
        RetrievalEvaluation adapted =
            test(store, mode, queries, testQrels, embeddings, candidate::apply);
        put(figures, "test." + m + ".base", base);
        put(figures, "test." + m + ".adapter", adapted);
        figures.put("test." + m + ".ndcg@10.gain", adapted.meanNdcg(10) - base.meanNdcg(10));
      }
      if (controlDecision != null) {
        figures.put("control.train.seconds", control.seconds());
        figures.put("control.bestEpoch", control.bestEpoch());
        figures.put("control.gate", controlDecision.reason());
        figures.put("control.gate.promote", controlDecision.promote());
        figures.put(
            "control.test.dense.ndcg@10",
            test(store, SearchMode.DENSE, queries, testQrels, embeddings, control.adapter()::apply)
                .meanNdcg(10));
      }
      print(out, figures);
      if (json) out.println(Json.write(figures));
      out.flush();
      return 0;
    }
  }

  /** One pair per (train query, relevant document), retrieved = the base dense top-k. */
  private List<TrainingPair> pairs(
      LuceneVectorStore store,
      Map<String, BeirQuery> queries,
      Map<String, Map<String, Integer>> qrels,
      Map<String, float[]> embeddings) {
    List<TrainingPair> pairs = new ArrayList<>();
    for (Map.Entry<String, Map<String, Integer>> q : qrels.entrySet()) {
      BeirQuery query = queries.get(q.getKey());
      float[] e = embeddings.get(q.getKey());
      List<String> top = search(store, SearchMode.DENSE, query.text(), e, retrieved);
      for (Map.Entry<String, Integer> j : q.getValue().entrySet()) {
        if (j.getValue() > 0) {
          pairs.add(new TrainingPair(q.getKey(), query.text(), e, j.getKey(), top));
        }
      }
    }
    return pairs;
  }

  /** The pairs with their relevant documents permuted (seeded) across pairs. */
  static List<TrainingPair> shuffled(List<TrainingPair> pairs, long seed) {
    List<String> docs = new ArrayList<>();
    for (TrainingPair p : pairs) docs.add(p.relevantDocumentId());
    Collections.shuffle(docs, new Random(seed ^ 0x5DEECE66DL));
    List<TrainingPair> out = new ArrayList<>(pairs.size());
    Set<String> seen = new LinkedHashSet<>();
    for (int i = 0; i < pairs.size(); i++) {
      TrainingPair p = pairs.get(i).withRelevantDocumentId(docs.get(i));
      if (seen.add(p.queryId() + "\u0000" + p.relevantDocumentId())) out.add(p);
    }
    return out;
  }

  private static RetrievalEvaluation test(
      LuceneVectorStore store,
      SearchMode mode,
      Map<String, BeirQuery> queries,
      Map<String, Map<String, Integer>> qrels,
      Map<String, float[]> embeddings,
      UnaryOperator<float[]> transform) {
    Map<String, List<String>> run = new LinkedHashMap<>();
    for (String id : qrels.keySet()) {
      run.put(
          id,
          search(store, mode, queries.get(id).text(), transform.apply(embeddings.get(id)), 100));
    }
    return RetrievalMetrics.atCutoffs(10, 100).evaluate(qrels, run);
  }

  private static List<String> search(
      LuceneVectorStore store, SearchMode mode, String text, float[] vector, int k) {
    List<String> ids = new ArrayList<>();
    for (SearchHit h :
        store.search(new SearchRequest(text, vector, k, mode, SearchFilter.NONE, true))) {
      ids.add(h.documentId());
    }
    return ids;
  }

  private static Map<String, Double> trainMetrics(TrainingOutcome o) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("train.seconds", o.seconds());
    m.put("train.epochs", (double) (o.epochs().size() - 1));
    m.put("train.best-epoch", (double) o.bestEpoch());
    m.put("validation.initial", o.baselineValidation());
    m.put("validation.best", o.bestValidation());
    m.put("train.pairs", (double) o.trainPairs());
    return m;
  }

  private static void put(Map<String, Object> figures, String prefix, RetrievalEvaluation e) {
    figures.put(prefix + ".ndcg@10", e.meanNdcg(10));
    figures.put(prefix + ".mrr@10", e.meanMrr(10));
    figures.put(prefix + ".recall@100", e.meanRecall(100));
  }

  private static void print(PrintWriter out, Map<String, Object> figures) {
    figures.forEach(
        (k, v) ->
            out.printf(
                Locale.ROOT,
                "%-34s %s%n",
                k,
                v instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : v));
  }
}
