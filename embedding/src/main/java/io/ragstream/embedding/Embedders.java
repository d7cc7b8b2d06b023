package io.ragstream.embedding;

import java.util.Arrays;
import java.util.List;

/**
 * Creates the embedders this module provides, by name.
 *
 * <p>Names: {@value #DEFAULT_NAME} (bge-small-en-v1.5, int8-quantized ONNX; the default) and {@code
 * bge-small-en-v1.5} (the same model in fp32). Both are 384-dimensional, run in-process from the
 * LangChain4j jars and need no network.
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
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, was " + threads);
    }
    return new OnnxEmbedder(model(name), threads);
  }

  /**
   * Checks that {@code name} is one of {@link #names()} without loading the model.
   *
   * @throws IllegalArgumentException listing the known names if it is not
   */
  public static void requireKnown(String name) {
    model(name);
  }

  private static OnnxModel model(String name) {
    for (OnnxModel model : OnnxModel.values()) {
      if (model.modelName.equals(name)) {
        return model;
      }
    }
    throw new IllegalArgumentException(
        "unknown embedder '" + name + "'; known embedders: " + String.join(", ", names()));
  }
}
