package io.ragstream.embedding;

import io.ragstream.core.error.EmbeddingException;
import io.ragstream.core.port.Embedder;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Embedder} running a BERT-style sentence-embedding model in-process with ONNX Runtime,
 * from the model and tokenizer inside LangChain4j's model jars (no network). Create it with {@link
 * Embedders#create(String)}; the models and their conventions are listed there. The model runs on
 * ONNX Runtime directly ({@link OrtBertEncoder}): the same tokenization, pooling and normalization
 * as LangChain4j's encoder (tests compare them), but with the session's intra-op threads sized to
 * the machine and spin-waiting off.
 *
 * <ul>
 *   <li>Queries and passages get the model card's prefixes: bge-small-en-v1.5 prepends {@value
 *       #BGE_QUERY_INSTRUCTION} to queries (LangChain4j does not), e5-small-v2 prepends {@value
 *       #E5_QUERY_PREFIX} to queries and {@value #E5_PASSAGE_PREFIX} to passages, all-MiniLM-L6-v2
 *       uses none.
 *   <li>Vectors have {@link #dimension()} floats, pooled (CLS for BGE, mean for the others) and
 *       L2-normalized.
 *   <li>Input length: at most {@link #maxPassageTokens()} text tokens of a passage are read (the
 *       model's positions minus {@code [CLS]}, {@code [SEP]} and the passage prefix); longer texts
 *       are truncated, as LangChain4j 1.20.0-beta30 does too (its DJL tokenizer truncates before
 *       its split-and-average step can run). Keep passages within that, e.g. with {@link
 *       TokenChunker}.
 *   <li>Batching: with a batch size of 1 (the default) each text is one ONNX {@code session.run} on
 *       the calling thread; ONNX Runtime parallelizes inside the run over {@code threads} intra-op
 *       threads (default: available processors). With a larger batch size, {@link #embedPassages}
 *       sorts the passages by token count and runs groups of that many neighbours as one padded
 *       batch, so padding stays small. Measured figures are in docs/embedding.md.
 * </ul>
 *
 * <p>Methods block and are thread-safe. Null or blank texts (only whitespace or control characters)
 * are rejected with {@link IllegalArgumentException}; a model failure, or a text with no token at
 * all, is an {@link EmbeddingException}. {@link #close()} releases the ONNX session.
 */
public final class OnnxEmbedder implements Embedder {

  /** The instruction BGE v1.5 models expect before a retrieval query (from the BGE model card). */
  public static final String BGE_QUERY_INSTRUCTION =
      "Represent this sentence for searching relevant passages: ";

  /** The prefix e5 models expect before a query (from the e5-small-v2 model card). */
  public static final String E5_QUERY_PREFIX = "query: ";

  /** The prefix e5 models expect before a passage (from the e5-small-v2 model card). */
  public static final String E5_PASSAGE_PREFIX = "passage: ";

  /**
   * The version of the LangChain4j embeddings jars this module is built against; used in {@link
   * #id()} only if the jar's Maven metadata cannot be read (e.g. stripped by a shading tool).
   */
  static final String LANGCHAIN4J_EMBEDDINGS_VERSION_FALLBACK = "1.20.0-beta30";

  private static final Logger LOG = LoggerFactory.getLogger(OnnxEmbedder.class);

  private final OnnxModel model;
  private final String id;
  private final OrtBertEncoder encoder;
  private final int batchSize;
  private volatile boolean closed;

  OnnxEmbedder(OnnxModel model, int threads, int batchSize) {
    this.batchSize = batchSize;
    this.model = model;
    this.id = idOf(model);
    long started = System.nanoTime();
    try {
      this.encoder =
          new OrtBertEncoder(
              model.modelResource,
              model.tokenizerResource,
              model.dimension,
              model.maxLength,
              model.pooling,
              threads);
    } catch (RuntimeException | LinkageError e) {
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
    LOG.info(
        "Embedding model {} ready in {} ms ({} intra-op threads, batch size {})",
        model.modelName,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        threads,
        batchSize);
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

  /** 384 for every model this module ships. */
  @Override
  public int dimension() {
    return model.dimension;
  }

  /**
   * Text tokens of a passage the model reads (512 or 256 positions minus the special tokens and the
   * passage prefix): 510 for bge-small-en-v1.5, 508 for e5-small-v2, 254 for all-MiniLM-L6-v2.
   */
  public int maxPassageTokens() {
    return model.maxPassageTokens();
  }

  /** Passages per ONNX run in {@link #embedPassages}; 1 runs each text alone. */
  public int batchSize() {
    return batchSize;
  }

  /** Token count of {@code text} as a passage (with the special tokens and passage prefix). */
  public int passageTokens(String text) {
    return encoder.tokenIds(model.passagePrefix + text).length;
  }

  /**
   * Embeds {@code query} with the model's query prefix prepended, on the calling thread.
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
      vector = encoder.encode(model.queryPrefix + query);
    } catch (RuntimeException e) {
      throw failure("a query of " + query.length() + " chars", e);
    }
    return normalized(vector);
  }

  /**
   * Embeds each passage with the model's passage prefix; the result has the size and order of
   * {@code passages}. An empty list gives an empty list without touching the model.
   *
   * @throws IllegalArgumentException if the list or one of its texts is null, or a text is blank or
   *     only control characters (the message gives its index)
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
    for (int i = 0; i < passages.size(); i++) {
      requireText(passages.get(i), "passage " + i);
    }
    try {
      if (batchSize == 1 || passages.size() == 1) {
        List<float[]> vectors = new ArrayList<>(passages.size());
        for (String passage : passages) {
          vectors.add(normalized(encoder.encode(model.passagePrefix + passage)));
        }
        return vectors;
      }
      return embedInLengthBatches(passages);
    } catch (RuntimeException e) {
      throw failure("a batch of " + passages.size() + " passages", e);
    }
  }

  /** Sorts by token count, runs groups of {@link #batchSize} neighbours, restores the order. */
  private List<float[]> embedInLengthBatches(List<String> passages) {
    int n = passages.size();
    String[] texts = new String[n];
    int[] lengths = new int[n];
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      texts[i] = model.passagePrefix + passages.get(i);
      lengths[i] = encoder.tokenIds(texts[i]).length;
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(i -> lengths[i]));
    float[][] vectors = new float[n][];
    for (int from = 0; from < n; from += batchSize) {
      int to = Math.min(n, from + batchSize);
      List<String> batch = new ArrayList<>(to - from);
      for (int j = from; j < to; j++) {
        batch.add(texts[order[j]]);
      }
      List<float[]> encoded = encoder.encodeBatch(batch);
      for (int j = from; j < to; j++) {
        vectors[order[j]] = normalized(encoded.get(j - from));
      }
    }
    return Arrays.asList(vectors);
  }

  /** Releases the ONNX session; later calls fail with {@link IllegalStateException}. Idempotent. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      encoder.close();
    }
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
    String reason =
        Thread.currentThread().isInterrupted()
            ? "interrupted while embedding "
            : "failed to embed ";
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

  /** The version from the model jar's Maven metadata, e.g. {@code 1.20.0-beta30}. */
  /** {@code <model name>@langchain4j-embeddings-<model jar version>}. */
  static String idOf(OnnxModel model) {
    return model.modelName + "@langchain4j-embeddings-" + langchain4jVersion(model);
  }

  static String langchain4jVersion(OnnxModel model) {
    String path =
        "META-INF/maven/" + OnnxModel.GROUP_ID + "/" + model.artifactId + "/pom.properties";
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
