package io.ragstream.embedding;

import java.util.Arrays;
import java.util.List;

/**
 * Creates the embedders this module provides, by name. All are 384-dimensional, run in-process from
 * the LangChain4j model jars and need no network; a {@code -q} suffix is the int8-quantized ONNX
 * model of the same name.
 *
 * <table>
 *   <caption>Embedders</caption>
 *   <tr><th>name</th><th>model</th><th>pooling</th><th>max tokens</th><th>query / passage prefix</th></tr>
 *   <tr><td>{@value #DEFAULT_NAME} (default), bge-small-en-v1.5</td><td>BAAI/bge-small-en-v1.5</td>
 *       <td>CLS</td><td>512</td><td>"Represent this sentence for searching relevant passages: " / none</td></tr>
 *   <tr><td>all-minilm-l6-v2-q, all-minilm-l6-v2</td><td>sentence-transformers/all-MiniLM-L6-v2</td>
 *       <td>mean</td><td>256</td><td>none / none</td></tr>
 *   <tr><td>e5-small-v2-q, e5-small-v2</td><td>intfloat/e5-small-v2</td>
 *       <td>mean</td><td>512</td><td>"query: " / "passage: "</td></tr>
 * </table>
 */
public final class Embedders {

  /** The default embedder: bge-small-en-v1.5, int8. */
  public static final String DEFAULT_NAME = "bge-small-en-v1.5-q";

  private Embedders() {}

  /** The known embedder names, default first. */
  public static List<String> names() {
    return Arrays.stream(OnnxModel.values()).map(m -> m.modelName).toList();
  }

  /** The {@value #DEFAULT_NAME} embedder; see {@link #create(String)}. */
  public static OnnxEmbedder createDefault() {
    return create(DEFAULT_NAME);
  }

  /**
   * A new embedder for the model called {@code name} with one ONNX Runtime intra-op thread per
   * available processor; close it when done. Each embedder loads its own ONNX session (about 1 s
   * for int8, a few s for fp32).
   *
   * @throws IllegalArgumentException if {@code name} is not one of {@link #names()}; the message
   *     lists them
   * @throws io.ragstream.core.error.EmbeddingException if the model cannot be loaded
   */
  public static OnnxEmbedder create(String name) {
    return create(name, Runtime.getRuntime().availableProcessors());
  }

  /**
   * A new embedder for the model called {@code name} running each text on {@code threads} ONNX
   * Runtime intra-op threads (>= 1).
   *
   * @throws IllegalArgumentException if {@code name} is unknown or {@code threads < 1}
   */
  public static OnnxEmbedder create(String name, int threads) {
    return create(name, threads, 1);
  }

  /**
   * A new embedder for the model called {@code name} on {@code threads} intra-op threads that runs
   * passages in length-sorted padded batches of up to {@code batchSize} (1: one text per run).
   *
   * @throws IllegalArgumentException if {@code name} is unknown, {@code threads < 1} or {@code
   *     batchSize} is not in 1..256
   */
  public static OnnxEmbedder create(String name, int threads, int batchSize) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, was " + threads);
    }
    if (batchSize < 1 || batchSize > 256) {
      throw new IllegalArgumentException("batch size must be in 1..256, was " + batchSize);
    }
    return new OnnxEmbedder(model(name), threads, batchSize);
  }

  /**
   * Text tokens of a passage the model called {@code name} reads before truncating, without loading
   * it: 510 (bge), 508 (e5), 254 (MiniLM). Chunks must not be longer.
   *
   * @throws IllegalArgumentException if {@code name} is unknown
   */
  public static int maxPassageTokens(String name) {
    return model(name).maxPassageTokens();
  }

  /**
   * The id (model + revision) an embedder called {@code name} records on every point, e.g. {@code
   * bge-small-en-v1.5-q@langchain4j-embeddings-1.20.0-beta30}, without loading the model; equal to
   * {@link OnnxEmbedder#id()} of {@link #create(String) create(name)}. The revision is read from
   * the model jar's Maven metadata on the class path.
   *
   * @throws IllegalArgumentException if {@code name} is unknown
   */
  public static String id(String name) {
    return OnnxEmbedder.idOf(model(name));
  }

  /**
   * The vector dimension of the embedder called {@code name} without loading it (384 for every
   * model this module ships).
   *
   * @throws IllegalArgumentException if {@code name} is unknown
   */
  public static int dimension(String name) {
    return model(name).dimension;
  }

  /**
   * Checks that {@code name} is one of {@link #names()} without loading the model.
   *
   * @throws IllegalArgumentException listing the known names if it is not
   */
  public static void requireKnown(String name) {
    model(name);
  }

  static OnnxModel model(String name) {
    for (OnnxModel model : OnnxModel.values()) {
      if (model.modelName.equals(name)) {
        return model;
      }
    }
    throw new IllegalArgumentException(
        "unknown embedder '" + name + "'; known embedders: " + String.join(", ", names()));
  }
}
