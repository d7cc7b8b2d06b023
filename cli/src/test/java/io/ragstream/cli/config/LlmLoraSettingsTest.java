package io.ragstream.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.ConfigException;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.trainer.launch.LlmLoraConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LlmLoraSettingsTest {
  @TempDir Path dir;

  private LocalConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
    Map<String, String> all = new HashMap<>(flags);
    all.putIfAbsent("data-dir", dir.resolve("data").toString());
    return LocalConfig.from(Settings.load(file, env, all, LocalConfig.KEYS));
  }

  /** A minimal valid local configuration as flags. */
  private static Map<String, String> local() {
    return Map.of(
        "training.llm-lora.launcher", "local",
        "training.llm-lora.base-model", "meta-llama/Llama-3.2-1B-Instruct",
        "training.llm-lora.command", "[\"python3\", \"train.py\", \"{train_file}\"]");
  }

  private static Map<String, String> with(Map<String, String> base, String key, String value) {
    Map<String, String> m = new HashMap<>(base);
    m.put(key, value);
    return m;
  }

  @Test
  void isOffByDefault() {
    assertThat(load(null, Map.of(), Map.of()).llmLora()).isNull();
    assertThat(load(null, Map.of(), with(local(), "training.llm-lora.enabled", "false")).llmLora())
        .isNull();
  }

  @Test
  void aFullKubernetesConfigurationParses() throws Exception {
    Path file = dir.resolve("ragstream.yaml");
    Files.writeString(
        file,
        """
        training:
          llm-lora:
            launcher: kubernetes
            work-dir: /mnt/lora
            registry-dir: /mnt/lora/adapters
            base-model: meta-llama/Llama-3.2-1B-Instruct
            command: [python3, /opt/train/sft_lora.py, --train, "{train_file}", --output, "{output_dir}"]
            deadline: 2h
            kill-grace: 30s
            log-tail-lines: 40
            dataset: {include-extractive: true, validation-fraction: 0.2, min-examples: 8, read-timeout: 5m}
            kubernetes:
              namespace: ml
              image: ghcr.io/acme/trl-lora:0.12
              volume-claim: lora-work
              mount-path: /work
              service-account: trainer
              requests: {cpu: "4", memory: 16Gi}
              limits: {nvidia.com/gpu: 1, memory: 32Gi}
              backoff-limit: 1
              ttl-seconds-after-finished: 3600
            vllm:
              base-url: http://vllm:8000/v1/
              api-key: s3cret
              adapter-name-prefix: rag-llama
              adapter-root: /adapters
              request-timeout: 10s
              max-attempts: 3
              initial-backoff: 200ms
        trigger:
          llm-lora: {min-new-pairs: 20, pairs-alone: 200, cooldown: 12h, job-timeout: 3h}
        """);

    LlmLoraSettings s = load(file, Map.of(), Map.of()).llmLora();

    LlmLoraConfig c = s.config();
    assertThat(c.launcher()).isEqualTo(LlmLoraConfig.Launcher.KUBERNETES);
    assertThat(c.workDir()).isEqualTo(Path.of("/mnt/lora"));
    assertThat(s.registryDir()).isEqualTo(Path.of("/mnt/lora/adapters"));
    assertThat(c.baseModel()).isEqualTo("meta-llama/Llama-3.2-1B-Instruct");
    assertThat(c.command())
        .containsExactly(
            "python3",
            "/opt/train/sft_lora.py",
            "--train",
            "{train_file}",
            "--output",
            "{output_dir}");
    assertThat(c.deadline()).isEqualTo(Duration.ofHours(2));
    assertThat(c.killGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.logTailLines()).isEqualTo(40);
    assertThat(c.includeExtractive()).isTrue();
    assertThat(c.validationFraction()).isEqualTo(0.2);
    assertThat(c.minExamples()).isEqualTo(8);
    assertThat(s.datasetTimeout()).isEqualTo(Duration.ofMinutes(5));
    LlmLoraConfig.Kubernetes k = c.kubernetes();
    assertThat(k.namespace()).isEqualTo("ml");
    assertThat(k.image()).isEqualTo("ghcr.io/acme/trl-lora:0.12");
    assertThat(k.volumeClaim()).isEqualTo("lora-work");
    assertThat(k.mountPath()).isEqualTo("/work");
    assertThat(k.serviceAccount()).isEqualTo("trainer");
    assertThat(k.requests()).isEqualTo(Map.of("cpu", "4", "memory", "16Gi"));
    assertThat(k.limits()).isEqualTo(Map.of("nvidia.com/gpu", "1", "memory", "32Gi"));
    assertThat(k.backoffLimit()).isEqualTo(1);
    assertThat(k.ttlSecondsAfterFinished()).isEqualTo(3600);
    LlmLoraConfig.Vllm v = c.vllm();
    assertThat(v.baseUrl()).isEqualTo("http://vllm:8000/v1");
    assertThat(v.apiKey()).isEqualTo("s3cret");
    assertThat(v.toString()).doesNotContain("s3cret");
    assertThat(v.adapterNamePrefix()).isEqualTo("rag-llama");
    assertThat(v.adapterRoot()).isEqualTo("/adapters");
    assertThat(v.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(v.maxAttempts()).isEqualTo(3);
    assertThat(v.initialBackoff()).isEqualTo(Duration.ofMillis(200));
    assertThat(s.policy().kind()).isEqualTo(AdapterKind.LLM_LORA);
    assertThat(s.policy().enabled()).isTrue();
    assertThat(s.policy().minNewPairs()).isEqualTo(20);
    assertThat(s.policy().pairsAlone()).isEqualTo(200);
    assertThat(s.policy().cooldown()).isEqualTo(Duration.ofHours(12));
    assertThat(s.policy().jobTimeout()).isEqualTo(Duration.ofHours(3));
  }

  @Test
  void environmentVariablesConfigureALocalLauncherWithDefaults() {
    LlmLoraSettings s =
        load(
                null,
                Map.of(
                    "RAGSTREAM_TRAINING_LLM_LORA_LAUNCHER", "local",
                    "RAGSTREAM_TRAINING_LLM_LORA_BASE_MODEL", "base",
                    "RAGSTREAM_TRAINING_LLM_LORA_COMMAND", "[\"sh\", \"-c\", \"echo {job_id}\"]",
                    "RAGSTREAM_TRAINING_LLM_LORA_DATASET_MIN_EXAMPLES", "2",
                    "RAGSTREAM_TRAINING_LLM_LORA_VLLM_BASE_URL", "http://127.0.0.1:8000/v1",
                    "RAGSTREAM_TRAINING_LLM_LORA_VLLM_ADAPTER_NAME_PREFIX", "rag"),
                Map.of())
            .llmLora();

    LlmLoraConfig c = s.config();
    assertThat(c.launcher()).isEqualTo(LlmLoraConfig.Launcher.LOCAL);
    assertThat(c.command()).containsExactly("sh", "-c", "echo {job_id}");
    assertThat(c.minExamples()).isEqualTo(2);
    assertThat(c.workDir()).isEqualTo(dir.resolve("data").resolve("llm-lora"));
    assertThat(s.registryDir()).isEqualTo(dir.resolve("data").resolve("llm-adapters"));
    assertThat(c.deadline()).isEqualTo(LlmLoraConfig.DEFAULT_DEADLINE);
    assertThat(c.kubernetes()).isNull();
    assertThat(c.vllm().baseUrl()).isEqualTo("http://127.0.0.1:8000/v1");
    assertThat(s.policy().jobTimeout())
        .isEqualTo(LlmLoraConfig.DEFAULT_DEADLINE.plus(LlmLoraSettings.JOB_TIMEOUT_MARGIN));
  }

  @Test
  void kubernetesResourcesOfTheKnownNamesComeFromTheEnvironment() {
    Map<String, String> flags = new HashMap<>(local());
    flags.put("training.llm-lora.launcher", "kubernetes");
    flags.put("training.llm-lora.kubernetes.namespace", "ml");
    flags.put("training.llm-lora.kubernetes.image", "trainer:1");
    flags.put("training.llm-lora.kubernetes.volume-claim", "work");
    flags.put("training.llm-lora.kubernetes.mount-path", "/work");

    LlmLoraConfig.Kubernetes k =
        load(
                null,
                Map.of(
                    "RAGSTREAM_TRAINING_LLM_LORA_KUBERNETES_LIMITS_MEMORY", "32Gi",
                    "RAGSTREAM_TRAINING_LLM_LORA_KUBERNETES_REQUESTS_CPU", "500m"),
                flags)
            .llmLora()
            .config()
            .kubernetes();

    assertThat(k.limits()).isEqualTo(Map.of("memory", "32Gi"));
    assertThat(k.requests()).isEqualTo(Map.of("cpu", "500m"));
    assertThat(k.backoffLimit()).isZero();
    assertThat(k.ttlSecondsAfterFinished()).isNull();
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("training.llm-lora.launcher", "docker"),
        Arguments.of("training.llm-lora.deadline", "forever"),
        Arguments.of("training.llm-lora.deadline", "8d"),
        Arguments.of("training.llm-lora.kill-grace", "-1s"),
        Arguments.of("training.llm-lora.log-tail-lines", "many"),
        Arguments.of("training.llm-lora.command", "python3 train.py"),
        Arguments.of("training.llm-lora.command", "[\"python3\", \"{train_fil}\"]"),
        Arguments.of("training.llm-lora.command", "[\"python3\", "),
        Arguments.of("training.llm-lora.base-model", " "),
        Arguments.of("training.llm-lora.dataset.validation-fraction", "0.9"),
        Arguments.of("training.llm-lora.dataset.validation-fraction", "tenth"),
        Arguments.of("training.llm-lora.dataset.min-examples", "0"),
        Arguments.of("training.llm-lora.dataset.include-extractive", "maybe"),
        Arguments.of("training.llm-lora.dataset.read-timeout", "10ms"),
        Arguments.of("training.llm-lora.kubernetes.namespace", "ml"),
        Arguments.of("training.llm-lora.vllm.api-key", "k"),
        Arguments.of("trigger.llm-lora.job-timeout", "1h"),
        Arguments.of("trigger.llm-lora.pairs-alone", "-5"),
        Arguments.of("training.llm-lora.enabled", "sometimes"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("badValues")
  void aBadValueFailsNamingItsKey(String key, String value) {
    assertThatThrownBy(() -> load(null, Map.of(), with(local(), key, value)))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key));
  }

  static Stream<Arguments> badVllmValues() {
    return Stream.of(
        Arguments.of("training.llm-lora.vllm.base-url", "ftp://vllm/v1"),
        Arguments.of("training.llm-lora.vllm.adapter-name-prefix", "rag llama"),
        Arguments.of("training.llm-lora.vllm.adapter-root", "adapters"),
        Arguments.of("training.llm-lora.vllm.max-attempts", "0"),
        Arguments.of("training.llm-lora.vllm.request-timeout", "soon"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("badVllmValues")
  void aBadVllmValueFailsNamingItsKey(String key, String value) {
    Map<String, String> flags = new HashMap<>(local());
    flags.put("training.llm-lora.vllm.base-url", "http://vllm:8000/v1");
    flags.put("training.llm-lora.vllm.adapter-name-prefix", "rag");
    flags.put(key, value);

    assertThatThrownBy(() -> load(null, Map.of(), flags))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key));
  }

  @Test
  void badKubernetesValuesNameTheirKey() throws Exception {
    Path file = dir.resolve("k.yaml");
    String yaml =
        """
        training:
          llm-lora:
            launcher: kubernetes
            base-model: m
            command: [python3, train.py]
            kubernetes:
              namespace: ml
              image: trainer:1
              volume-claim: work
              mount-path: /work
              limits: {nvidia.com/gpu: lots}
        """;
    Files.writeString(file, yaml);
    assertThatThrownBy(() -> load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e ->
                assertThat(((ConfigException) e).key())
                    .isEqualTo("training.llm-lora.kubernetes.limits.nvidia.com/gpu"));

    Files.writeString(file, yaml.replace("namespace: ml", "namespace: Not_A_Label"));
    assertThatThrownBy(() -> load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e ->
                assertThat(((ConfigException) e).key())
                    .isEqualTo("training.llm-lora.kubernetes.namespace"));

    Files.writeString(file, yaml.replace("    command: [python3, train.py]\n", ""));
    assertThatThrownBy(() -> load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e -> assertThat(((ConfigException) e).key()).isEqualTo("training.llm-lora.command"));
  }

  @Test
  void enabledWithoutALauncherFailsNamingTheLauncher() {
    assertThatThrownBy(() -> load(null, Map.of(), Map.of("training.llm-lora.enabled", "true")))
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e -> assertThat(((ConfigException) e).key()).isEqualTo("training.llm-lora.launcher"));
  }

  @Test
  void everyKeyIsInLocalConfigKeys() {
    assertThat(LocalConfig.KEYS).containsAll(LlmLoraSettings.KEYS);
    assertThat(LlmLoraSettings.KEYS)
        .contains(
            "training.llm-lora.command",
            "training.llm-lora.kubernetes.limits.memory",
            "training.llm-lora.vllm.base-url",
            "trigger.llm-lora.job-timeout");
    assertThat(List.copyOf(LlmLoraSettings.KEYS)).doesNotHaveDuplicates();
  }
}
