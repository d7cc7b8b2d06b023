package io.ragstream.embedding;

import dev.langchain4j.model.embedding.EmbeddingModel;
import io.ragstream.core.error.EmbeddingException;
import io.ragstream.core.port.Embedder;
import java.util.ArrayList;
import java.util.List;

/**
 * The baseline a user gets by wiring LangChain4j's in-process ONNX model directly: one {@code
 * EmbeddingModel.embed(text)} call per text, LangChain4j's own session settings, the same model jar
 * and the same prefixes as {@link OnnxEmbedder}. Used by the benchmarks as the reference the direct
 * ONNX Runtime path is measured against; not meant for the pipeline. Only for models whose
 * LangChain4j class is usable (bge-small-en-v1.5 and all-MiniLM-L6-v2, int8 and fp32).
 */
public final class LangChain4jEmbedder implements Embedder {
  private final OnnxModel model;
  private final EmbeddingModel delegate;

  private LangChain4jEmbedder(OnnxModel model) {
    this.model = model;
    this.delegate = model.newModel(Runnable::run);
  }

  /**
   * LangChain4j's model for {@code name}.
   *
   * @throws IllegalArgumentException if the name is unknown or LangChain4j's class for it is not
   *     usable (e5-small-v2)
   */
  public static LangChain4jEmbedder create(String name) {
    OnnxModel model = Embedders.model(name);
    if (!model.hasLangChain4jModel()) {
      throw new IllegalArgumentException(
          "no usable LangChain4j class for " + name + " (the e5 jars target an older runtime)");
    }
    return new LangChain4jEmbedder(model);
  }

  /** {@code <name>@langchain4j-wrapper}. */
  @Override
  public String id() {
    return model.modelName + "@langchain4j-wrapper";
  }

  @Override
  public int dimension() {
    return model.dimension;
  }

  @Override
  public float[] embedQuery(String query) {
    return embed(model.queryPrefix + query);
  }

  /** One {@code embed} call per passage, in order. */
  @Override
  public List<float[]> embedPassages(List<String> passages) {
    List<float[]> vectors = new ArrayList<>(passages.size());
    for (String passage : passages) {
      vectors.add(embed(model.passagePrefix + passage));
    }
    return vectors;
  }

  private float[] embed(String text) {
    try {
      return delegate.embed(text).content().vector();
    } catch (RuntimeException e) {
      throw new EmbeddingException(id() + " failed: " + e, e);
    }
  }
}
