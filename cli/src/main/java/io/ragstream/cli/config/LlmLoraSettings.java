package io.ragstream.cli.config;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.error.ConfigException;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.json.Json;
import io.ragstream.trainer.config.KindPolicy;
import io.ragstream.trainer.launch.LlmLoraConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * External LLM LoRA training in {@code ragstream local} (docs/llm-lora.md): the job settings
 * ({@link LlmLoraConfig}, keys {@code training.llm-lora.*}), where adapters are registered, and the
 * trigger policy of kind {@code LLM_LORA} (keys {@code trigger.llm-lora.*}).
 *
 * <p>The switch is {@code training.llm-lora.enabled}; it defaults to whether {@code
 * training.llm-lora.launcher} is set, so setting a launcher turns the feature on and {@code
 * enabled: false} turns a complete configuration off. {@link #from} returns {@code null} when it is
 * off.
 *
 * @param config the validated job settings
 * @param registryDir where trained adapters are registered ({@code training.llm-lora.registry-dir},
 *     default {@code <data-dir>/llm-adapters}), one directory per adapter id
 * @param datasetTimeout longest time reading a job's answers and feedback from Kafka may take
 *     ({@code training.llm-lora.dataset.read-timeout}, default 2 min)
 * @param policy when the trigger requests an LLM LoRA job: enabled, with {@code
 *     trigger.llm-lora.min-new-pairs}, {@code .pairs-alone}, {@code .cooldown} and {@code
 *     .job-timeout} (default {@code deadline} + 15 min, and never shorter than the deadline, so the
 *     trigger does not count a running job as lost)
 */
public record LlmLoraSettings(
    LlmLoraConfig config, Path registryDir, Duration datasetTimeout, KindPolicy policy) {

  private static final String P = LlmLoraConfig.PREFIX;
  private static final String K = P + "kubernetes.";
  private static final String V = P + "vllm.";
  private static final String T = KindPolicy.keyPrefix(AdapterKind.LLM_LORA);

  /**
   * Kubernetes resource names whose {@code requests.*} / {@code limits.*} keys are also read from
   * the environment ({@code RAGSTREAM_TRAINING_LLM_LORA_KUBERNETES_LIMITS_MEMORY}). Other names,
   * such as {@code nvidia.com/gpu} (a {@code /} cannot be in an environment variable's name), come
   * from the YAML file or the flags.
   */
  public static final List<String> ENV_RESOURCES = List.of("cpu", "memory", "ephemeral-storage");

  /** Default {@link #datasetTimeout()}. */
  public static final Duration DEFAULT_DATASET_TIMEOUT = Duration.ofMinutes(2);

  /** How much longer than {@code deadline} the trigger's default {@code job-timeout} is. */
  public static final Duration JOB_TIMEOUT_MARGIN = Duration.ofMinutes(15);

  /** The keys {@link #from} reads (for the environment lookup and the docs). */
  public static final List<String> KEYS = keys();

  private static List<String> keys() {
    List<String> keys = new ArrayList<>();
    for (String k :
        List.of(
            "enabled",
            "launcher",
            "work-dir",
            "registry-dir",
            "base-model",
            "command",
            "deadline",
            "kill-grace",
            "log-tail-lines",
            "dataset.include-extractive",
            "dataset.validation-fraction",
            "dataset.min-examples",
            "dataset.read-timeout")) {
      keys.add(P + k);
    }
    for (String k :
        List.of(
            "namespace",
            "image",
            "volume-claim",
            "mount-path",
            "service-account",
            "backoff-limit",
            "ttl-seconds-after-finished")) {
      keys.add(K + k);
    }
    for (String r : ENV_RESOURCES) {
      keys.add(K + "requests." + r);
      keys.add(K + "limits." + r);
    }
    for (String k :
        List.of(
            "base-url",
            "api-key",
            "adapter-name-prefix",
            "adapter-root",
            "request-timeout",
            "max-attempts",
            "initial-backoff")) {
      keys.add(V + k);
    }
    for (String k : List.of("min-new-pairs", "pairs-alone", "cooldown", "job-timeout")) {
      keys.add(T + k);
    }
    return List.copyOf(keys);
  }

  public LlmLoraSettings {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(registryDir, "registryDir");
    Objects.requireNonNull(datasetTimeout, "datasetTimeout");
    Objects.requireNonNull(policy, "policy");
  }

  /**
   * Reads and validates every {@code training.llm-lora.*} and {@code trigger.llm-lora.*} key.
   *
   * @param dataDir the platform's data directory, for the default {@code work-dir} ({@code
   *     <data-dir>/llm-lora}) and {@code registry-dir}
   * @return the settings, or {@code null} when LLM LoRA training is off (see the class comment)
   * @throws ConfigException naming the key whose value is wrong or missing
   */
  public static LlmLoraSettings from(Settings s, Path dataDir) {
    String launcherValue = s.string(P + "launcher", null);
    boolean enabled = s.bool(P + "enabled", launcherValue != null);
    if (!enabled) {
      return null;
    }
    if (launcherValue == null) {
      throw new ConfigException(
          P + "launcher", "must be local or kubernetes when " + P + "enabled is true");
    }
    LlmLoraConfig.Launcher launcher = LlmLoraConfig.Launcher.parse(launcherValue);
    Path workDir = path(s, P + "work-dir", dataDir.resolve("llm-lora"));
    Duration deadline = s.duration(P + "deadline", LlmLoraConfig.DEFAULT_DEADLINE);
    LlmLoraConfig config =
        new LlmLoraConfig(
            launcher,
            workDir,
            s.string(P + "base-model", null),
            command(s),
            deadline,
            s.duration(P + "kill-grace", LlmLoraConfig.DEFAULT_KILL_GRACE),
            s.integer(
                P + "log-tail-lines",
                LlmLoraConfig.DEFAULT_LOG_TAIL_LINES,
                Integer.MIN_VALUE,
                Integer.MAX_VALUE),
            s.bool(P + "dataset.include-extractive", false),
            decimal(
                s, P + "dataset.validation-fraction", LlmLoraConfig.DEFAULT_VALIDATION_FRACTION),
            s.integer(
                P + "dataset.min-examples",
                LlmLoraConfig.DEFAULT_MIN_EXAMPLES,
                Integer.MIN_VALUE,
                Integer.MAX_VALUE),
            kubernetes(s, launcher),
            vllm(s));
    Duration datasetTimeout = s.duration(P + "dataset.read-timeout", DEFAULT_DATASET_TIMEOUT);
    if (datasetTimeout.toMillis() < 1000) {
      throw s.fail(
          P + "dataset.read-timeout", s.string(P + "dataset.read-timeout", ""), "must be >= 1s");
    }
    Duration jobTimeout = s.duration(T + "job-timeout", deadline.plus(JOB_TIMEOUT_MARGIN));
    if (jobTimeout.compareTo(deadline) <= 0) {
      throw s.fail(
          T + "job-timeout",
          s.string(T + "job-timeout", ""),
          "must be longer than "
              + P
              + "deadline ("
              + deadline
              + "), or the trigger counts a"
              + " running job as lost");
    }
    KindPolicy defaults = KindPolicy.defaults(AdapterKind.LLM_LORA);
    KindPolicy policy =
        defaults
            .withEnabled(true)
            .withPairs(
                s.integer(T + "min-new-pairs", defaults.minNewPairs(), 0, 100_000_000),
                s.integer(T + "pairs-alone", defaults.pairsAlone(), 0, 100_000_000))
            .withTimes(s.duration(T + "cooldown", defaults.cooldown()), jobTimeout);
    return new LlmLoraSettings(
        config,
        path(s, P + "registry-dir", dataDir.resolve("llm-adapters")),
        datasetTimeout,
        policy);
  }

  /**
   * The argument vector: a YAML list in the file, or (from the environment, a flag or a YAML
   * scalar) a JSON array of strings such as {@code ["python3","train.py","{train_file}"]}.
   */
  private static List<String> command(Settings s) {
    String key = P + "command";
    String text = s.string(key, null);
    if (text != null) {
      if (!text.strip().startsWith("[")) {
        throw s.fail(
            key,
            text,
            "must be a YAML list or a JSON array of strings such as"
                + " [\"python3\", \"train.py\", \"{train_file}\"]");
      }
      try {
        List<String> argv = Json.mapper().readValue(text, new TypeReference<List<String>>() {});
        if (argv.contains(null)) throw s.fail(key, text, "must not contain null arguments");
        return argv;
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw s.fail(key, text, "is not a JSON array of strings (" + e.getOriginalMessage() + ")");
      }
    }
    JsonNode node = s.node(key).orElse(null);
    if (node == null || node.isNull()) {
      throw new ConfigException(key, "must be set (a list: program and arguments)");
    }
    if (!node.isArray()) {
      throw new ConfigException(key, "must be a list of strings, was " + node.getNodeType());
    }
    List<String> argv = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode arg = node.get(i);
      if (!arg.isValueNode() || arg.isNull()) {
        throw new ConfigException(key, "argument " + i + " must be a string, was " + arg);
      }
      argv.add(arg.asText());
    }
    return argv;
  }

  /** The Kubernetes Job settings when the launcher is {@code kubernetes}, else {@code null}. */
  private static LlmLoraConfig.Kubernetes kubernetes(Settings s, LlmLoraConfig.Launcher launcher) {
    if (launcher != LlmLoraConfig.Launcher.KUBERNETES) {
      for (String key : s.keysUnder(K)) {
        throw s.fail(key, s.string(key, ""), "is set but " + P + "launcher is local; remove one");
      }
      return null;
    }
    String ttl = s.string(K + "ttl-seconds-after-finished", null);
    return new LlmLoraConfig.Kubernetes(
        s.string(K + "namespace", null),
        s.string(K + "image", null),
        s.string(K + "volume-claim", null),
        s.string(K + "mount-path", null),
        s.string(K + "service-account", null),
        resources(s, K + "requests."),
        resources(s, K + "limits."),
        s.integer(K + "backoff-limit", 0, Integer.MIN_VALUE, Integer.MAX_VALUE),
        ttl == null
            ? null
            : s.integer(K + "ttl-seconds-after-finished", 0, Integer.MIN_VALUE, Integer.MAX_VALUE));
  }

  /** {@code <prefix><resource name>} keys as a map by resource name; quantities checked later. */
  private static Map<String, String> resources(Settings s, String prefix) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String key : s.keysUnder(prefix)) {
      values.put(key.substring(prefix.length()), s.string(key, null));
    }
    return values;
  }

  /** The vLLM settings when {@code vllm.base-url} is set, else {@code null}. */
  private static LlmLoraConfig.Vllm vllm(Settings s) {
    String baseUrl = s.string(V + "base-url", null);
    if (baseUrl == null) {
      for (String key : s.keysUnder(V)) {
        throw s.fail(
            key,
            key.equals(V + "api-key") ? "***" : s.string(key, ""),
            "is set but " + V + "base-url is not; set it to load adapters into vLLM");
      }
      return null;
    }
    LlmLoraConfig.Vllm defaults = LlmLoraConfig.Vllm.of("http://localhost/v1", "x");
    return new LlmLoraConfig.Vllm(
        baseUrl,
        s.string(V + "api-key", null),
        s.string(V + "adapter-name-prefix", null),
        s.string(V + "adapter-root", null),
        s.duration(V + "request-timeout", defaults.requestTimeout()),
        s.integer(V + "max-attempts", defaults.maxAttempts(), Integer.MIN_VALUE, Integer.MAX_VALUE),
        s.duration(V + "initial-backoff", defaults.initialBackoff()));
  }

  private static Path path(Settings s, String key, Path defaultValue) {
    String v = s.string(key, null);
    if (v == null) return defaultValue.toAbsolutePath().normalize();
    if (v.isBlank()) throw s.fail(key, v, "must be a directory path");
    try {
      return Path.of(v.strip()).toAbsolutePath().normalize();
    } catch (java.nio.file.InvalidPathException e) {
      throw s.fail(key, v, "is not a path (" + e.getReason() + ")");
    }
  }

  private static double decimal(Settings s, String key, double defaultValue) {
    String v = s.string(key, null);
    if (v == null) return defaultValue;
    try {
      return Double.parseDouble(v.strip());
    } catch (NumberFormatException e) {
      throw s.fail(key, v, "is not a number");
    }
  }
}
