package io.ragstream.gateway.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.ConfigException;
import java.time.Duration;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class LlmConfigTest {
  private static final LlmConfig BASE = LlmConfig.of("http://127.0.0.1:11434/v1", "llama3.2");

  private static void assertKey(ThrowingCallable build, String key, String fragment) {
    assertThatThrownBy(build)
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo(key))
        .hasMessageContaining(key)
        .hasMessageContaining(fragment);
  }

  @Test
  void defaults() {
    assertThat(BASE.baseUrl()).isEqualTo("http://127.0.0.1:11434/v1");
    assertThat(BASE.chatCompletionsUrl()).isEqualTo("http://127.0.0.1:11434/v1/chat/completions");
    assertThat(BASE.apiKey()).isNull();
    assertThat(BASE.temperature()).isEqualTo(0.1);
    assertThat(BASE.maxTokens()).isNull();
    assertThat(BASE.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(BASE.firstTokenTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(BASE.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(BASE.totalTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(LlmConfig.of(" https://api.openai.com/v1/ ", "gpt-4o-mini").baseUrl())
        .isEqualTo("https://api.openai.com/v1");
  }

  @Test
  void toStringNeverShowsTheApiKey() {
    LlmConfig withKey = BASE.withApiKey("sk-secret-123");
    assertThat(withKey.apiKey()).isEqualTo("sk-secret-123");
    assertThat(withKey.toString()).doesNotContain("sk-secret-123").contains("apiKey=***");
    assertThat(BASE.toString()).contains("apiKey=null").contains("model=llama3.2");
  }

  @Test
  void rejectsBadBaseUrls() {
    assertKey(() -> LlmConfig.of(null, "m"), LlmConfig.KEY_BASE_URL, "blank");
    assertKey(() -> LlmConfig.of("  ", "m"), LlmConfig.KEY_BASE_URL, "blank");
    assertKey(() -> LlmConfig.of("localhost:11434/v1", "m"), LlmConfig.KEY_BASE_URL, "http");
    assertKey(() -> LlmConfig.of("ftp://host/v1", "m"), LlmConfig.KEY_BASE_URL, "http");
    assertKey(() -> LlmConfig.of("http://h/v1?x=1", "m"), LlmConfig.KEY_BASE_URL, "query");
    assertKey(() -> LlmConfig.of("http:///v1", "m"), LlmConfig.KEY_BASE_URL, "host");
    assertKey(() -> LlmConfig.of("http://a b/v1", "m"), LlmConfig.KEY_BASE_URL, "not a URL");
    assertThatThrownBy(() -> LlmConfig.of("http://user:hunter2@h/v1", "m"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("user info")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void rejectsABlankModel() {
    assertKey(() -> LlmConfig.of("http://h/v1", " "), LlmConfig.KEY_MODEL, "blank");
    assertKey(() -> LlmConfig.of("http://h/v1", null), LlmConfig.KEY_MODEL, "blank");
  }

  @Test
  void rejectsBadApiKeysWithoutEchoingThem() {
    assertKey(() -> BASE.withApiKey(" "), LlmConfig.KEY_API_KEY, "blank");
    assertThatThrownBy(() -> BASE.withApiKey("sk-abc\r\nX-Evil: 1"))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.key()).isEqualTo(LlmConfig.KEY_API_KEY))
        .hasMessageContaining("character 7")
        .hasMessageNotContaining("sk-abc");
  }

  @Test
  void rejectsBadTimeouts() {
    Duration s = Duration.ofSeconds(1);
    assertKey(() -> BASE.withTimeouts(null, s, s, s), LlmConfig.KEY_CONNECT_TIMEOUT, "null");
    assertKey(
        () -> BASE.withTimeouts(Duration.ZERO, s, s, s), LlmConfig.KEY_CONNECT_TIMEOUT, "PT0S");
    assertKey(
        () -> BASE.withTimeouts(s, Duration.ofMillis(-5), s, s),
        LlmConfig.KEY_FIRST_TOKEN_TIMEOUT,
        "1 ms");
    assertKey(() -> BASE.withTimeouts(s, s, null, s), LlmConfig.KEY_IDLE_TIMEOUT, "null");
    assertKey(
        () -> BASE.withTimeouts(s, s, s, Duration.ofHours(2)),
        LlmConfig.KEY_TOTAL_TIMEOUT,
        "60 min");
    assertKey(
        () -> BASE.withTimeouts(s, Duration.ofSeconds(2), s, s),
        LlmConfig.KEY_FIRST_TOKEN_TIMEOUT,
        "must not exceed llm.total-timeout (1000 ms), was 2000 ms");
    assertKey(
        () -> BASE.withTimeouts(s, s, Duration.ofSeconds(3), Duration.ofSeconds(2)),
        LlmConfig.KEY_IDLE_TIMEOUT,
        "must not exceed llm.total-timeout");
    assertThat(BASE.withTimeouts(s, s, s, s).idleTimeout()).isEqualTo(s);
  }

  @Test
  void rejectsBadMaxTokensAndTemperature() {
    assertKey(() -> BASE.withMaxTokens(0), LlmConfig.KEY_MAX_TOKENS, "was 0");
    assertKey(() -> BASE.withMaxTokens(2_000_000), LlmConfig.KEY_MAX_TOKENS, "1..1000000");
    assertThat(BASE.withMaxTokens(512).maxTokens()).isEqualTo(512);
    assertThat(BASE.withMaxTokens(null).maxTokens()).isNull();
    assertKey(() -> BASE.withTemperature(-0.1), LlmConfig.KEY_TEMPERATURE, "was -0.1");
    assertKey(() -> BASE.withTemperature(2.5), LlmConfig.KEY_TEMPERATURE, "0.0..2.0");
    assertKey(() -> BASE.withTemperature(Double.NaN), LlmConfig.KEY_TEMPERATURE, "NaN");
    assertThat(BASE.withTemperature(0.0).temperature()).isZero();
  }
}
