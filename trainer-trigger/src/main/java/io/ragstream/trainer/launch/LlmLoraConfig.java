package io.ragstream.trainer.launch;

import io.fabric8.kubernetes.api.model.Quantity;
import io.ragstream.core.error.ConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Configuration of external LLM LoRA training jobs (keys under {@value #PREFIX}), validated when
 * built so that a bad value fails at start naming its key and value. The platform config builds it
 * from file, environment and flags; see docs/llm-lora.md.
 *
 * @param launcher where jobs run ({@code launcher}: {@code local} or {@code kubernetes})
 * @param workDir local directory for job directories ({@code work-dir}); with {@code kubernetes} it
 *     must be the trainer's mount of the same volume the pods mount
 * @param baseModel the model adapters are trained on, {@code {base_model}} ({@code base-model})
 * @param command the training command template ({@code command}, see {@link CommandTemplate})
 * @param deadline longest run time of a job ({@code deadline}), 1 s..7 days
 * @param killGrace time between SIGTERM and SIGKILL of a stopped local job ({@code kill-grace}),
 *     0..5 min
 * @param logTailLines log lines a failure message carries ({@code log-tail-lines}), 1..1000
 * @param includeExtractive whether extractive answers are exported ({@code
 *     dataset.include-extractive})
 * @param validationFraction share of examples for validation ({@code dataset.validation-fraction}),
 *     0.0..0.5
 * @param minExamples fewest examples a job trains on; with fewer it fails without launching ({@code
 *     dataset.min-examples}), {@code >= 1}
 * @param kubernetes the Kubernetes Job settings; required exactly when {@code launcher} is {@code
 *     kubernetes}
 * @param vllm where to load trained adapters; {@code null} to register them without loading
 */
public record LlmLoraConfig(
    Launcher launcher,
    Path workDir,
    String baseModel,
    List<String> command,
    Duration deadline,
    Duration killGrace,
    int logTailLines,
    boolean includeExtractive,
    double validationFraction,
    int minExamples,
    Kubernetes kubernetes,
    Vllm vllm) {

  /** Prefix of every key. */
  public static final String PREFIX = "training.llm-lora.";

  /** Default {@link #deadline()}: 6 h. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofHours(6);

  /** Default {@link #killGrace()}: 10 s. */
  public static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(10);

  /** Default {@link #logTailLines()}. */
  public static final int DEFAULT_LOG_TAIL_LINES = 20;

  /** Default {@link #validationFraction()}. */
  public static final double DEFAULT_VALIDATION_FRACTION = 0.1;

  /** Default {@link #minExamples()}. */
  public static final int DEFAULT_MIN_EXAMPLES = 16;

  /** Where jobs run. */
  public enum Launcher {
    /** A child process of the trainer ({@link LocalCommandLauncher}). */
    LOCAL,
    /** A Kubernetes batch/v1 Job ({@link KubernetesJobLauncher}). */
    KUBERNETES;

    /**
     * Parses {@code local} or {@code kubernetes} (any case).
     *
     * @throws ConfigException naming {@code training.llm-lora.launcher} otherwise
     */
    public static Launcher parse(String value) {
      if (value != null) {
        for (Launcher l : values()) {
          if (l.name().equalsIgnoreCase(value.strip())) {
            return l;
          }
        }
      }
      throw new ConfigException(
          PREFIX + "launcher", "must be local or kubernetes, was '" + value + "'");
    }
  }

  public LlmLoraConfig {
    if (launcher == null) {
      throw new ConfigException(PREFIX + "launcher", "must be local or kubernetes, was null");
    }
    if (workDir == null) {
      throw new ConfigException(PREFIX + "work-dir", "must be set");
    }
    if (baseModel == null || baseModel.isBlank()) {
      throw new ConfigException(
          PREFIX + "base-model", "must not be blank, was '" + baseModel + "'");
    }
    CommandTemplate.parse(PREFIX + "command", command);
    command = List.copyOf(command);
    checkDuration(PREFIX + "deadline", deadline, Duration.ofSeconds(1), Duration.ofDays(7));
    checkDuration(PREFIX + "kill-grace", killGrace, Duration.ZERO, Duration.ofMinutes(5));
    if (logTailLines < 1 || logTailLines > 1000) {
      throw new ConfigException(
          PREFIX + "log-tail-lines", "must be in 1..1000, was " + logTailLines);
    }
    if (!(validationFraction >= 0.0 && validationFraction <= 0.5)) {
      throw new ConfigException(
          PREFIX + "dataset.validation-fraction", "must be in 0.0..0.5, was " + validationFraction);
    }
    if (minExamples < 1) {
      throw new ConfigException(
          PREFIX + "dataset.min-examples", "must be >= 1, was " + minExamples);
    }
    if (launcher == Launcher.KUBERNETES && kubernetes == null) {
      throw new ConfigException(
          PREFIX + "kubernetes", "must be set when " + PREFIX + "launcher is kubernetes");
    }
    if (launcher == Launcher.LOCAL && kubernetes != null) {
      throw new ConfigException(
          PREFIX + "kubernetes", "is set but " + PREFIX + "launcher is local; remove one");
    }
  }

  /**
   * A local-launcher configuration with the defaults: deadline 6 h, kill grace 10 s, 20 log lines,
   * no extractive answers, 10 % validation, at least 16 examples, no vLLM.
   */
  public static LlmLoraConfig local(Path workDir, String baseModel, List<String> command) {
    return new LlmLoraConfig(
        Launcher.LOCAL,
        workDir,
        baseModel,
        command,
        DEFAULT_DEADLINE,
        DEFAULT_KILL_GRACE,
        DEFAULT_LOG_TAIL_LINES,
        false,
        DEFAULT_VALIDATION_FRACTION,
        DEFAULT_MIN_EXAMPLES,
        null,
        null);
  }

  /** The parsed {@link #command()}. */
  public CommandTemplate commandTemplate() {
    return CommandTemplate.parse(PREFIX + "command", command);
  }

  /** A copy with {@link #deadline()} replaced. */
  public LlmLoraConfig withDeadline(Duration value) {
    return new LlmLoraConfig(
        launcher,
        workDir,
        baseModel,
        command,
        value,
        killGrace,
        logTailLines,
        includeExtractive,
        validationFraction,
        minExamples,
        kubernetes,
        vllm);
  }

  /** A copy with {@link #minExamples()} replaced. */
  public LlmLoraConfig withMinExamples(int value) {
    return new LlmLoraConfig(
        launcher,
        workDir,
        baseModel,
        command,
        deadline,
        killGrace,
        logTailLines,
        includeExtractive,
        validationFraction,
        value,
        kubernetes,
        vllm);
  }

  /** A copy with {@link #vllm()} replaced. */
  public LlmLoraConfig withVllm(Vllm value) {
    return new LlmLoraConfig(
        launcher,
        workDir,
        baseModel,
        command,
        deadline,
        killGrace,
        logTailLines,
        includeExtractive,
        validationFraction,
        minExamples,
        kubernetes,
        value);
  }

  /** A copy that launches on Kubernetes with {@code value}. */
  public LlmLoraConfig withKubernetes(Kubernetes value) {
    return new LlmLoraConfig(
        Launcher.KUBERNETES,
        workDir,
        baseModel,
        command,
        deadline,
        killGrace,
        logTailLines,
        includeExtractive,
        validationFraction,
        minExamples,
        value,
        vllm);
  }

  /**
   * How a job becomes a Kubernetes batch/v1 Job (keys under {@code training.llm-lora.kubernetes.}).
   *
   * <p>Assumption: the work directory lives on a volume that the trainer service mounts at {@link
   * LlmLoraConfig#workDir()} and the job's pod mounts at {@link #mountPath()} (a ReadWriteMany
   * PersistentVolumeClaim, {@link #volumeClaim()}), so the pod reads the exported dataset and
   * writes the adapter where the trainer finds it.
   *
   * @param namespace the namespace ({@code namespace}), a DNS-1123 label
   * @param image the trainer image ({@code image}), e.g. {@code ghcr.io/acme/trl-lora:0.12}
   * @param volumeClaim the PersistentVolumeClaim holding the work directory ({@code volume-claim}),
   *     a DNS-1123 subdomain
   * @param mountPath where the pod mounts it ({@code mount-path}), absolute
   * @param serviceAccount the pod's service account ({@code service-account}); {@code null} for the
   *     namespace's default
   * @param requests container resource requests ({@code requests.cpu}, {@code requests.memory},
   *     ...) as Kubernetes quantities
   * @param limits container resource limits, e.g. {@code nvidia.com/gpu: 1} ({@code limits.*})
   * @param backoffLimit pod retries before the Job fails ({@code backoff-limit}), 0..10; a training
   *     run is expensive, so the default is 0
   * @param ttlSecondsAfterFinished seconds after which Kubernetes deletes a finished Job ({@code
   *     ttl-seconds-after-finished}); {@code null} keeps it
   */
  public record Kubernetes(
      String namespace,
      String image,
      String volumeClaim,
      String mountPath,
      String serviceAccount,
      Map<String, String> requests,
      Map<String, String> limits,
      int backoffLimit,
      Integer ttlSecondsAfterFinished) {

    private static final String K = PREFIX + "kubernetes.";
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern SUBDOMAIN =
        Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    public Kubernetes {
      if (namespace == null || !LABEL.matcher(namespace).matches()) {
        throw new ConfigException(
            K + "namespace", "must be a DNS-1123 label, was '" + namespace + "'");
      }
      if (image == null || image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
        throw new ConfigException(
            K + "image", "must be an image reference without spaces, was '" + image + "'");
      }
      if (volumeClaim == null
          || volumeClaim.length() > 253
          || !SUBDOMAIN.matcher(volumeClaim).matches()) {
        throw new ConfigException(
            K + "volume-claim",
            "must name a PersistentVolumeClaim (DNS-1123 subdomain), was '" + volumeClaim + "'");
      }
      if (mountPath == null || !mountPath.startsWith("/")) {
        throw new ConfigException(
            K + "mount-path", "must be an absolute path, was '" + mountPath + "'");
      }
      if (serviceAccount != null && !SUBDOMAIN.matcher(serviceAccount).matches()) {
        throw new ConfigException(
            K + "service-account",
            "must be a DNS-1123 subdomain or unset, was '" + serviceAccount + "'");
      }
      requests = checkQuantities(K + "requests.", requests);
      limits = checkQuantities(K + "limits.", limits);
      if (backoffLimit < 0 || backoffLimit > 10) {
        throw new ConfigException(K + "backoff-limit", "must be in 0..10, was " + backoffLimit);
      }
      if (ttlSecondsAfterFinished != null && ttlSecondsAfterFinished < 0) {
        throw new ConfigException(
            K + "ttl-seconds-after-finished",
            "must be >= 0 or unset, was " + ttlSecondsAfterFinished);
      }
    }

    private static Map<String, String> checkQuantities(String key, Map<String, String> values) {
      if (values == null) {
        return Map.of();
      }
      values.forEach(
          (name, value) -> {
            try {
              if (value == null || Quantity.getAmountInBytes(new Quantity(value)).signum() < 0) {
                throw new IllegalArgumentException("negative");
              }
            } catch (RuntimeException e) {
              throw new ConfigException(
                  key + name,
                  "must be a Kubernetes quantity such as 4, 500m or 16Gi, was '" + value + "'");
            }
          });
      return Map.copyOf(values);
    }
  }

  /**
   * Where trained adapters are loaded (keys under {@code training.llm-lora.vllm.}).
   *
   * @param baseUrl the vLLM server's OpenAI API root including {@code /v1} ({@code base-url}), as
   *     the gateway's {@code llm.base-url}, e.g. {@code http://vllm:8000/v1}
   * @param apiKey bearer token ({@code api-key}; vLLM's {@code --api-key}), or {@code null}; never
   *     shown by {@link #toString()}
   * @param adapterNamePrefix prefix of served adapter names ({@code adapter-name-prefix}): an
   *     adapter is served as {@code <prefix>-<adapterId>}
   * @param adapterRoot the registry directory as the vLLM server sees it ({@code adapter-root}):
   *     adapters load from {@code <adapter-root>/<adapterId>}; {@code null} when vLLM sees the
   *     registry's own paths
   * @param requestTimeout longest wait for one HTTP call ({@code request-timeout}), 1 s..10 min
   * @param maxAttempts tries of a call that fails retriably ({@code max-attempts}), 1..10
   * @param initialBackoff first wait between tries ({@code initial-backoff}), 1 ms..1 min; it
   *     doubles with every further try, up to 30 times itself, with 25 % jitter
   */
  public record Vllm(
      String baseUrl,
      String apiKey,
      String adapterNamePrefix,
      String adapterRoot,
      Duration requestTimeout,
      int maxAttempts,
      Duration initialBackoff) {

    private static final String V = PREFIX + "vllm.";

    /** Adapter names and prefixes: what an OpenAI {@code model} field carries safely. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public Vllm {
      baseUrl = checkUrl(V + "base-url", baseUrl);
      if (apiKey != null
          && (apiKey.isBlank() || apiKey.chars().anyMatch(c -> c < 0x21 || c > 0x7e))) {
        throw new ConfigException(
            V + "api-key", "must be visible ASCII without spaces, or unset (value not shown)");
      }
      if (adapterNamePrefix == null || !NAME.matcher(adapterNamePrefix).matches()) {
        throw new ConfigException(
            V + "adapter-name-prefix",
            "must match " + NAME.pattern() + ", was '" + adapterNamePrefix + "'");
      }
      if (adapterRoot != null && !adapterRoot.startsWith("/")) {
        throw new ConfigException(
            V + "adapter-root", "must be an absolute path or unset, was '" + adapterRoot + "'");
      }
      checkDuration(
          V + "request-timeout", requestTimeout, Duration.ofSeconds(1), Duration.ofMinutes(10));
      if (maxAttempts < 1 || maxAttempts > 10) {
        throw new ConfigException(V + "max-attempts", "must be in 1..10, was " + maxAttempts);
      }
      checkDuration(
          V + "initial-backoff", initialBackoff, Duration.ofMillis(1), Duration.ofMinutes(1));
    }

    /** vLLM at {@code baseUrl}, no key, 30 s per call, 4 tries from 500 ms backoff. */
    public static Vllm of(String baseUrl, String adapterNamePrefix) {
      return new Vllm(
          baseUrl,
          null,
          adapterNamePrefix,
          null,
          Duration.ofSeconds(30),
          4,
          Duration.ofMillis(500));
    }

    /** Every value except the API key, shown as {@code ***} when set. */
    @Override
    public String toString() {
      return "Vllm[baseUrl="
          + baseUrl
          + ", apiKey="
          + (apiKey == null ? "null" : "***")
          + ", adapterNamePrefix="
          + adapterNamePrefix
          + ", adapterRoot="
          + adapterRoot
          + ", requestTimeout="
          + requestTimeout
          + ", maxAttempts="
          + maxAttempts
          + ", initialBackoff="
          + initialBackoff
          + "]";
    }

    private static String checkUrl(String key, String value) {
      if (value == null || value.isBlank()) {
        throw new ConfigException(key, "must not be blank, was '" + value + "'");
      }
      String v = value.strip();
      try {
        URI uri = new URI(v);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
          throw new ConfigException(
              key, "must be an http(s) URL such as http://vllm:8000/v1, was '" + v + "'");
        }
        if (uri.getRawUserInfo() != null) {
          throw new ConfigException(key, "must not contain user info; use " + V + "api-key");
        }
      } catch (URISyntaxException e) {
        throw new ConfigException(key, "is not a URL (" + e.getReason() + "), was '" + v + "'");
      }
      while (v.endsWith("/")) {
        v = v.substring(0, v.length() - 1);
      }
      return v;
    }
  }

  private static void checkDuration(String key, Duration value, Duration min, Duration max) {
    if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new ConfigException(key, "must be in " + min + ".." + max + ", was " + value);
    }
  }
}
