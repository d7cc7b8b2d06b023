package io.ragstream.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.ConfigException;
import io.ragstream.gateway.auth.ApiKey;
import io.ragstream.gateway.auth.AuthSettings;
import io.ragstream.gateway.chat.ChatSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewaySettingsTest {
  @TempDir Path dir;

  private static GatewaySettings load(Map<String, String> flags) {
    return GatewaySettings.from(Settings.load(null, Map.of(), flags, GatewaySettings.KEYS));
  }

  private static GatewaySettings loadYaml(Path file) {
    return GatewaySettings.from(Settings.load(file, Map.of(), Map.of(), GatewaySettings.KEYS));
  }

  @Test
  void defaultsServeThePublicCallerWithTheExtractiveAnswererAndPublishEvents() {
    GatewaySettings g = load(Map.of());
    assertThat(g.auth()).isEqualTo(AuthSettings.anonymousOnly());
    assertThat(g.chat()).isEqualTo(ChatSettings.defaults());
    assertThat(g.llm()).isNull();
    assertThat(g.events()).isTrue();
    assertThat(g.feedbackRequiresKnownQuery()).isTrue();
  }

  @Test
  void localConfigReadsTheGatewayKeysToo() {
    assertThat(LocalConfig.KEYS).containsAll(GatewaySettings.KEYS).contains("gateway.port");
    LocalConfig c =
        LocalConfig.from(
            Settings.load(
                null,
                Map.of("RAGSTREAM_GATEWAY_RATE_LIMIT_PER_SECOND", "50"),
                Map.of(),
                LocalConfig.KEYS));
    assertThat(c.gateway().chat().ratePerSecond()).isEqualTo(50);
  }

  @Test
  void apiKeysFileHoldsHashesAndTurnsOffTheAnonymousCaller() throws Exception {
    Path keys = dir.resolve("keys.yaml");
    String hash = ApiKey.hash("alice-key-0123456789");
    Files.writeString(
        keys,
        "keys:\n"
            + "  - {sha256: "
            + hash.toUpperCase()
            + ", subject: alice, tenant: acme, groups: [eng, hr]}\n"
            + "  - {sha256: "
            + ApiKey.hash("bob-key-0123456789ab")
            + ", subject: bob, tenant: acme}\n");
    Path file = dir.resolve("r.yaml");
    Files.writeString(
        file,
        "gateway:\n  auth:\n    api-keys-file: "
            + keys
            + "\n  chat:\n    allowed-origins: https://a.example, https://b.example\n"
            + "    idle-timeout: 5m\n  events:\n    enabled: false\n");
    GatewaySettings g = loadYaml(file);
    assertThat(g.auth().anonymous()).isNull();
    assertThat(g.auth().apiKeys()).hasSize(2);
    ApiKey alice = g.auth().apiKeys().get(0);
    assertThat(alice.sha256()).isEqualTo(hash);
    assertThat(alice.caller().subject()).isEqualTo("alice");
    assertThat(alice.caller().tenant()).isEqualTo("acme");
    assertThat(alice.caller().groups()).isEqualTo(Set.of("eng", "hr"));
    assertThat(g.auth().apiKeys().get(1).caller().groups()).isEmpty();
    assertThat(g.chat().allowedOrigins()).containsExactly("https://a.example", "https://b.example");
    assertThat(g.chat().idleTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(g.events()).isFalse();
  }

  @Test
  void badKeyFilesFailNamingTheKeyAndTheEntry() throws Exception {
    Path keys = dir.resolve("keys.yaml");
    Map<String, String> cases =
        Map.of(
            "keys:\n  - {sha256: abc, subject: a, tenant: t}\n",
            "keys[0]",
            "keys:\n  - {sha256: " + ApiKey.hash("x".repeat(16)) + ", tenant: t}\n",
            "subject",
            "keys:\n  - {sha256: " + ApiKey.hash("x".repeat(16)) + ", subject: a}\n",
            "tenant",
            "- just a list\n",
            "'keys'",
            "keys:\n  - {sha256: "
                + ApiKey.hash("x".repeat(16))
                + ", subject: a, tenant: t}\n  - {sha256: "
                + ApiKey.hash("x".repeat(16))
                + ", subject: b, tenant: t}\n",
            "duplicate");
    for (var c : cases.entrySet()) {
      Files.writeString(keys, c.getKey());
      assertThatThrownBy(() -> load(Map.of("gateway.auth.api-keys-file", keys.toString())))
          .as(c.getKey())
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("gateway.auth.api-keys-file")
          .hasMessageContaining(c.getValue());
    }
    assertThatThrownBy(
            () -> load(Map.of("gateway.auth.api-keys-file", dir.resolve("missing").toString())))
        .hasMessageContaining("gateway.auth.api-keys-file")
        .hasMessageContaining("cannot be read");
  }

  @Test
  void jwtSettingsAreValidatedWithTheirKeys() throws Exception {
    GatewaySettings g =
        load(
            Map.of(
                "gateway.auth.jwt.secret", "0123456789abcdef0123456789abcdef",
                "gateway.auth.jwt.issuer", "https://idp.example",
                "gateway.auth.jwt.tenant-claim", "org"));
    assertThat(g.auth().jwt().algorithm()).isEqualTo("HS256");
    assertThat(g.auth().jwt().issuer()).isEqualTo("https://idp.example");
    assertThat(g.auth().jwt().tenantClaim()).isEqualTo("org");
    assertThat(g.auth().anonymous()).isNull();
    assertThat(g.auth().jwt().toString()).doesNotContain("0123456789abcdef");

    assertThatThrownBy(() -> load(Map.of("gateway.auth.jwt.secret", "short")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("gateway.auth.jwt.secret");
    Path pem = dir.resolve("key.pem");
    Files.writeString(pem, "not a key");
    assertThatThrownBy(() -> load(Map.of("gateway.auth.jwt.public-key-file", pem.toString())))
        .hasMessageContaining("gateway.auth.jwt.public-key-file");
    assertThatThrownBy(
            () ->
                load(
                    Map.of(
                        "gateway.auth.jwt.public-key-file",
                        pem.toString(),
                        "gateway.auth.jwt.secret",
                        "0123456789abcdef0123456789abcdef")))
        .hasMessageContaining("exclusive");
  }

  @Test
  void llmIsConfiguredByItsBaseUrlAndItsKeyNeverShows() {
    GatewaySettings g =
        load(
            Map.of(
                "llm.base-url", "http://127.0.0.1:11434/v1/",
                "llm.model", "llama3.2",
                "llm.api-key", "sk-secret-value",
                "llm.first-token-timeout", "20s",
                "llm.max-tokens", "512"));
    assertThat(g.llm().baseUrl()).isEqualTo("http://127.0.0.1:11434/v1");
    assertThat(g.llm().model()).isEqualTo("llama3.2");
    assertThat(g.llm().firstTokenTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(g.llm().maxTokens()).isEqualTo(512);
    assertThat(g.llm().toString()).doesNotContain("sk-secret-value");

    assertThatThrownBy(() -> load(Map.of("llm.api-key", "sk-secret-value")))
        .hasMessageContaining("llm.api-key")
        .hasMessageContaining("needs llm.base-url")
        .hasMessageNotContaining("sk-secret-value");
    assertThatThrownBy(() -> load(Map.of("llm.base-url", "ftp://x", "llm.model", "m")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("llm.base-url");
    assertThatThrownBy(
            () ->
                load(
                    Map.of(
                        "llm.base-url", "http://x/v1", "llm.model", "m", "llm.temperature", "hot")))
        .hasMessageContaining("llm.temperature");
  }

  @Test
  void followingLlmAdaptersIsOptInAndNeedsAnLlmAndEvents() {
    assertThat(load(Map.of()).llmFollowAdapters()).isFalse();
    assertThat(
            load(Map.of(
                    "llm.base-url", "http://vllm:8000/v1",
                    "llm.model", "meta-llama/Llama-3.2-1B-Instruct",
                    "llm.follow-adapters", "true"))
                .llmFollowAdapters())
        .isTrue();
    assertThatThrownBy(() -> load(Map.of("llm.follow-adapters", "true")))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.key()).isEqualTo("llm.follow-adapters"))
        .hasMessageContaining("needs llm.base-url");
    assertThatThrownBy(
            () ->
                load(
                    Map.of(
                        "llm.base-url", "http://vllm:8000/v1",
                        "llm.model", "m",
                        "llm.follow-adapters", "true",
                        "gateway.events.enabled", "false")))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.key()).isEqualTo("llm.follow-adapters"))
        .hasMessageContaining("gateway.events.enabled");
  }

  @Test
  void badChatAndBooleanValuesNameTheirKey() {
    for (var c :
        List.of(
            Map.of("gateway.chat.max-message-bytes", "10"),
            Map.of("gateway.rate-limit.burst", "0"),
            Map.of("gateway.chat.ping-interval", "0s"),
            Map.of("gateway.events.enabled", "maybe"),
            Map.of("gateway.feedback.require-known-query", "1"))) {
      String key = c.keySet().iterator().next();
      assertThatThrownBy(() -> load(c)).as(key).hasMessageContaining(key);
    }
    assertThat(
            load(Map.of("gateway.feedback.require-known-query", "false"))
                .feedbackRequiresKnownQuery())
        .isFalse();
  }
}
