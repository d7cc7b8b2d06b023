package io.ragstream.gateway;

import io.ragstream.gateway.answer.AnswerGenerator;
import io.ragstream.gateway.answer.ExtractiveAnswerer;
import io.ragstream.gateway.auth.AuthSettings;
import io.ragstream.gateway.chat.ChatSettings;
import io.ragstream.gateway.metrics.GatewayMetrics;
import java.util.Objects;

/**
 * What the gateway needs beyond search: who may call it, the chat's limits, what writes answers and
 * where its metrics go.
 *
 * @param auth credentials accepted and the anonymous caller, if any
 * @param chat limits of answers and the WebSocket chat
 * @param generator writes answers: an OpenAI-compatible LLM server or the {@link
 *     ExtractiveAnswerer}; the gateway does not close it
 * @param metrics the registry served on {@code GET /metrics}; the gateway does not close it
 */
public record GatewayFeatures(
    AuthSettings auth, ChatSettings chat, AnswerGenerator generator, GatewayMetrics metrics) {
  public GatewayFeatures {
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(chat, "chat");
    Objects.requireNonNull(generator, "generator");
    Objects.requireNonNull(metrics, "metrics");
  }

  /** Features with new {@link GatewayMetrics#create() metrics} of this process. */
  public GatewayFeatures(AuthSettings auth, ChatSettings chat, AnswerGenerator generator) {
    this(auth, chat, generator, GatewayMetrics.create());
  }

  /**
   * Anonymous callers of tenant {@code public}, default limits, the extractive answerer, new
   * metrics.
   */
  public static GatewayFeatures defaults() {
    return new GatewayFeatures(
        AuthSettings.anonymousOnly(), ChatSettings.defaults(), new ExtractiveAnswerer());
  }

  /** A copy with {@link #auth()} replaced. */
  public GatewayFeatures withAuth(AuthSettings value) {
    return new GatewayFeatures(value, chat, generator, metrics);
  }

  /** A copy with {@link #chat()} replaced. */
  public GatewayFeatures withChat(ChatSettings value) {
    return new GatewayFeatures(auth, value, generator, metrics);
  }

  /** A copy with {@link #generator()} replaced. */
  public GatewayFeatures withGenerator(AnswerGenerator value) {
    return new GatewayFeatures(auth, chat, value, metrics);
  }

  /** A copy with {@link #metrics()} replaced. */
  public GatewayFeatures withMetrics(GatewayMetrics value) {
    return new GatewayFeatures(auth, chat, generator, value);
  }
}
