package io.ragstream.cli.bench;

import io.ragstream.cli.beir.BeirCorpusLoader;
import io.ragstream.cli.beir.BeirDataset;
import io.ragstream.cli.beir.BeirDocument;
import io.ragstream.cli.options.GatewayOptions;
import io.ragstream.cli.options.SourceDatabaseOptions;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.Chunk;
import io.ragstream.core.port.Embedder;
import io.ragstream.embedding.Embedders;
import io.ragstream.embedding.LangChain4jEmbedder;
import io.ragstream.embedding.OnnxEmbedder;
import io.ragstream.embedding.TokenChunker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Ingest throughput, in one command: LangChain4j's wrapper (one {@code embed} call per text), the
 * raw embedder (ragstream's direct ONNX Runtime path), then the initial load of the same documents
 * through the whole pipeline (PostgreSQL → Debezium → Kafka → Streams → Flink → index), with
 * documents/s, tokens/s and the ratios pipeline/raw and raw/wrapper.
 *
 * <p>The wrapper and raw runs embed exactly what the pipeline embeds for these documents: each body
 * chunked with the platform's chunker settings ({@code --chunk-max-tokens}, {@code
 * --chunk-overlap-tokens}) and each chunk as {@code title + " " + chunk}, one document per call,
 * while the platform is idle. Tokens are the model's WordPiece tokens of those texts (with special
 * tokens and prefixes). Pipeline: documents indexed (the gateway's {@code /ready} document count)
 * divided by the time from the first upsert until the last document is indexed. The source table
 * must be empty at the start so every indexed document is one of this load.
 */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = "Raw embedder throughput vs. initial-load pipeline throughput, in one run.")
public final class IngestBench implements Callable<Integer> {
  @Mixin SourceDatabaseOptions source;
  @Mixin GatewayOptions gatewayOptions;
  @Spec CommandSpec spec;

  @Parameters(index = "0", description = "BEIR dataset directory.")
  Path dir;

  @Option(names = "--limit", description = "Load only the first N documents.")
  Long limit;

  @Option(
      names = "--raw-sample",
      defaultValue = "0",
      description =
          "Documents embedded for the raw figure; 0 (default) = all documents loaded, the fair comparison.")
  int rawSample;

  @Option(
      names = "--embedder",
      defaultValue = "bge-small-en-v1.5-q",
      description = "Model of the raw run; must be the platform's (default ${DEFAULT-VALUE}).")
  String embedderName;

  @Option(
      names = "--timeout",
      defaultValue = "PT2H",
      description = "Give up waiting for the index after this.")
  Duration timeout;

  @Option(
      names = "--chunk-max-tokens",
      defaultValue = "400",
      description = "The platform's indexing.chunk.max-tokens. Default: ${DEFAULT-VALUE}.")
  int chunkMaxTokens;

  @Option(
      names = "--chunk-overlap-tokens",
      defaultValue = "40",
      description = "The platform's indexing.chunk.overlap-tokens. Default: ${DEFAULT-VALUE}.")
  int chunkOverlapTokens;

  @Option(
      names = "--no-wrapper",
      description = "Skip the LangChain4j wrapper run (it is the slowest of the three).")
  boolean noWrapper;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    BeirDataset dataset = BeirDataset.open(dir);
    long total = dataset.countCorpusDocuments();
    long n = limit == null ? total : Math.min(limit, total);
    GatewayProbe gateway = new GatewayProbe(gatewayOptions.url());
    long indexedBefore = gateway.indexedDocuments();
    try (Connection db = source.connect()) {
      if (rowCount(db) > 0 || indexedBefore > 0) {
        throw new IllegalStateException(
            "bench ingest needs an empty source table and index (table "
                + source.sourceTable()
                + " has rows or the index has "
                + indexedBefore
                + " documents)");
      }
    }

    // 1. The texts the pipeline embeds, per document.
    List<BeirDocument> sample;
    try (Stream<BeirDocument> docs = dataset.corpus()) {
      sample = docs.limit(rawSample <= 0 ? n : Math.min(rawSample, n)).toList();
    }
    TokenChunker chunker = new TokenChunker(chunkMaxTokens, chunkOverlapTokens);
    List<List<String>> texts = new ArrayList<>(sample.size());
    for (BeirDocument d : sample) {
      texts.add(textsOf(d, chunker));
    }
    long chunks = texts.stream().mapToLong(List::size).sum();

    // 2. LangChain4j wrapper and raw embedder, platform idle.
    long tokens;
    double rawSeconds;
    try (OnnxEmbedder embedder = Embedders.create(embedderName)) {
      long t = 0;
      for (List<String> doc : texts) {
        for (String text : doc) t += embedder.passageTokens(text);
      }
      tokens = t;
      embedder.embedPassages(List.of("warm up")); // load the model outside the timing
      err.printf(
          "raw embedder: %d documents, %d chunks, %d tokens ...%n", sample.size(), chunks, tokens);
      rawSeconds = time(embedder, texts);
    }
    double rawDocsPerSec = sample.size() / rawSeconds;
    err.printf(
        "raw embedder: %.2f documents/s, %.0f tokens/s%n", rawDocsPerSec, tokens / rawSeconds);
    Double wrapperSeconds = null;
    if (!noWrapper) {
      try (Embedder wrapper = LangChain4jEmbedder.create(embedderName)) {
        wrapper.embedPassages(List.of("warm up"));
        err.printf("LangChain4j wrapper: %d documents ...%n", sample.size());
        wrapperSeconds = time(wrapper, texts);
      }
      err.printf("LangChain4j wrapper: %.2f documents/s%n", sample.size() / wrapperSeconds);
    }

