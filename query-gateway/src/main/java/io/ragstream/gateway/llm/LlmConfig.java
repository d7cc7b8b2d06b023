package io.ragstream.gateway.llm;

import io.ragstream.core.error.ConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;

/**
 * Where and how to reach an OpenAI-compatible chat-completions server (vLLM, Ollama, llama.cpp
 * server, OpenAI), validated when it is built so that a bad value fails at start with its key
 * ({@code llm.base-url}, ...) and what is wrong with it. The API key is never part of an error
 * message, a log line or {@link #toString()}.
 *
 * <p>Timeouts are {@link Duration}s with millisecond resolution: each must be at least 1 ms and at
 * most {@link #MAX_TIMEOUT}; {@link #firstTokenTimeout()} and {@link #idleTimeout()} must not
 * exceed {@link #totalTimeout()} (they could never fire).
 *
 * @param baseUrl API root including the version path, e.g. {@code http://127.0.0.1:11434/v1}
 *     (Ollama), {@code http://127.0.0.1:8000/v1} (vLLM) or {@code https://api.openai.com/v1}; the
 *     client POSTs to {@code {baseUrl}/chat/completions}. {@code http} or {@code https}, with a
 *     host, without user info, query or fragment; a trailing {@code /} is removed
 * @param model default model (or LoRA adapter) name, used when a request does not name one
 * @param apiKey bearer token sent as {@code Authorization: Bearer <apiKey>}, or null to send no
 *     {@code Authorization} header (local servers); visible ASCII without spaces
 * @param connectTimeout longest wait for the TCP (and TLS) connection to the server
 * @param firstTokenTimeout longest wait from the start of a generation to its first streamed token
 *     (covers queueing and prompt processing on the server)
 * @param idleTimeout longest gap between two chunks of the stream once the first token arrived
 * @param totalTimeout longest duration of a whole generation, and of a (non-streamed) query rewrite
 * @param maxTokens upper bound on generated tokens sent as {@code max_tokens}, 1..{@value
 *     #MAX_MAX_TOKENS}, or null to let the server decide
 * @param temperature sampling temperature, 0.0..2.0 (the OpenAI range); low values ({@value
 *     #DEFAULT_TEMPERATURE}) keep answers close to the sources
 */
