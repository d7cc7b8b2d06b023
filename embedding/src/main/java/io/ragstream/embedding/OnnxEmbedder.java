package io.ragstream.embedding;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.ragstream.core.error.EmbeddingException;
import io.ragstream.core.port.Embedder;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Embedder} running a BGE model in-process with ONNX Runtime, through LangChain4j's
 * bge-small-en-v1.5 jars (model and tokenizer inside the jar, no network). Create it with {@link
 * Embedders#create(String)}.
 *
 * <ul>
 *   <li>Queries get the BGE query instruction {@value #BGE_QUERY_INSTRUCTION} prepended (LangChain4j
 *       does not add it); passages are embedded as they are.
 *   <li>Vectors have 384 floats, CLS-pooled by the model and L2-normalized (LangChain4j normalizes;
 *       this class normalizes again so the contract holds whatever the library does).
 *   <li>Input length: the model reads at most 512 tokens including {@code [CLS]} and {@code [SEP]},
 *       i.e. 510 text tokens. LangChain4j's encoder is written to split longer texts into 510-token
 *       partitions and average their vectors weighted by length, but in 1.20.0-beta30 its DJL
 *       tokenizer truncates longest-first at 512 tokens before that split, so in effect a longer text
 *       is embedded from its first 510 tokens only (measured: a 1,400-token text and its first 700
 *       tokens give the same vector). Keep passages within 510 tokens, e.g. with {@link
 *       TokenChunker}.
 *   <li>Batches run one text per ONNX {@code session.run}, on one worker thread owned by this
 *       embedder (on 2 cores that is the fastest setting; ONNX Runtime parallelizes inside each
 *       run); a batch of one, like a query, runs on the calling thread. Measured on 2 cores (int8):
 *       7-8 SciFact documents/s, a query in 6-12 ms.
 * </ul>
 *
 * <p>Methods block and are thread-safe; concurrent batches queue on the worker thread. Null or
 * blank texts (only whitespace or control characters) are rejected with {@link IllegalArgumentException}; a model failure is an {@link
 * EmbeddingException}. If the calling thread is interrupted while waiting for a batch, it gets an
 * {@link EmbeddingException} and its interrupt flag stays set. {@link #close()} stops the worker
 * thread; the ONNX session itself is a static of the LangChain4j model class and lives as long as
 * its class loader.
 */
public final class OnnxEmbedder implements Embedder {

  /** The instruction BGE v1.5 models expect before a retrieval query (from the BGE model card). */
  public static final String BGE_QUERY_INSTRUCTION =
      "Represent this sentence for searching relevant passages: ";

  /**
   * The version of the LangChain4j embeddings jars this module is built against; used in {@link
   * #id()} only if the jar's Maven metadata cannot be read (e.g. stripped by a shading tool).
   */
  static final String LANGCHAIN4J_EMBEDDINGS_VERSION_FALLBACK = "1.20.0-beta30";

  private static final Logger LOG = LoggerFactory.getLogger(OnnxEmbedder.class);

  private final OnnxModel model;
  private final String id;
  private final ExecutorService executor;
  private final EmbeddingModel delegate;
  private volatile boolean closed;

  OnnxEmbedder(OnnxModel model) {
    this.model = model;
    this.id = model.modelName + "@langchain4j-embeddings-" + langchain4jVersion(model);
    this.executor = singleThreadExecutor(model.modelName);
    try {
      this.delegate = load(model, executor);
    } catch (RuntimeException | LinkageError e) {
      executor.shutdownNow();
      throw new EmbeddingException(
          "cannot load embedding model "
              + model.modelName
              + " from the jar "
              + OnnxModel.GROUP_ID
              + ":"
              + model.artifactId
              + " (is it on the class path?): "
              + e,
          e);
    }
  }

  /** The model name this embedder was created with, e.g. {@code bge-small-en-v1.5-q}. */
  public String modelName() {
    return model.modelName;
  }

  /** E.g. {@code bge-small-en-v1.5-q@langchain4j-embeddings-1.20.0-beta30}. */
  @Override
  public String id() {
    return id;
  }

  /** 384. */
  @Override
  public int dimension() {
    return model.dimension;
  }

  /**
   * Embeds {@code query} with {@value #BGE_QUERY_INSTRUCTION} prepended, on the calling thread.
   *
   * @throws IllegalArgumentException if {@code query} is null or blank
   * @throws IllegalStateException if this embedder is closed
   * @throws EmbeddingException if the model fails
   */
  @Override
  public float[] embedQuery(String query) {
    checkOpen();
    requireText(query, "query");
    float[] vector;
    try {
      vector = delegate.embed(model.queryInstruction + query).content().vector();
    } catch (RuntimeException e) {
      throw failure("a query of " + query.length() + " chars", e);
    }
    return normalized(vector);
  }

  /**
   * Embeds each passage as it is; the result has the size and order of {@code passages}. An empty
   * list gives an empty list without touching the model.
   *
   * @throws IllegalArgumentException if the list or one of its texts is null, or a text is blank
   *     or only control characters (the message gives its index)
   * @throws IllegalStateException if this embedder is closed
   * @throws EmbeddingException if the model fails on any passage
   */
  @Override
  public List<float[]> embedPassages(List<String> passages) {
    checkOpen();
    if (passages == null) {
      throw new IllegalArgumentException("passages must not be null");
    }
    if (passages.isEmpty()) {
      return List.of();
    }
    List<TextSegment> segments = new ArrayList<>(passages.size());
    for (int i = 0; i < passages.size(); i++) {
      requireText(passages.get(i), "passage " + i);
      segments.add(TextSegment.from(passages.get(i)));
    }
    List<Embedding> embeddings;
    try {
      embeddings = delegate.embedAll(segments).content();
    } catch (RuntimeException e) {
      throw failure("a batch of " + passages.size() + " passages", e);
    }
    if (embeddings == null || embeddings.size() != passages.size()) {
      throw new EmbeddingException(
          model.modelName
              + " returned "
              + (embeddings == null ? "no" : embeddings.size())
              + " vectors for "
              + passages.size()
              + " passages",
          null);
    }
    List<float[]> vectors = new ArrayList<>(embeddings.size());
    for (Embedding embedding : embeddings) {
      vectors.add(normalized(embedding.vector()));
    }
    return vectors;
  }

  /** Stops the worker thread; later calls fail with {@link IllegalStateException}. Idempotent. */
  @Override
  public void close() {
    closed = true;
    executor.shutdown();
  }

  @Override
  public String toString() {
    return "OnnxEmbedder[" + id + "]";
  }

  private float[] normalized(float[] vector) {
    if (vector == null || vector.length != model.dimension) {
      throw new EmbeddingException(
          model.modelName
              + " returned a vector of "
              + (vector == null ? "null" : vector.length + " floats")
              + ", expected "
              + model.dimension,
          null);
    }
    double sumOfSquares = 0;
    for (float v : vector) {
      sumOfSquares += (double) v * v;
    }
    double norm = Math.sqrt(sumOfSquares);
    if (!(norm > 0) || Double.isInfinite(norm)) {
      throw new EmbeddingException(
          model.modelName + " returned a vector with norm " + norm + ", cannot normalize", null);
    }
    float[] unit = new float[vector.length];
    for (int i = 0; i < vector.length; i++) {
      unit[i] = (float) (vector[i] / norm);
    }
    return unit;
  }

  private EmbeddingException failure(String what, RuntimeException e) {
    String reason = Thread.currentThread().isInterrupted() ? "interrupted while embedding " : "failed to embed ";
    return new EmbeddingException(model.modelName + " " + reason + what + ": " + e, e);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  private static void requireText(String text, String what) {
    if (text == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    if (text.isBlank() || text.trim().isEmpty()) { // LangChain4j's test is trim().isEmpty()
      throw new IllegalArgumentException(
          what + " is blank (only whitespace or control characters); there is nothing to embed");
    }
  }

  private static EmbeddingModel load(OnnxModel model, ExecutorService executor) {
    NativeLibraries.prepare();
    // LangChain4j reads the model and tokenizer through the context class loader, which in
    // containers (Flink, Vert.x, app servers) may not see this module's jars.
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(OnnxEmbedder.class.getClassLoader());
    long started = System.nanoTime();
    try {
      EmbeddingModel loaded = model.newModel(executor);
      LOG.info(
          "Embedding model {} ready in {} ms",
          model.modelName,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      return loaded;
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  private static ExecutorService singleThreadExecutor(String modelName) {
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            1,
            1,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            runnable -> {
              Thread thread = new Thread(runnable, "ragstream-embedder-" + modelName);
              thread.setDaemon(true);
              return thread;
            });
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }

  /** The version from the model jar's Maven metadata, e.g. {@code 1.20.0-beta30}. */
  static String langchain4jVersion(OnnxModel model) {
    String path = "META-INF/maven/" + OnnxModel.GROUP_ID + "/" + model.artifactId + "/pom.properties";
    try (InputStream in = OnnxEmbedder.class.getClassLoader().getResourceAsStream(path)) {
      if (in != null) {
        Properties properties = new Properties();
        properties.load(in);
        String version = properties.getProperty("version");
        if (version != null && !version.isBlank()) {
          return version.trim();
        }
      }
    } catch (IOException e) {
      LOG.warn("Cannot read {}: {}", path, e.toString());
    }
    LOG.warn(
        "No Maven metadata at {}; recording LangChain4j version {} in the embedder id",
        path,
        LANGCHAIN4J_EMBEDDINGS_VERSION_FALLBACK);
    return LANGCHAIN4J_EMBEDDINGS_VERSION_FALLBACK;
  }
}
