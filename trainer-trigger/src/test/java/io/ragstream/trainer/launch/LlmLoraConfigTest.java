package io.ragstream.trainer.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LlmLoraConfigTest {
  private static final List<String> COMMAND = List.of("train", "{train_file}", "{output_dir}");

  private static LlmLoraConfig.Kubernetes kube(Map<String, String> limits) {
    return new LlmLoraConfig.Kubernetes(
        "training", "img:1", "work", "/work", null, Map.of(), limits, 0, null);
  }

  @Test
  void badValuesFailNamingTheKey() {
    assertKey(
        () -> LlmLoraConfig.local(Path.of("w"), "m", List.of("x", "{nope}")),
        "training.llm-lora.command");
    assertKey(
        () -> LlmLoraConfig.local(Path.of("w"), " ", COMMAND), "training.llm-lora.base-model");
    assertKey(
        () -> LlmLoraConfig.local(Path.of("w"), "m", COMMAND).withDeadline(Duration.ZERO),
        "training.llm-lora.deadline");
    assertKey(
        () -> LlmLoraConfig.local(Path.of("w"), "m", COMMAND).withMinExamples(0),
        "training.llm-lora.dataset.min-examples");
    assertKey(() -> LlmLoraConfig.Launcher.parse("slurm"), "training.llm-lora.launcher");
    assertKey(() -> kube(Map.of("memory", "lots")), "training.llm-lora.kubernetes.limits.memory");
    assertKey(
        () -> new LlmLoraConfig.Kubernetes("Training", "i", "w", "/w", null, null, null, 0, null),
        "training.llm-lora.kubernetes.namespace");
    assertKey(
        () -> new LlmLoraConfig.Kubernetes("t", "i", "w", "work", null, null, null, 0, null),
        "training.llm-lora.kubernetes.mount-path");
    assertKey(
        () -> LlmLoraConfig.Vllm.of("ftp://vllm/v1", "rag"), "training.llm-lora.vllm.base-url");
    assertKey(
        () -> LlmLoraConfig.Vllm.of("http://vllm:8000/v1", "bad prefix"),
        "training.llm-lora.vllm.adapter-name-prefix");
  }

  @Test
  void theLauncherAndItsKubernetesSettingsMustAgree() {
    LlmLoraConfig local = LlmLoraConfig.local(Path.of("w"), "m", COMMAND);
    LlmLoraConfig onKube = local.withKubernetes(kube(Map.of("nvidia.com/gpu", "1")));

    assertThat(onKube.launcher()).isEqualTo(LlmLoraConfig.Launcher.KUBERNETES);
    assertThat(LlmLoraConfig.Launcher.parse(" Kubernetes "))
        .isEqualTo(LlmLoraConfig.Launcher.KUBERNETES);
    assertKey(
        () ->
            new LlmLoraConfig(
                LlmLoraConfig.Launcher.KUBERNETES,
                Path.of("w"),
                "m",
                COMMAND,
                Duration.ofHours(1),
                Duration.ofSeconds(1),
                5,
                false,
                0.1,
                1,
                null,
                null),
        "training.llm-lora.kubernetes");
  }

  @Test
  void theApiKeyIsMaskedAndTheUrlNormalised() {
    LlmLoraConfig.Vllm v =
        new LlmLoraConfig.Vllm(
            "http://vllm:8000/v1/",
            "sk-very-secret",
            "rag",
            null,
            Duration.ofSeconds(5),
            3,
            Duration.ofMillis(100));

    assertThat(v.baseUrl()).isEqualTo("http://vllm:8000/v1");
    assertThat(v.toString()).doesNotContain("sk-very-secret").contains("apiKey=***");
  }

  private static void assertKey(Runnable r, String key) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo(key));
  }
}
