package io.ragstream.cli.bench;

import io.ragstream.cli.beir.BeirCorpusLoader;
import io.ragstream.cli.beir.BeirDataset;
import io.ragstream.cli.beir.BeirDocument;
import io.ragstream.cli.options.GatewayOptions;
import io.ragstream.cli.options.SourceDatabaseOptions;
import io.ragstream.core.json.Json;
import io.ragstream.core.port.Embedder;
import io.ragstream.embedding.Embedders;
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
 * Ingest throughput: the raw embedder on a sample of the corpus, then the initial load of the
 * corpus through the whole pipeline (PostgreSQL → Debezium → Kafka → Streams → Flink → index), in
 * one command, with their ratio.
 *
 * <p>Raw: the same model ({@code --embedder}, default the platform's) embeds {@code title + " " +
 * text} of the documents to be loaded (or the first {@code --raw-sample} of them), one document per
 * call as the pipeline does, while the platform is idle. Pipeline: documents indexed (the gateway's
 * {@code /ready} document count) divided by the time from the first upsert until the last document
 * is indexed. The source table must be empty at the start so every indexed document is one of this
 * load.
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

    // 1. Raw embedder, platform idle.
    List<BeirDocument> sample;
    try (Stream<BeirDocument> docs = dataset.corpus()) {
      sample = docs.limit(rawSample <= 0 ? n : Math.min(rawSample, n)).toList();
    }
    double rawDocsPerSec;
    try (Embedder embedder = Embedders.create(embedderName)) {
      embedder.embedPassages(List.of("warm up")); // load the model outside the timing
      err.printf("raw embedder: %d documents ...%n", sample.size());
      long t0 = System.nanoTime();
      for (BeirDocument d : sample) {
        embedder.embedPassages(List.of(text(d)));
      }
      rawDocsPerSec = sample.size() / ((System.nanoTime() - t0) / 1e9);
    }
    err.printf("raw embedder: %.2f documents/s%n", rawDocsPerSec);

    // 2. Whole pipeline: upsert while polling the index.
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
    result.put("rawSampleDocuments", sample.size());
    result.put("rawDocsPerSec", round(rawDocsPerSec));
    result.put("pipelineSeconds", round(seconds));
    result.put("pipelineDocsPerSec", round(pipelineDocsPerSec));
    result.put("ratio", Math.round(pipelineDocsPerSec / rawDocsPerSec * 1000) / 1000.0);
    if (json) {
      out.println(Json.write(result));
    } else {
      out.printf(
          "ingest %s: %d documents in %.1f s through the pipeline = %.2f docs/s; raw embedder %.2f docs/s (%d-doc sample); ratio %.3f%n",
          dataset.name(),
          n,
          seconds,
          pipelineDocsPerSec,
          rawDocsPerSec,
          sample.size(),
          pipelineDocsPerSec / rawDocsPerSec);
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

  /** What the pipeline embeds for a one-chunk document: title + " " + body. */
  private static String text(BeirDocument d) {
    String title = d.title() == null ? "" : d.title().strip();
    return title.isEmpty() ? d.text() : title + " " + d.text();
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
