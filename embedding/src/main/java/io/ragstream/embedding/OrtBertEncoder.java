package io.ragstream.embedding;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.ragstream.core.error.EmbeddingException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A BERT-style encoder run on ONNX Runtime directly: HF tokenizer with {@code [CLS]}/{@code [SEP]}
 * and truncation at the model's maximum length, then CLS or mean pooling — the same computation as
 * LangChain4j's {@code OnnxBertBiEncoder} with the model's {@code PoolingMode} (checked in tests),
 * but with the session's thread pool sized by the caller and spin-waiting off, so idle intra-op
 * threads do not burn the cores the rest of the pipeline needs. Texts run one per {@code
 * session.run} ({@link #encode}) or as a padded batch of similar lengths ({@link #encodeBatch}).
 * Normalization is the caller's ({@link OnnxEmbedder}). Thread-safe: ONNX Runtime sessions accept
 * concurrent {@code run} calls.
 */
final class OrtBertEncoder implements AutoCloseable {

  private final OrtEnvironment env;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final boolean hasTypeIds;
  private final int dimension;
  private final OnnxModel.Pooling pooling;
  private final String outputName;

  /**
   * @param modelResource class-path resource of the ONNX model
   * @param tokenizerResource class-path resource of the tokenizer.json
   * @param maxLength most tokens per text including the two special tokens
   * @param intraOpThreads ONNX Runtime intra-op threads (>= 1)
   */
  OrtBertEncoder(
      String modelResource,
      String tokenizerResource,
      int dimension,
      int maxLength,
      OnnxModel.Pooling pooling,
      int intraOpThreads) {
    NativeLibraries.prepare();
    this.dimension = dimension;
    this.pooling = pooling;
    ClassLoader loader = OrtBertEncoder.class.getClassLoader();
    try (InputStream model = loader.getResourceAsStream(modelResource);
        InputStream json = loader.getResourceAsStream(tokenizerResource)) {
      if (model == null || json == null) {
        throw new EmbeddingException(
            "class-path resource "
                + (model == null ? modelResource : tokenizerResource)
                + " not found (is the LangChain4j model jar on the class path?)",
            null);
      }
      this.tokenizer =
          HuggingFaceTokenizer.newInstance(
              json,
              Map.of(
                  "addSpecialTokens",
                  "true",
                  "padding",
                  "false",
                  "truncation",
                  "true",
                  "maxLength",
                  Integer.toString(maxLength)));
      this.env = OrtEnvironment.getEnvironment();
      OrtSession.SessionOptions options = new OrtSession.SessionOptions();
      options.setIntraOpNumThreads(intraOpThreads);
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.addConfigEntry("session.intra_op.allow_spinning", "0");
      options.addConfigEntry("session.inter_op.allow_spinning", "0");
      this.session = env.createSession(model.readAllBytes(), options);
      this.hasTypeIds = session.getInputNames().contains("token_type_ids");
      this.outputName = session.getOutputNames().iterator().next();
    } catch (IOException | OrtException e) {
      throw new EmbeddingException(
          "cannot load ONNX model " + modelResource + ": " + e.getMessage(), e);
    }
  }

  /** Token ids of {@code text} with the special tokens, truncated to the maximum length. */
  long[] tokenIds(String text) {
    return tokenizer.encode(text).getIds();
  }

  /**
   * The pooled vector of {@code text} (not normalized), from one {@code session.run}.
   *
   * @throws EmbeddingException if the text has no token or ONNX Runtime fails
   */
  float[] encode(String text) {
    return encodeBatch(List.of(text)).get(0);
  }

  /**
   * The pooled vectors of {@code texts} (not normalized), in order, from one {@code session.run}
   * over a batch padded to its longest text (padding is masked out, so each vector equals its
   * {@link #encode} up to float rounding). Callers group texts of similar length to keep padding
   * small.
   *
   * @throws EmbeddingException if a text has no token or ONNX Runtime fails
   */
  List<float[]> encodeBatch(List<String> texts) {
    int n = texts.size();
    long[][] ids = new long[n][];
    long[][] typeIds = new long[n][];
    int longest = 0;
    for (int i = 0; i < n; i++) {
      Encoding encoding = tokenizer.encode(texts.get(i));
      ids[i] = encoding.getIds();
      typeIds[i] = encoding.getTypeIds();
      if (ids[i].length <= 2) {
        throw new EmbeddingException("text has no token to embed (only [CLS] and [SEP])", null);
      }
      longest = Math.max(longest, ids[i].length);
    }
    long[][] paddedIds = new long[n][longest];
    long[][] mask = new long[n][longest];
    long[][] paddedTypes = new long[n][longest];
    for (int i = 0; i < n; i++) {
      System.arraycopy(ids[i], 0, paddedIds[i], 0, ids[i].length);
      System.arraycopy(typeIds[i], 0, paddedTypes[i], 0, typeIds[i].length);
      Arrays.fill(mask[i], 0, ids[i].length, 1L);
    }
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put("input_ids", OnnxTensor.createTensor(env, paddedIds));
      inputs.put("attention_mask", OnnxTensor.createTensor(env, mask));
      if (hasTypeIds) {
        inputs.put("token_type_ids", OnnxTensor.createTensor(env, paddedTypes));
      }
      try (OrtSession.Result result = session.run(inputs, Set.of(outputName))) {
        float[][][] hidden = (float[][][]) result.get(0).getValue();
        List<float[]> vectors = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          vectors.add(pool(hidden[i], ids[i].length));
        }
        return vectors;
      }
    } catch (OrtException e) {
      throw new EmbeddingException(
          "ONNX Runtime failed on a batch of "
              + n
              + " texts of up to "
              + longest
              + " tokens: "
              + e.getMessage(),
          e);
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  private float[] pool(float[][] tokens, int length) {
    if (pooling == OnnxModel.Pooling.CLS) {
      return Arrays.copyOf(tokens[0], dimension);
    }
    float[] mean = new float[dimension];
    for (int t = 0; t < length; t++) {
      float[] token = tokens[t];
      for (int d = 0; d < dimension; d++) {
        mean[d] += token[d];
      }
    }
    for (int d = 0; d < dimension; d++) {
      mean[d] /= length;
    }
    return mean;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new EmbeddingException("cannot close ONNX session: " + e.getMessage(), e);
    }
    tokenizer.close();
  }
}
