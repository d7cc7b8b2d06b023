package io.ragstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.cli.config.LlmLoraSettings;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.trainer.config.KindPolicy;
import io.ragstream.trainer.config.TriggerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlmLoraWiringTest {
  @TempDir Path dir;

  private static final KindPolicy QUERY =
      KindPolicy.defaults(AdapterKind.QUERY_ADAPTER).withEmbedder("bge-small-en-v1.5-q");

  private LlmLoraSettings settings(Map<String, String> extra) {
    Map<String, String> flags = new HashMap<>(extra);
    flags.put("data-dir", dir.toString());
    return LocalConfig.from(Settings.load(null, Map.of(), flags, LocalConfig.KEYS)).llmLora();
  }

  @Test
  void offBuildsNothingAndLeavesTheTriggerAndTrainerAsTheyWere() {
    try (LlmLoraWiring wiring =
        LlmLoraWiring.create(settings(Map.of()), "127.0.0.1:9", Clock.systemUTC())) {
      assertThat(wiring.runner()).isNull();
      TriggerConfig trigger = wiring.addPolicy(TriggerConfig.builder(dir).policy(QUERY)).build();
      assertThat(trigger.enabledKinds()).containsExactly(AdapterKind.QUERY_ADAPTER);
      assertThat(wiring.maxJobTime(Duration.ofMinutes(30))).isEqualTo(Duration.ofMinutes(30));
    }
  }

  @Test
  void aLocalLauncherGivesARunnerAndAnEnabledLlmPolicyWithALongerPollInterval() {
    LlmLoraSettings s =
        settings(
            Map.of(
                "training.llm-lora.launcher", "local",
                "training.llm-lora.base-model", "base",
                "training.llm-lora.command", "[\"python3\", \"train.py\", \"{train_file}\"]",
                "training.llm-lora.deadline", "2h",
                "training.llm-lora.vllm.base-url", "http://127.0.0.1:9/v1",
                "training.llm-lora.vllm.adapter-name-prefix", "rag"));
    try (LlmLoraWiring wiring = LlmLoraWiring.create(s, "127.0.0.1:9", Clock.systemUTC())) {
      assertThat(wiring.runner()).isNotNull();
      assertThat(wiring.runner().baseModel()).isEqualTo("base");
      assertThat(wiring.runner().jobDir("j")).isEqualTo(dir.resolve("llm-lora/jobs/j"));
      TriggerConfig trigger = wiring.addPolicy(TriggerConfig.builder(dir).policy(QUERY)).build();
      assertThat(trigger.enabledKinds())
          .containsExactlyInAnyOrder(AdapterKind.QUERY_ADAPTER, AdapterKind.LLM_LORA);
      assertThat(trigger.policy(AdapterKind.LLM_LORA).jobTimeout())
          .isEqualTo(Duration.ofHours(2).plus(LlmLoraSettings.JOB_TIMEOUT_MARGIN));
      assertThat(wiring.maxJobTime(Duration.ofMinutes(30)))
          .isEqualTo(Duration.ofHours(2).plus(LlmLoraSettings.JOB_TIMEOUT_MARGIN));
    }
  }
}