    // 3. Whole pipeline: upsert while polling the index.
    long t0 = System.nanoTime();
    CompletableFuture<BeirCorpusLoader.LoadResult> load =
        CompletableFuture.supplyAsync(
            () -> {
              try (Connection db = source.connect();
                  Stream<BeirDocument> docs = dataset.corpus()) {
                BeirCorpusLoader loader =
                    new BeirCorpusLoader(source.sourceTable(), "public", List.of("public"), 200);
                loader.ensureTable(db);
                return loader.load(db, docs.limit(n).iterator(), x -> {});
              } catch (Exception e) {
                throw new IllegalStateException("load failed: " + e.getMessage(), e);
              }
            });
    long deadline = t0 + timeout.toNanos();
    long indexed = 0;
    long lastReport = 0;
    List<long[]> progress = new ArrayList<>();
    while (indexed < n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "only " + indexed + "/" + n + " documents indexed after " + timeout);
      }
      if (load.isCompletedExceptionally()) {
        load.join();
      }
      Thread.sleep(200); // polling the index under test
      indexed = gateway.indexedDocuments();
      long now = System.nanoTime();
      progress.add(new long[] {(now - t0) / 1_000_000, indexed});
      if (now - lastReport > 10_000_000_000L) {
        err.printf("pipeline: %d/%d documents indexed, %.1f s%n", indexed, n, (now - t0) / 1e9);
        lastReport = now;
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    BeirCorpusLoader.LoadResult loaded = load.join();
    double pipelineDocsPerSec = n / seconds;
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("dataset", dataset.name());
    result.put("documents", n);
    result.put("rowsUpserted", loaded.documents());
    result.put("embedder", embedderName);
    result.put("chunkMaxTokens", chunkMaxTokens);
    result.put("chunkOverlapTokens", chunkOverlapTokens);
    result.put("rawSampleDocuments", sample.size());
    result.put("rawSampleChunks", chunks);
    result.put("rawSampleTokens", tokens);
    result.put("rawDocsPerSec", round(rawDocsPerSec));
    result.put("rawTokensPerSec", round(tokens / rawSeconds));
    if (wrapperSeconds != null) {
      result.put("wrapperDocsPerSec", round(sample.size() / wrapperSeconds));
      result.put("wrapperTokensPerSec", round(tokens / wrapperSeconds));
      result.put("rawOverWrapper", Math.round(wrapperSeconds / rawSeconds * 1000) / 1000.0);
    }
    result.put("pipelineSeconds", round(seconds));
    result.put("pipelineDocsPerSec", round(pipelineDocsPerSec));
    double ratio = pipelineDocsPerSec / rawDocsPerSec;
    result.put("pipelineOverRaw", Math.round(ratio * 1000) / 1000.0);
    if (rawSample <= 0 || rawSample >= n) {
      result.put("pipelineTokensPerSec", round(tokens / seconds));
    }
    if (json) {
      out.println(Json.write(result));
    } else {
      out.printf(
          "ingest %s (%s, chunks %d/%d tokens): %d documents%n",
          dataset.name(), embedderName, chunkMaxTokens, chunkOverlapTokens, n);
      out.printf("  %-20s %10s %12s%n", "", "docs/s", "tokens/s");
      if (wrapperSeconds != null) {
        out.printf(
            "  %-20s %10.2f %12.0f%n",
            "LangChain4j wrapper", sample.size() / wrapperSeconds, tokens / wrapperSeconds);
      }
      out.printf("  %-20s %10.2f %12.0f%n", "raw embedder", rawDocsPerSec, tokens / rawSeconds);
      out.printf(
          "  %-20s %10.2f %12s  (%.1f s)%n",
          "pipeline",
          pipelineDocsPerSec,
          result.containsKey("pipelineTokensPerSec")
              ? String.format("%.0f", tokens / seconds)
              : "-",
          seconds);
      out.printf("  pipeline / raw      %.3f%n", ratio);
      if (wrapperSeconds != null) {
        out.printf("  raw / wrapper       %.3f%n", wrapperSeconds / rawSeconds);
      }
    }
    out.flush();
    return 0;
  }

  private long rowCount(Connection db) throws Exception {
    try (Statement s = db.createStatement()) {
      try (ResultSet rs =
          s.executeQuery(
              "select count(*) from information_schema.tables where table_schema = '"
                  + source.sourceTable().schema()
                  + "' and table_name = '"
                  + source.sourceTable().table()
                  + "'")) {
        rs.next();
        if (rs.getLong(1) == 0) return 0;
      }
      try (ResultSet rs = s.executeQuery("select count(*) from " + source.sourceTable().quoted())) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** What the pipeline embeds for a document: {@code title + " " + chunk} per chunk. */
  static List<String> textsOf(BeirDocument d, TokenChunker chunker) {
    String title = d.title() == null ? "" : d.title().strip();
    List<String> texts = new ArrayList<>();
    for (Chunk c : chunker.chunk(d.text() == null ? "" : d.text())) {
      texts.add(title.isEmpty() ? c.text() : title + " " + c.text());
    }
    return texts;
  }

  /** Seconds to embed every document's texts, one document per call. */
  private static double time(Embedder embedder, List<List<String>> texts) {
    long t0 = System.nanoTime();
    for (List<String> doc : texts) {
      if (!doc.isEmpty()) embedder.embedPassages(doc);
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
