package io.ragstream.cli.bench;

import io.ragstream.cli.beir.BeirDataset;
import io.ragstream.cli.beir.BeirDocument;
import io.ragstream.cli.drift.DocumentDriftExperiment;
import io.ragstream.cli.drift.DocumentDriftExperiment.Trial;
import io.ragstream.cli.drift.DocumentDriftExperiment.TrialResult;
import io.ragstream.core.event.DriftEvent;
import io.ragstream.embedding.Embedders;
import io.ragstream.embedding.OnnxEmbedder;
import io.ragstream.embedding.TokenChunker;
import io.ragstream.processors.drift.DriftSettings;
import io.ragstream.processors.drift.EmbeddingDriftFunction;
import io.ragstream.processors.drift.KernelTwoSampleTest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ragstream bench drift}: document drift detection on BEIR corpora, no platform needed.
 * Embeds {@code --scifact-docs} SciFact and {@code --nfcorpus-docs} NFCorpus documents once (the
 * indexer's chunking and embedding), then for each window size runs the drift job's document path
 * (one Flink job on a MiniCluster) on: a shift trial (a reference of SciFact documents, then
 * NFCorpus) and {@code --repetitions} null trials (a reference of SciFact documents, then the other
 * SciFact documents, split with a different seed each). Prints windows to detection, the statistics
 * and p-values of the shift windows, false alarms, and the time of one permutation test.
 */
@Command(
    name = "drift",
    mixinStandardHelpOptions = true,
    description =
        "Document drift: SciFact reference vs NFCorpus (shift) and vs other SciFact slices (null).")
public final class DriftBench implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--beir",
      defaultValue = "../shared/data/beir",
      description = "Directory holding scifact/ and nfcorpus/. Default: ${DEFAULT-VALUE}.")
  Path beir;

  @Option(
      names = "--scifact-docs",
      defaultValue = "800",
      description = "SciFact documents to embed (random, fixed seed). Default: ${DEFAULT-VALUE}.")
  int scifactDocs;

  @Option(
      names = "--nfcorpus-docs",
      defaultValue = "400",
      description = "NFCorpus documents to embed. Default: ${DEFAULT-VALUE}.")
  int nfcorpusDocs;

  @Option(
      names = "--reference",
      defaultValue = "256",
      description = "Reference documents per trial. Default: ${DEFAULT-VALUE}.")
  int reference;

  @Option(
      names = "--windows",
      split = ",",
      defaultValue = "64,128",
      description = "Window sizes to run. Default: ${DEFAULT-VALUE}.")
  List<Integer> windows;

  @Option(
      names = "--repetitions",
      defaultValue = "20",
      description = "Null trials (different seeds). Default: ${DEFAULT-VALUE}.")
  int repetitions;

  @Option(
      names = "--permutations",
      defaultValue = "100",
      description = "Permutations per test. Default: ${DEFAULT-VALUE}.")
  int permutations;

  @Option(
      names = "--embedder",
      defaultValue = Embedders.DEFAULT_NAME,
      description = "Embedding model. Default: ${DEFAULT-VALUE}.")
  String embedderName;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Embedders.requireKnown(embedderName);
    long t0 = System.nanoTime();
    List<List<float[]>> scifact;
    List<List<float[]>> nfcorpus;
    try (OnnxEmbedder embedder = Embedders.create(embedderName)) {
      TokenChunker chunker = new TokenChunker();
      scifact = DocumentDriftExperiment.embed(docs("scifact", scifactDocs), embedder, chunker);
      nfcorpus = DocumentDriftExperiment.embed(docs("nfcorpus", nfcorpusDocs), embedder, chunker);
    }
    double embedSeconds = (System.nanoTime() - t0) / 1e9;
    out.printf(
        "embedded %d SciFact + %d NFCorpus documents (%d chunks) with %s in %.0f s (%.1f docs/s)%n",
        scifact.size(),
        nfcorpus.size(),
        Stream.concat(scifact.stream(), nfcorpus.stream()).mapToInt(List::size).sum(),
        embedderName,
        embedSeconds,
        (scifact.size() + nfcorpus.size()) / embedSeconds);
    DriftSettings base = DriftSettings.defaults();
    base =
        new DriftSettings(
            base.windowSize(),
            base.reference(),
            base.referenceSize(),
            base.referenceSampleSize(),
            permutations,
            base.alpha(),
            base.mmdThreshold(),
            base.centroidThreshold(),
            base.qualityWindowSize(),
            base.topScoreDropThreshold(),
            base.noAnswerIncrease(),
            base.feedbackWindowSize(),
            base.negativeFeedbackIncrease(),
            base.seed());
    out.printf(
        "rule: MMD drifts when p <= %.3f and MMD² >= %.3f; centroid drifts when distance >= %.3f;"
            + " %d permutations; reference %d documents%n",
        base.alpha(), base.mmdThreshold(), base.centroidThreshold(), permutations, reference);

    List<List<float[]>> shifted = nfcorpus.stream().filter(d -> !d.isEmpty()).toList();
    for (int window : windows) {
      List<Trial> trials = new ArrayList<>();
      Trial first = DocumentDriftExperiment.split("shift", scifact, reference, 0);
      trials.add(new Trial("shift", first.reference(), shifted));
      for (int seed = 1; seed <= repetitions; seed++) {
        trials.add(DocumentDriftExperiment.split("null-" + seed, scifact, reference, seed));
      }
      long start = System.nanoTime();
      List<TrialResult> results = DocumentDriftExperiment.run(trials, base.withWindowSize(window));
      double seconds = (System.nanoTime() - start) / 1e9;
      out.printf(
          "%n== window %d (Flink job over %d trials: %.1f s)%n", window, trials.size(), seconds);
      TrialResult shift = results.get(0);
      out.printf(
          "shift (SciFact → NFCorpus): %d windows, first drifted window: %s%n",
          shift.windows(),
          shift.firstDriftedWindow().isPresent()
              ? String.valueOf(shift.firstDriftedWindow().getAsInt() + 1)
              : "none");
      List<DriftEvent> mmd = shift.metric(EmbeddingDriftFunction.MMD);
      List<DriftEvent> centroid = shift.metric(EmbeddingDriftFunction.CENTROID);
      for (int i = 0; i < mmd.size(); i++) {
        out.printf(
            "  window %2d: MMD² %.4f  p %.4f  centroid distance %.4f  drifted %s%n",
            i + 1,
            mmd.get(i).value(),
            mmd.get(i).pValue(),
            centroid.get(i).value(),
            mmd.get(i).drifted() || centroid.get(i).drifted());
      }
      int falseAlarms = 0;
      int nullWindows = 0;
      int significant = 0;
      int mmdAlarms = 0;
      int centroidAlarms = 0;
      double maxMmd = Double.NEGATIVE_INFINITY;
      double maxCentroid = 0;
      for (TrialResult r : results.subList(1, results.size())) {
        if (r.firstDriftedWindow().isPresent()) falseAlarms++;
        for (DriftEvent e : r.metric(EmbeddingDriftFunction.MMD)) {
          nullWindows++;
          if (e.pValue() <= base.alpha()) significant++;
          if (e.drifted()) mmdAlarms++;
          maxMmd = Math.max(maxMmd, e.value());
        }
        for (DriftEvent e : r.metric(EmbeddingDriftFunction.CENTROID)) {
          if (e.drifted()) centroidAlarms++;
          maxCentroid = Math.max(maxCentroid, e.value());
        }
      }
      out.printf(
          "null (SciFact → other SciFact): false alarms in %d of %d trials; %d windows: p <= alpha"
              + " in %d (%.1f %%), MMD alarms %d, centroid alarms %d; max MMD² %.4f, max centroid"
              + " distance %.4f%n",
          falseAlarms,
          repetitions,
          nullWindows,
          significant,
          100.0 * significant / Math.max(1, nullWindows),
          mmdAlarms,
          centroidAlarms,
          maxMmd,
          maxCentroid);
      out.printf(
          "one permutation test (%d reference + %d window vectors, %d permutations): %.1f ms%n",
          reference, window, permutations, testMillis(shifted, reference, window));
    }
    out.flush();
    return 0;
  }

  /** Mean time of one test on vectors of the embedded documents (10 runs after 2 warm-ups). */
  private double testMillis(List<List<float[]>> docs, int n, int m) {
    List<float[]> pool = new ArrayList<>();
    docs.forEach(pool::addAll);
    Random random = new Random(1);
    float[][] x = new float[n][];
    float[][] y = new float[m][];
    for (int i = 0; i < n; i++) x[i] = pool.get(random.nextInt(pool.size()));
    for (int i = 0; i < m; i++) y[i] = pool.get(random.nextInt(pool.size()));
    for (int i = 0; i < 2; i++) KernelTwoSampleTest.test(x, y, permutations, i);
    long start = System.nanoTime();
    for (int i = 0; i < 10; i++) KernelTwoSampleTest.test(x, y, permutations, i);
    return (System.nanoTime() - start) / 1e6 / 10;
  }

  private List<BeirDocument> docs(String name, int n) {
    List<BeirDocument> docs;
    try (Stream<BeirDocument> corpus = BeirDataset.open(beir.resolve(name)).corpus()) {
      docs = new ArrayList<>(corpus.toList());
    }
    Collections.shuffle(docs, new Random(42));
    return docs.subList(0, Math.min(n, docs.size()));
  }
}
