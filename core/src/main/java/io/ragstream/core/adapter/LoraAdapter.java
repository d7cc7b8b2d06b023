package io.ragstream.core.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragstream.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A low-rank (LoRA) update of the query embedding: {@code q' = normalize(q + (alpha/r)·B·(A·q))}
 * with {@code A} of shape [r, d] and {@code B} of shape [d, r] (Hu et al., "LoRA: Low-Rank
 * Adaptation of Large Language Models", arXiv:2106.09685, 2021, applied here to the identity map of
 * the embedding space). Only queries go through it, so the indexed corpus is not re-embedded. With
 * {@code B = 0} it is the identity (up to normalization). Optionally it also has a query bias c
 * ([d]): {@code q' = normalize(q + (alpha/r)·B·(A·q) + c)}, a query-independent document prior
 * (every document's score gains {@code <c, chunk>}); such an adapter is written as format version
 * {@value #FORMAT_VERSION_QUERY_BIAS} with the tensor {@value #QUERY_BIAS}.
 *
 * <p>On disk an adapter is a directory in the spirit of a PEFT adapter (Hugging Face PEFT, {@code
 * save_pretrained}): {@value #CONFIG_FILE} ({@code peft_type: "LORA"}, {@code r}, {@code
 * lora_alpha}, {@code base_model_name_or_path} = the embedder id, {@code target_modules:
 * ["query_embedding"]}, plus the ragstream fields {@code ragstream_format_version}, {@code
 * dimension}, {@code adapter_id}) and {@value #WEIGHTS_FILE} with the F32 tensors {@value #LORA_A}
 * [r, d] and {@value #LORA_B} [d, r] (see {@link Safetensors}). docs/query-adapter.md shows an
 * example.
 *
 * <p>Immutable and thread-safe: {@link #apply} may be called from any number of threads.
 */
public final class LoraAdapter {
  /** The config file of an adapter directory. */
  public static final String CONFIG_FILE = "adapter_config.json";

  /** The weights file of an adapter directory. */
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";

  /** Name of the [r, d] down-projection tensor. */
  public static final String LORA_A = "lora_A";

  /** Name of the [d, r] up-projection tensor. */
  public static final String LORA_B = "lora_B";

  /**
   * Name of the optional [d] query bias tensor (written only by adapters that have one; see {@link
   * #QUERY_BIAS_KEY}).
   */
  public static final String QUERY_BIAS = "query_bias";

  /**
   * The {@value #CONFIG_FILE} key that says whether {@value #WEIGHTS_FILE} holds a {@value
   * #QUERY_BIAS} tensor; absent (older files) means no bias.
   */
  public static final String QUERY_BIAS_KEY = "ragstream_query_bias";

  /** The {@code target_modules} entry: the query embedding, as opposed to LLM layers. */
  public static final String TARGET_MODULE = "query_embedding";

  /** The version of the directory layout this class writes for an adapter without a query bias. */
  public static final int FORMAT_VERSION = 1;

  /**
   * The version written for an adapter with a query bias (version 1 plus the {@value #QUERY_BIAS}
   * tensor), so that a reader of version 1 only, which would ignore the bias, rejects the file
   * instead of serving a different adapter. This class reads both.
   */
  public static final int FORMAT_VERSION_QUERY_BIAS = 2;

  private final String adapterId;
  private final String embedder;
  private final int dimension;
  private final int rank;
  private final double alpha;
  private final float[] a; // r x d, row-major
  private final float[] b; // d x r, row-major
  private final float[] bias; // d, or null: no query bias
  private final float scaling;

  private LoraAdapter(
      String adapterId,
      String embedder,
      int dimension,
      int rank,
      double alpha,
      float[] a,
      float[] b,
      float[] bias) {
    this.adapterId = adapterId;
    this.embedder = embedder;
    this.dimension = dimension;
    this.rank = rank;
    this.alpha = alpha;
    this.a = a;
    this.b = b;
    this.bias = bias;
    this.scaling = (float) (alpha / rank);
  }

  /**
   * An adapter from its matrices.
   *
   * @param adapterId id in the registry; never blank
   * @param embedder id of the embedder whose query embeddings it adapts; never blank
   * @param a the [r, d] matrix A, row-major ({@code a[i*d + j]} = A[i][j]), finite values
   * @param b the [d, r] matrix B, row-major ({@code b[i*r + j]} = B[i][j]), finite values
   * @param rank r, {@code >= 1}
   * @param alpha the LoRA alpha, finite and {@code > 0}; the update is scaled by alpha / r
   * @throws IllegalArgumentException naming the argument when a value is invalid or the matrices'
   *     lengths do not match r × d
   */
  public static LoraAdapter of(
      String adapterId,
      String embedder,
      int dimension,
      int rank,
      double alpha,
      float[] a,
      float[] b) {
    return of(adapterId, embedder, dimension, rank, alpha, a, b, null);
  }

  /**
   * An adapter with a learned query bias: {@code q' = normalize(q + (alpha/r)·B·(A·q) + bias)}. As
   * every document's score then gains {@code <bias, chunk>} (up to the query's normalization, which
   * does not change its ranking), the bias can express a query-independent document prior.
   *
   * @param bias the [d] bias vector, finite values, or null for none (= {@link #of(String, String,
   *     int, int, double, float[], float[])})
   * @throws IllegalArgumentException as {@link #of(String, String, int, int, double, float[],
   *     float[])}, or when the bias does not have d values
   */
  public static LoraAdapter of(
      String adapterId,
      String embedder,
      int dimension,
      int rank,
      double alpha,
      float[] a,
      float[] b,
      float[] bias) {
    requireNotBlank("adapterId", adapterId);
    requireNotBlank("embedder", embedder);
    if (dimension < 1)
      throw new IllegalArgumentException("dimension must be >= 1, was " + dimension);
    if (rank < 1 || rank > dimension) {
      throw new IllegalArgumentException(
          "rank must be in [1, dimension = " + dimension + "], was " + rank);
    }
    if (!(alpha > 0) || !Double.isFinite(alpha)) {
      throw new IllegalArgumentException("alpha must be finite and > 0, was " + alpha);
    }
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(b, "b");
    if (a.length != rank * dimension) {
      throw new IllegalArgumentException(
          "A must have shape ["
              + rank
              + ", "
              + dimension
              + "] = "
              + rank * dimension
              + " values, has "
              + a.length);
    }
    if (b.length != dimension * rank) {
      throw new IllegalArgumentException(
          "B must have shape ["
              + dimension
              + ", "
              + rank
              + "] = "
              + rank * dimension
              + " values, has "
              + b.length);
    }
    requireFinite("A", a);
    requireFinite("B", b);
    if (bias != null) {
      if (bias.length != dimension) {
        throw new IllegalArgumentException(
            "the query bias must have shape [" + dimension + "], has " + bias.length + " values");
      }
      requireFinite("bias", bias);
    }
    return new LoraAdapter(
        adapterId,
        embedder,
        dimension,
        rank,
        alpha,
        a.clone(),
        b.clone(),
        bias == null ? null : bias.clone());
  }

  /** This adapter under another id (the registry assigns ids). */
  public LoraAdapter withId(String newAdapterId) {
    requireNotBlank("adapterId", newAdapterId);
    return new LoraAdapter(newAdapterId, embedder, dimension, rank, alpha, a, b, bias);
  }

  /**
   * Adapts one query embedding: {@code normalize(q + (alpha/r)·B·(A·q) [+ bias])}, a new
   * L2-normalized array of {@link #dimension()} floats; {@code q} is not changed. O(r·d) time.
   *
   * @param q a query embedding of {@link #dimension()} finite floats (normally L2-normalized, as
   *     every shipped embedder returns them)
   * @throws IllegalArgumentException when {@code q} has another length (names both dimensions and
   *     the embedder), or the adapted vector is zero or not finite
   */
  public float[] apply(float[] q) {
    Objects.requireNonNull(q, "q");
    if (q.length != dimension) {
      throw new IllegalArgumentException(
          "adapter "
              + adapterId
              + " is for "
              + dimension
              + "-d embeddings of "
              + embedder
              + ", got a "
              + q.length
              + "-d query embedding");
    }
    int d = dimension;
    int r = rank;
    double[] h = new double[r];
    for (int i = 0; i < r; i++) {
      double s = 0;
      int row = i * d;
      for (int j = 0; j < d; j++) s += a[row + j] * q[j];
      h[i] = s * scaling;
    }
    double[] u = new double[d];
    double norm2 = 0;
    for (int i = 0; i < d; i++) {
      double s = q[i];
      int row = i * r;
      for (int j = 0; j < r; j++) s += b[row + j] * h[j];
      if (bias != null) s += bias[i];
      u[i] = s;
      norm2 += s * s;
    }
    if (!(norm2 > 0) || !Double.isFinite(norm2)) {
      throw new IllegalArgumentException(
          "adapter " + adapterId + " maps the query to a vector of squared norm " + norm2);
    }
    double inv = 1.0 / Math.sqrt(norm2);
    float[] out = new float[d];
    for (int i = 0; i < d; i++) out[i] = (float) (u[i] * inv);
    return out;
  }

  /** Id of the adapter in the registry. */
  public String adapterId() {
    return adapterId;
  }

  /** Id of the embedder whose query embeddings it adapts (PEFT's base_model_name_or_path). */
  public String embedder() {
    return embedder;
  }

  /** d: the embedding dimension. */
  public int dimension() {
    return dimension;
  }

  /** r: the rank of the update. */
  public int rank() {
    return rank;
  }

  /** LoRA alpha; the update is scaled by {@code alpha / rank}. */
  public double alpha() {
    return alpha;
  }

  /** A copy of A, [r, d] row-major. */
  public float[] a() {
    return a.clone();
  }

  /** A copy of B, [d, r] row-major. */
  public float[] b() {
    return b.clone();
  }

  /** A copy of the query bias ([d]), or null when the adapter has none. */
  public float[] bias() {
    return bias == null ? null : bias.clone();
  }

  /**
   * Checks that this adapter can adapt the embeddings of {@code embedderId} with {@code
   * embedderDimension} floats.
   *
   * @throws AdapterFormatException naming the adapter and both sides when the embedder id or the
   *     dimension differ
   */
  public void requireCompatible(String embedderId, int embedderDimension) {
    if (!embedder.equals(embedderId) || dimension != embedderDimension) {
      throw new AdapterFormatException(
          "adapter "
              + adapterId
              + " was trained for "
              + embedder
              + " ("
              + dimension
              + "-d), cannot adapt "
              + embedderId
              + " ("
              + embedderDimension
              + "-d)");
    }
  }

  // ------------------------------------------------------------------------------------- files

  /**
   * Writes {@value #CONFIG_FILE} and {@value #WEIGHTS_FILE} into {@code directory} (created when
   * missing; existing files are replaced). Not atomic: {@link FileAdapterRegistry} writes into a
   * temporary directory and renames it.
   *
   * @throws java.io.UncheckedIOException when a file cannot be written
   */
  public void save(Path directory) {
    try {
      Files.createDirectories(directory);
      Files.write(
          directory.resolve(CONFIG_FILE),
          Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(config()));
      Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
      tensors.put(LORA_A, new Safetensors.Tensor(new int[] {rank, dimension}, a));
      tensors.put(LORA_B, new Safetensors.Tensor(new int[] {dimension, rank}, b));
      if (bias != null)
        tensors.put(QUERY_BIAS, new Safetensors.Tensor(new int[] {dimension}, bias));
      Safetensors.write(
          directory.resolve(WEIGHTS_FILE),
          tensors,
          Map.of("format", "pt", "adapter_id", adapterId));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(
          "cannot write adapter " + adapterId + " to " + directory, e);
    }
  }

  /** The {@value #CONFIG_FILE} content. */
  ObjectNode config() {
    ObjectNode c = Json.mapper().createObjectNode();
    c.put("peft_type", "LORA");
    c.put("task_type", "FEATURE_EXTRACTION");
    c.put("r", rank);
    c.put("lora_alpha", alpha);
    c.put("lora_dropout", 0.0);
    c.put("bias", "none");
    c.put("fan_in_fan_out", false);
    c.put("inference_mode", true);
    c.put("base_model_name_or_path", embedder);
    c.putArray("target_modules").add(TARGET_MODULE);
    c.put("ragstream_format_version", bias == null ? FORMAT_VERSION : FORMAT_VERSION_QUERY_BIAS);
    c.put("dimension", dimension);
    c.put("adapter_id", adapterId);
    if (bias != null) c.put(QUERY_BIAS_KEY, true);
    return c;
  }

  /**
   * Reads the adapter in {@code directory}.
   *
   * @throws AdapterFormatException naming the file, the key or tensor, and the expected and actual
   *     shape when a file is missing or corrupt, the config is not a ragstream LoRA query adapter
   *     of a supported format version, or a tensor's shape does not match r and dimension
   */
  public static LoraAdapter load(Path directory) {
    Path configFile = directory.resolve(CONFIG_FILE);
    Path weightsFile = directory.resolve(WEIGHTS_FILE);
    if (!Files.isRegularFile(configFile)) {
      throw new AdapterFormatException("no " + CONFIG_FILE + " in adapter directory " + directory);
    }
    JsonNode c;
    try {
      c = Json.mapper().readTree(configFile.toFile());
    } catch (IOException e) {
      throw new AdapterFormatException(
          "unreadable adapter config " + configFile + ": " + e.getMessage(), e);
    }
    if (c == null || !c.isObject()) {
      throw new AdapterFormatException("adapter config " + configFile + " is not a JSON object");
    }
    if (!"LORA".equals(c.path("peft_type").asText(null))) {
      throw badConfig(configFile, "peft_type", "must be \"LORA\", was " + c.get("peft_type"));
    }
    int version = intField(configFile, c, "ragstream_format_version");
    if (version != FORMAT_VERSION && version != FORMAT_VERSION_QUERY_BIAS) {
      throw badConfig(
          configFile,
          "ragstream_format_version",
          "is "
              + version
              + ", this version reads "
              + FORMAT_VERSION
              + " and "
              + FORMAT_VERSION_QUERY_BIAS);
    }
    JsonNode targets = c.path("target_modules");
    if (!targets.isArray()
        || targets.size() != 1
        || !TARGET_MODULE.equals(targets.get(0).asText())) {
      throw badConfig(
          configFile, "target_modules", "must be [\"" + TARGET_MODULE + "\"], was " + targets);
    }
    int r = intField(configFile, c, "r");
    int d = intField(configFile, c, "dimension");
    JsonNode alphaNode = c.path("lora_alpha");
    if (!alphaNode.isNumber()) throw badConfig(configFile, "lora_alpha", "must be a number");
    String embedder = c.path("base_model_name_or_path").asText("");
    String id = c.path("adapter_id").asText("");
    Map<String, Safetensors.Tensor> tensors = Safetensors.read(weightsFile);
    float[] a = tensor(weightsFile, tensors, LORA_A, new int[] {r, d});
    float[] b = tensor(weightsFile, tensors, LORA_B, new int[] {d, r});
    JsonNode biasNode = c.path(QUERY_BIAS_KEY);
    if (!biasNode.isMissingNode() && !biasNode.isBoolean()) {
      throw badConfig(configFile, QUERY_BIAS_KEY, "must be true or false, was " + biasNode);
    }
    float[] bias =
        biasNode.asBoolean(false) ? tensor(weightsFile, tensors, QUERY_BIAS, new int[] {d}) : null;
    try {
      return of(id, embedder, d, r, alphaNode.asDouble(), a, b, bias);
    } catch (IllegalArgumentException e) {
      throw new AdapterFormatException(
          "invalid adapter in " + directory + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads the adapter at a {@code file:} directory URI, as {@link
   * io.ragstream.core.event.AdapterEvent#uri()} carries it.
   *
   * @throws AdapterFormatException when the URI is not a {@code file:} URI, or see {@link
   *     #load(Path)}
   */
  public static LoraAdapter load(URI uri) {
    Objects.requireNonNull(uri, "uri");
    if (!"file".equalsIgnoreCase(uri.getScheme())) {
      throw new AdapterFormatException(
          "adapter uri " + uri + " is not a file: URI; only the local registry is supported");
    }
    return load(Path.of(uri));
  }

  private static float[] tensor(
      Path file, Map<String, Safetensors.Tensor> tensors, String name, int[] expected) {
    Safetensors.Tensor t = tensors.get(name);
    if (t == null) {
      throw new AdapterFormatException(
          "adapter weights "
              + file
              + " have no tensor "
              + name
              + " (found "
              + tensors.keySet()
              + ")");
    }
    if (!java.util.Arrays.equals(t.shape(), expected)) {
      throw new AdapterFormatException(
          "adapter weights "
              + file
              + ": tensor "
              + name
              + " has shape "
              + Safetensors.describe(t.shape())
              + ", the config's r and dimension need "
              + Safetensors.describe(expected));
    }
    return t.values();
  }

  private static int intField(Path file, JsonNode c, String key) {
    JsonNode n = c.get(key);
    if (n == null || !n.canConvertToInt() || !n.isIntegralNumber()) {
      throw badConfig(file, key, "must be an integer, was " + n);
    }
    return n.asInt();
  }

  private static AdapterFormatException badConfig(Path file, String key, String what) {
    return new AdapterFormatException("adapter config " + file + ": " + key + " " + what);
  }

  private static void requireNotBlank(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
  }

  private static void requireFinite(String name, float[] m) {
    for (int i = 0; i < m.length; i++) {
      if (!Float.isFinite(m[i])) {
        throw new IllegalArgumentException(name + "[" + i + "] must be finite, was " + m[i]);
      }
    }
  }

  @Override
  public String toString() {
    return "LoraAdapter["
        + adapterId
        + ", "
        + embedder
        + ", d="
        + dimension
        + ", r="
        + rank
        + ", alpha="
        + alpha
        + (bias != null ? ", query bias" : "")
        + "]";
  }
}
