package io.ragstream.cli.bench;

import io.ragstream.cli.beir.BeirDataset;
import io.ragstream.cli.beir.BeirDocument;
import io.ragstream.core.json.Json;
import io.ragstream.core.port.Embedder;
import io.ragstream.embedding.Embedders;
import io.ragstream.embedding.LangChain4jEmbedder;
import io.ragstream.embedding.OnnxEmbedder;
import io.ragstream.embedding.TokenChunker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Raw embedder throughput, no platform needed: for each model of {@code --embedders}, LangChain4j's
 * wrapper (where its class is usable) and ragstream's direct ONNX Runtime path at each batch size
 * of {@code --batch-sizes} embed the same texts — the chunks the pipeline would embed for the first
 * {@code --limit} documents of a BEIR corpus ({@code title + " " + chunk}) — and the command prints
 * documents/s, tokens/s and each run's speed relative to the first run of its model. Runs are
 * sequential in one JVM; run it on an otherwise idle machine.
 */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    description = "Raw embedder throughput per model and batch size (and LangChain4j's wrapper).")
public final class EmbedBench implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", description = "BEIR dataset directory.")
  Path dir;

  @Option(
      names = "--limit",
      defaultValue = "200",
      description = "Documents to embed. Default: ${DEFAULT-VALUE}.")
  int limit;

  @Option(
      names = "--embedders",
      split = ",",
      defaultValue = "bge-small-en-v1.5-q",
      description = "Models, comma-separated. Default: ${DEFAULT-VALUE}.")
  List<String> embedders;

  @Option(
      names = "--batch-sizes",
      split = ",",
      defaultValue = "1",
      description =
          "Batch sizes of the direct path (length-sorted padded batches; 1 = one text per run)."
              + " Default: ${DEFAULT-VALUE}.")
  List<Integer> batchSizes;

  @Option(names = "--no-wrapper", description = "Skip LangChain4j's wrapper.")
  boolean noWrapper;

  @Option(
      names = "--threads",
      description = "ONNX Runtime intra-op threads of the direct path. Default: available cores.")
  Integer threads;

  @Option(names = "--json", description = "Print JSON lines.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    for (String name : embedders) Embedders.requireKnown(name);
    BeirDataset dataset = BeirDataset.open(dir);
    List<BeirDocument> documents;
    try (Stream<BeirDocument> docs = dataset.corpus()) {
      documents = docs.limit(limit).toList();
    }
    int cores = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    if (!json) {
      out.printf(
          "%-22s %-22s %6s %8s %10s %10s %8s%n",
          "embedder", "path", "docs", "tokens", "docs/s", "tokens/s", "relative");
    }
    for (String name : embedders) {
      TokenChunker chunker =
          new TokenChunker(
              Math.min(TokenChunker.DEFAULT_MAX_TOKENS, Embedders.maxPassageTokens(name)),
              TokenChunker.DEFAULT_OVERLAP_TOKENS);
      List<List<String>> texts = new ArrayList<>();
      for (BeirDocument d : documents) texts.add(IngestBench.textsOf(d, chunker));
      long tokens = 0;
      Double reference = null;
      try (OnnxEmbedder counter = Embedders.create(name, 1)) {
        for (List<String> doc : texts) for (String t : doc) tokens += counter.passageTokens(t);
      }
      if (!noWrapper) {
        try {
          try (Embedder wrapper = LangChain4jEmbedder.create(name)) {
            reference = report(out, err, name, "langchain4j-wrapper", wrapper, texts, tokens, null);
          }
        } catch (IllegalArgumentException e) {
          err.println(name + ": no LangChain4j wrapper run (" + e.getMessage() + ")");
        }
      }
      for (int batchSize : batchSizes) {
        try (OnnxEmbedder embedder = Embedders.create(name, cores, batchSize)) {
          double seconds =
              report(
                  out, err, name, "direct batch=" + batchSize, embedder, texts, tokens, reference);
          if (reference == null) reference = seconds;
        }
      }
    }
    out.flush();
    return 0;
  }

  /** Embeds every document's texts (one call per document) and prints a row; returns seconds. */
  private double report(
      PrintWriter out,
      PrintWriter err,
      String name,
      String path,
      Embedder embedder,
      List<List<String>> texts,
      long tokens,
      Double referenceSeconds) {
    embedder.embedPassages(List.of("warm up"));
    err.printf("%s %s: %d documents ...%n", name, path, texts.size());
    long t0 = System.nanoTime();
    for (List<String> doc : texts) {
      if (!doc.isEmpty()) embedder.embedPassages(doc);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double relative = referenceSeconds == null ? 1.0 : referenceSeconds / seconds;
    if (json) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("embedder", name);
      row.put("path", path);
      row.put("documents", texts.size());
      row.put("tokens", tokens);
      row.put("seconds", seconds);
      row.put("docsPerSec", texts.size() / seconds);
      row.put("tokensPerSec", tokens / seconds);
      row.put("relative", relative);
      out.println(Json.write(row));
    } else {
      out.printf(
          "%-22s %-22s %6d %8d %10.2f %10.0f %8.2f%n",
          name, path, texts.size(), tokens, texts.size() / seconds, tokens / seconds, relative);
    }
    out.flush();
    return seconds;
  }
}
