package io.ragstream.cli.bench;

import io.ragstream.cli.beir.BeirDataset;
import io.ragstream.embedding.Embedders;
import io.ragstream.embedding.OnnxEmbedder;
import io.ragstream.embedding.TokenChunker;
import io.ragstream.store.lucene.LuceneVectorStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ragstream bench adapter}: trains, gates and evaluates a query adapter on a BEIR set. */
@Command(
    name = "adapter",
    mixinStandardHelpOptions = true,
    description = "Query adapter: train on train qrels, gate, evaluate test nDCG@10 with/without.")
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
      names = "--embedder",
      defaultValue = Embedders.DEFAULT_NAME,
      description = "Embedder. Default: ${DEFAULT-VALUE}.")
  String embedderName;

  @Option(names = "--prepare-only", description = "Only build the index and the query cache.")
  boolean prepareOnly;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    BeirDataset beir = BeirDataset.open(dataset);
    try (OnnxEmbedder embedder = Embedders.create(embedderName);
        LuceneVectorStore store = LuceneVectorStore.open(indexDir)) {
      TokenChunker chunker =
          new TokenChunker(
              Math.min(TokenChunker.DEFAULT_MAX_TOKENS, Embedders.maxPassageTokens(embedderName)),
              TokenChunker.DEFAULT_OVERLAP_TOKENS);
      List<String> ids = new ArrayList<>(beir.queries().keySet());
      BeirIndexCache.queryEmbeddings(indexDir, beir.queries(), ids, embedder, err);
      int n = BeirIndexCache.build(beir, store, embedder, chunker, null, err);
      err.printf("index: %d documents embedded now; %s%n", n, store.stats());
      err.flush();
    }
    return 0;
  }
}
