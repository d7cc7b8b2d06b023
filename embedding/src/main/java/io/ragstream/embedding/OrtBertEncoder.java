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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A BERT-style encoder (bge-small-en-v1.5) run on ONNX Runtime directly: HF tokenizer with {@code
 * [CLS]}/{@code [SEP]} and truncation at 512 tokens, one {@code session.run} per batch of texts
 * padded to the batch's longest, CLS pooling, L2 normalization — the same computation as
 * LangChain4j's {@code OnnxBertBiEncoder} with {@code PoolingMode.CLS} (checked in tests), but with
 * the session's thread pool sized by the caller and spin-waiting off, so idle intra-op threads do
 * not burn the cores the rest of the pipeline needs, and with real batches.
 *
 * <p>Batches are formed by token length (sorted, at most {@link #MAX_BATCH} texts and {@link
 * #MAX_BATCH_TOKENS} padded tokens), so padding stays small. Thread-safe: ONNX Runtime sessions
 * accept concurrent {@code run} calls.
 */
final class OrtBertEncoder implements AutoCloseable {
  /** Texts per {@code session.run}. */
  static final int MAX_BATCH = 32;

  /** Padded tokens (batch size x longest) per {@code session.run}. */
  static final int MAX_BATCH_TOKENS = 8192;

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

  /** L2-normalized CLS embeddings of {@code texts}, in input order. */
  List<float[]> encode(List<String> texts) {
    int n = texts.size();
    Encoding[] encodings = new Encoding[n];
    for (int i = 0; i < n; i++) {
      encodings[i] = tokenizer.encode(texts.get(i));
      if (encodings[i].getIds().length <= 2) {
        throw new EmbeddingException(
            "text " + i + " has no token to embed (only [CLS] and [SEP])", null);
      }
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) order[i] = i;
    java.util.Arrays.sort(order, Comparator.comparingInt(i -> encodings[i].getIds().length));
    float[][] out = new float[n][];
    int from = 0;
    while (from < n) {
      int to = from + 1;
      while (to < n
          && to - from < MAX_BATCH
          && (long) (to - from + 1) * encodings[order[to]].getIds().length <= MAX_BATCH_TOKENS) {
        to++;
      }
      List<Integer> batch = new ArrayList<>();
      for (int i = from; i < to; i++) batch.add(order[i]);
      float[][] vectors = run(batch, encodings);
      for (int i = 0; i < batch.size(); i++) out[batch.get(i)] = vectors[i];
      from = to;
    }
    return java.util.Arrays.asList(out);
  }

  private float[][] run(List<Integer> batch, Encoding[] encodings) {
    int rows = batch.size();
    int len = 0;
    for (int i : batch) len = Math.max(len, encodings[i].getIds().length);
    long[][] ids = new long[rows][len];
    long[][] mask = new long[rows][len];
    long[][] types = new long[rows][len];
    for (int r = 0; r < rows; r++) {
      Encoding e = encodings[batch.get(r)];
      long[] eIds = e.getIds();
      long[] eMask = e.getAttentionMask();
      long[] eTypes = e.getTypeIds();
      System.arraycopy(eIds, 0, ids[r], 0, eIds.length);
      System.arraycopy(eMask, 0, mask[r], 0, eMask.length);
      System.arraycopy(eTypes, 0, types[r], 0, eTypes.length);
    }
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put("input_ids", OnnxTensor.createTensor(env, ids));
      inputs.put("attention_mask", OnnxTensor.createTensor(env, mask));
      if (hasTypeIds) inputs.put("token_type_ids", OnnxTensor.createTensor(env, types));
      try (OrtSession.Result result =
          session.run(inputs, Set.of(session.getOutputNames().iterator().next()))) {
        float[][][] hidden = (float[][][]) result.get(0).getValue();
        float[][] vectors = new float[rows][];
        for (int r = 0; r < rows; r++) {
          float[] cls = java.util.Arrays.copyOf(hidden[r][0], dimension);
          double norm = 0;
          for (float v : cls) norm += v * v;
          norm = Math.sqrt(norm);
          for (int d = 0; d < cls.length; d++) cls[d] = (float) (cls[d] / norm);
          vectors[r] = cls;
        }
        return vectors;
      }
    } catch (OrtException e) {
      throw new EmbeddingException(
          "ONNX Runtime failed on a batch of " + rows + " texts: " + e.getMessage(), e);
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
