package io.ragstream.processors.indexing;

import io.ragstream.core.port.Chunker;
import io.ragstream.core.port.Embedder;
import io.ragstream.core.port.VectorStore;
import io.ragstream.embedding.Embedders;
import io.ragstream.embedding.TokenChunker;
import io.ragstream.store.lucene.LuceneStoreOptions;
import io.ragstream.store.lucene.LuceneVectorStore;
import java.nio.file.Path;

/** Serializable factories of the job's default components, by name and settings. */
public final class Components {
  private Components() {}

  /** The in-process ONNX embedder called {@code name} (see {@link Embedders#names()}). */
  public static ComponentFactory<Embedder> embedder(String name) {
    Embedders.requireKnown(name); // fail at job build time, not in a task
    return () -> Embedders.create(name);
  }

  /** A {@link TokenChunker} with {@code maxTokens} per chunk and {@code overlapTokens} overlap. */
  public static ComponentFactory<Chunker> tokenChunker(int maxTokens, int overlapTokens) {
    // Validates now, without loading the JNI tokenizer: the graph is built on a client or a
    // JobManager, and a JobManager that shares its JVM with the TaskManager (a MiniCluster) would
    // then fail to load the library again in the job's class loader.
    TokenChunker.checkSettings(maxTokens, overlapTokens);
    return () -> new TokenChunker(maxTokens, overlapTokens);
  }

  /**
   * The embedded Lucene store in {@code dir}; tasks in one JVM share one instance per directory
   * (see {@link LuceneVectorStore#open}).
   */
  public static ComponentFactory<VectorStore> luceneStore(Path dir) {
    return luceneStore(dir, LuceneStoreOptions.defaults());
  }

  /**
   * The embedded Lucene store in {@code dir} with {@code options}; every opener of one directory in
   * a JVM must pass equal options (see {@link LuceneVectorStore#open}).
   */
  public static ComponentFactory<VectorStore> luceneStore(Path dir, LuceneStoreOptions options) {
    String path = dir.toAbsolutePath().toString();
    return () -> LuceneVectorStore.open(Path.of(path), options);
  }
}