public record LlmConfig(
    String baseUrl,
    String model,
    String apiKey,
    Duration connectTimeout,
    Duration firstTokenTimeout,
    Duration idleTimeout,
    Duration totalTimeout,
    Integer maxTokens,
    double temperature) {

  /** Key of {@link #baseUrl()}. */
  public static final String KEY_BASE_URL = "llm.base-url";

  /** Key of {@link #model()}. */
  public static final String KEY_MODEL = "llm.model";

  /** Key of {@link #apiKey()}. */
  public static final String KEY_API_KEY = "llm.api-key";

  /** Key of {@link #connectTimeout()}. */
  public static final String KEY_CONNECT_TIMEOUT = "llm.connect-timeout";

  /** Key of {@link #firstTokenTimeout()}. */
  public static final String KEY_FIRST_TOKEN_TIMEOUT = "llm.first-token-timeout";

  /** Key of {@link #idleTimeout()}. */
  public static final String KEY_IDLE_TIMEOUT = "llm.idle-timeout";

  /** Key of {@link #totalTimeout()}. */
  public static final String KEY_TOTAL_TIMEOUT = "llm.total-timeout";

  /** Key of {@link #maxTokens()}. */
  public static final String KEY_MAX_TOKENS = "llm.max-tokens";

  /** Key of {@link #temperature()}. */
  public static final String KEY_TEMPERATURE = "llm.temperature";

  /** Default connect timeout: 5 s. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** Default first-token timeout: 60 s (a long prompt on a CPU-only server takes a while). */
  public static final Duration DEFAULT_FIRST_TOKEN_TIMEOUT = Duration.ofSeconds(60);

  /** Default idle timeout between stream chunks: 30 s. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

  /** Default total timeout: 5 min. */
  public static final Duration DEFAULT_TOTAL_TIMEOUT = Duration.ofMinutes(5);

  /** Default temperature: near-deterministic, grounded answers. */
  public static final double DEFAULT_TEMPERATURE = 0.1;

  /** Largest timeout: 1 h. */
  public static final Duration MAX_TIMEOUT = Duration.ofHours(1);

  /** Largest {@link #maxTokens()}. */
  public static final int MAX_MAX_TOKENS = 1_000_000;

  /** Largest {@link #temperature()}. */
  public static final double MAX_TEMPERATURE = 2.0;

  /**
   * Validates every value.
   *
   * @throws ConfigException naming the key and what is wrong (never the API key's value)
   */
  public LlmConfig {
    baseUrl = checkBaseUrl(baseUrl);
    if (model == null || model.isBlank()) {
      throw new ConfigException(KEY_MODEL, "must not be blank, was '" + model + "'");
    }
    if (apiKey != null) {
      if (apiKey.isBlank()) {
        throw new ConfigException(
            KEY_API_KEY, "must not be blank; leave it unset for a server without authentication");
      }
      for (int i = 0; i < apiKey.length(); i++) {
        char c = apiKey.charAt(i);
        if (c < 0x21 || c > 0x7e) {
          throw new ConfigException(
              KEY_API_KEY,
              "must be visible ASCII without spaces or control characters; character "
                  + (i + 1)
                  + " is not (value not shown)");
        }
      }
    }
    checkTimeout(KEY_CONNECT_TIMEOUT, connectTimeout);
    checkTimeout(KEY_FIRST_TOKEN_TIMEOUT, firstTokenTimeout);
    checkTimeout(KEY_IDLE_TIMEOUT, idleTimeout);
    checkTimeout(KEY_TOTAL_TIMEOUT, totalTimeout);
    if (firstTokenTimeout.compareTo(totalTimeout) > 0) {
      throw new ConfigException(
          KEY_FIRST_TOKEN_TIMEOUT,
          "must not exceed "
              + KEY_TOTAL_TIMEOUT
              + " ("
              + totalTimeout.toMillis()
              + " ms), was "
              + firstTokenTimeout.toMillis()
              + " ms");
    }
    if (idleTimeout.compareTo(totalTimeout) > 0) {
      throw new ConfigException(
          KEY_IDLE_TIMEOUT,
          "must not exceed "
              + KEY_TOTAL_TIMEOUT
              + " ("
              + totalTimeout.toMillis()
              + " ms), was "
              + idleTimeout.toMillis()
              + " ms");
    }
    if (maxTokens != null && (maxTokens < 1 || maxTokens > MAX_MAX_TOKENS)) {
      throw new ConfigException(
          KEY_MAX_TOKENS, "must be in 1.." + MAX_MAX_TOKENS + " or unset, was " + maxTokens);
    }
    if (!(temperature >= 0.0 && temperature <= MAX_TEMPERATURE)) {
      throw new ConfigException(
          KEY_TEMPERATURE, "must be in 0.0.." + MAX_TEMPERATURE + ", was " + temperature);
    }
  }

  /**
   * A configuration for {@code model} at {@code baseUrl} without API key, with the default timeouts
   * (connect 5 s, first token 60 s, idle 30 s, total 5 min), no {@code max_tokens} and temperature
   * {@value #DEFAULT_TEMPERATURE}.
   *
   * @throws ConfigException when {@code baseUrl} or {@code model} is invalid
   */
  public static LlmConfig of(String baseUrl, String model) {
    return new LlmConfig(
        baseUrl,
        model,
        null,
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_FIRST_TOKEN_TIMEOUT,
        DEFAULT_IDLE_TIMEOUT,
        DEFAULT_TOTAL_TIMEOUT,
        null,
        DEFAULT_TEMPERATURE);
  }

  /** A copy with {@link #apiKey()} replaced (null removes it). */
  public LlmConfig withApiKey(String value) {
    return new LlmConfig(
        baseUrl,
        model,
        value,
        connectTimeout,
        firstTokenTimeout,
        idleTimeout,
        totalTimeout,
        maxTokens,
        temperature);
  }

  /** A copy with the four timeouts replaced (they are checked together). */
  public LlmConfig withTimeouts(
      Duration connect, Duration firstToken, Duration idle, Duration total) {
    return new LlmConfig(
        baseUrl, model, apiKey, connect, firstToken, idle, total, maxTokens, temperature);
  }

  /** A copy with {@link #maxTokens()} replaced (null lets the server decide). */
  public LlmConfig withMaxTokens(Integer value) {
    return new LlmConfig(
        baseUrl,
        model,
        apiKey,
        connectTimeout,
        firstTokenTimeout,
        idleTimeout,
        totalTimeout,
        value,
        temperature);
  }

  /** A copy with {@link #temperature()} replaced. */
  public LlmConfig withTemperature(double value) {
    return new LlmConfig(
        baseUrl,
        model,
        apiKey,
        connectTimeout,
        firstTokenTimeout,
        idleTimeout,
        totalTimeout,
        maxTokens,
        value);
  }

  /** {@code {baseUrl}/chat/completions}. */
  public String chatCompletionsUrl() {
    return baseUrl + "/chat/completions";
  }

  /** Every value except the API key, which shows as {@code ***} when set. */
  @Override
  public String toString() {
    return "LlmConfig[baseUrl="
        + baseUrl
        + ", model="
        + model
        + ", apiKey="
        + (apiKey == null ? "null" : "***")
        + ", connectTimeout="
        + connectTimeout
        + ", firstTokenTimeout="
        + firstTokenTimeout
        + ", idleTimeout="
        + idleTimeout
        + ", totalTimeout="
        + totalTimeout
        + ", maxTokens="
        + maxTokens
        + ", temperature="
        + temperature
        + "]";
  }

  private static String checkBaseUrl(String value) {
    if (value == null || value.isBlank()) {
      throw new ConfigException(KEY_BASE_URL, "must not be blank, was '" + value + "'");
    }
    String trimmed = value.strip();
    URI uri;
    try {
      uri = new URI(trimmed);
    } catch (URISyntaxException e) {
      throw new ConfigException(
          KEY_BASE_URL, "is not a URL (" + e.getReason() + "), was '" + trimmed + "'");
    }
    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new ConfigException(
          KEY_BASE_URL,
          "must be an absolute http:// or https:// URL such as http://127.0.0.1:11434/v1, was '"
              + trimmed
              + "'");
    }
    if (uri.getRawUserInfo() != null) {
      // Do not echo the value: the user info may hold a password.
      throw new ConfigException(
          KEY_BASE_URL, "must not contain user info (user:password@); use llm.api-key");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new ConfigException(KEY_BASE_URL, "must name a host, was '" + trimmed + "'");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new ConfigException(
          KEY_BASE_URL, "must not have a query or fragment, was '" + trimmed + "'");
    }
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    return trimmed;
  }

  private static void checkTimeout(String key, Duration value) {
    if (value == null) {
      throw new ConfigException(key, "must be set (e.g. 30s), was null");
    }
    if (value.compareTo(Duration.ofMillis(1)) < 0 || value.compareTo(MAX_TIMEOUT) > 0) {
      throw new ConfigException(
          key, "must be in 1 ms.." + MAX_TIMEOUT.toMinutes() + " min, was " + value);
    }
  }
}
