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
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A BERT-style encoder (bge-small-en-v1.5) run on ONNX Runtime directly: HF tokenizer with {@code
 * [CLS]}/{@code [SEP]} and truncation at 512 tokens, one {@code session.run} per text, CLS pooling
 * — the same computation as LangChain4j's {@code OnnxBertBiEncoder} with {@code PoolingMode.CLS}
 * (checked in tests), but with the session's thread pool sized by the caller and spin-waiting off,
 * so idle intra-op threads do not burn the cores the rest of the pipeline needs. Normalization is
 * the caller's ({@link OnnxEmbedder}). Thread-safe: ONNX Runtime sessions accept concurrent {@code
 * run} calls.
 */
final class OrtBertEncoder implements AutoCloseable {

  private static final int MAX_LENGTH = 512;

  private final OrtEnvironment env;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final boolean hasTypeIds;
  private final int dimension;

  /**
   * @param modelResource class-path resource of the ONNX model
   * @param tokenizerResource class-path resource of the tokenizer.json
   * @param intraOpThreads ONNX Runtime intra-op threads (>= 1)
   */
  OrtBertEncoder(
      String modelResource, String tokenizerResource, int dimension, int intraOpThreads) {
    NativeLibraries.prepare();
    this.dimension = dimension;
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
                  Integer.toString(MAX_LENGTH)));
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
    } catch (IOException | OrtException e) {
      throw new EmbeddingException(
          "cannot load ONNX model " + modelResource + ": " + e.getMessage(), e);
    }
  }

  /**
   * The CLS vector of {@code text} (not normalized), from one {@code session.run}.
   *
   * @throws EmbeddingException if the text has no token or ONNX Runtime fails
   */
  float[] encode(String text) {
    Encoding encoding = tokenizer.encode(text);
    long[] ids = encoding.getIds();
    if (ids.length <= 2) {
      throw new EmbeddingException("text has no token to embed (only [CLS] and [SEP])", null);
    }
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put("input_ids", OnnxTensor.createTensor(env, new long[][] {ids}));
      inputs.put(
          "attention_mask",
          OnnxTensor.createTensor(env, new long[][] {encoding.getAttentionMask()}));
      if (hasTypeIds) {
        inputs.put(
            "token_type_ids", OnnxTensor.createTensor(env, new long[][] {encoding.getTypeIds()}));
      }
      try (OrtSession.Result result =
          session.run(inputs, Set.of(session.getOutputNames().iterator().next()))) {
        float[][][] hidden = (float[][][]) result.get(0).getValue();
        return Arrays.copyOf(hidden[0][0], dimension);
      }
    } catch (OrtException e) {
      throw new EmbeddingException(
          "ONNX Runtime failed on a text of " + ids.length + " tokens: " + e.getMessage(), e);
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
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
