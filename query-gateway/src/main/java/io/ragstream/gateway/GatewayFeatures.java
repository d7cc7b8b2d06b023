package io.ragstream.gateway;

import io.ragstream.gateway.answer.AnswerGenerator;
import io.ragstream.gateway.answer.ExtractiveAnswerer;
import io.ragstream.gateway.auth.AuthSettings;
import io.ragstream.gateway.chat.ChatSettings;
import java.util.Objects;

/**
 * What the gateway needs beyond search: who may call it, the chat's limits, and what writes
 * answers.
 *
 * @param auth credentials accepted and the anonymous caller, if any
 * @param chat limits of answers and the WebSocket chat
 * @param generator writes answers: an OpenAI-compatible LLM server or the {@link
 *     ExtractiveAnswerer}; the gateway does not close it
 */
public record GatewayFeatures(AuthSettings auth, ChatSettings chat, AnswerGenerator generator) {
  public GatewayFeatures {
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(chat, "chat");
    Objects.requireNonNull(generator, "generator");
  }

  /** Anonymous callers of tenant {@code public}, default limits, the extractive answerer. */
  public static GatewayFeatures defaults() {
    return new GatewayFeatures(
        AuthSettings.anonymousOnly(), ChatSettings.defaults(), new ExtractiveAnswerer());
  }

  /** A copy with {@link #auth()} replaced. */
  public GatewayFeatures withAuth(AuthSettings value) {
    return new GatewayFeatures(value, chat, generator);
  }

  /** A copy with {@link #chat()} replaced. */
  public GatewayFeatures withChat(ChatSettings value) {
    return new GatewayFeatures(auth, value, generator);
  }

  /** A copy with {@link #generator()} replaced. */
  public GatewayFeatures withGenerator(AnswerGenerator value) {
    return new GatewayFeatures(auth, chat, value);
  }
}
