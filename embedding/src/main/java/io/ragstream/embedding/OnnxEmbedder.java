package io.ragstream.embedding;

import io.ragstream.core.error.EmbeddingException;
import io.ragstream.core.port.Embedder;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Embedder} running a BGE model in-process with ONNX Runtime, from the model and
 * tokenizer inside LangChain4j's bge-small-en-v1.5 jars (no network). Create it with {@link
 * Embedders#create(String)}. The model runs on ONNX Runtime directly ({@link OrtBertEncoder}): the
 * same tokenization, CLS pooling and normalization as LangChain4j's encoder (tests compare them),
 * but with the session's intra-op threads sized to the machine and spin-waiting off.
 *
 * <ul>
 *   <li>Queries get the BGE query instruction {@value #BGE_QUERY_INSTRUCTION} prepended
 *       (LangChain4j does not add it); passages are embedded as they are.
 *   <li>Vectors have 384 floats, CLS-pooled and L2-normalized.
 *   <li>Input length: the model reads at most 512 tokens including {@code [CLS]} and {@code [SEP]},
 *       i.e. 510 text tokens; longer texts are truncated to their first 510 tokens, as LangChain4j
 *       1.20.0-beta30 does too (its DJL tokenizer truncates before its split-and-average step can
 *       run). Keep passages within 510 tokens, e.g. with {@link TokenChunker}.
 *   <li>Each text is one ONNX {@code session.run} on the calling thread; ONNX Runtime parallelizes
 *       inside the run over {@code threads} intra-op threads (default: available processors).
 *       Measured on 2 shared cores, SciFact title + abstract, int8: LangChain4j's wrapper 3.8
 *       documents/s, this class 7.8 documents/s (2 threads, no spinning); padded batches of up to
 *       32 texts were slower (6.2/s), so texts are not padded together.
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

  /**
   * The version of the LangChain4j embeddings jars this module is built against; used in {@link
   * #id()} only if the jar's Maven metadata cannot be read (e.g. stripped by a shading tool).
   */
  static final String LANGCHAIN4J_EMBEDDINGS_VERSION_FALLBACK = "1.20.0-beta30";

  private static final Logger LOG = LoggerFactory.getLogger(OnnxEmbedder.class);

  private final OnnxModel model;
  private final String id;
  private final OrtBertEncoder encoder;
  private volatile boolean closed;

  OnnxEmbedder(OnnxModel model, int threads) {
    this.model = model;
    this.id = model.modelName + "@langchain4j-embeddings-" + langchain4jVersion(model);
    long started = System.nanoTime();
    try {
      this.encoder =
          new OrtBertEncoder(
              model.modelResource, model.tokenizerResource, model.dimension, threads);
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
        "Embedding model {} ready in {} ms ({} intra-op threads)",
        model.modelName,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        threads);
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
      vector = encoder.encode(model.queryInstruction + query);
    } catch (RuntimeException e) {
      throw failure("a query of " + query.length() + " chars", e);
    }
    return normalized(vector);
  }

  /**
   * Embeds each passage as it is; the result has the size and order of {@code passages}. An empty
   * list gives an empty list without touching the model.
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
    List<float[]> vectors = new ArrayList<>(passages.size());
    try {
      for (String passage : passages) {
        vectors.add(normalized(encoder.encode(passage)));
      }
    } catch (RuntimeException e) {
      throw failure("a batch of " + passages.size() + " passages", e);
    }
    return vectors;
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
