package io.ragstream.gateway.llm;

import java.util.Objects;

/**
 * One entry of a chat-completions {@code messages} array, serialized as {@code {"role": ...,
 * "content": ...}} (OpenAI Chat Completions API).
 *
 * @param role {@value #SYSTEM}, {@value #USER} or {@value #ASSISTANT}
 * @param content the message text
 */
public record ChatMessage(String role, String content) {

  /** Instructions that frame the conversation. */
  public static final String SYSTEM = "system";

  /** What the user said. */
  public static final String USER = "user";

  /** What the model answered. */
  public static final String ASSISTANT = "assistant";

  public ChatMessage {
    if (!SYSTEM.equals(role) && !USER.equals(role) && !ASSISTANT.equals(role)) {
      throw new IllegalArgumentException(
          "role must be system, user or assistant, was '" + role + "'");
    }
    Objects.requireNonNull(content, "content");
  }

  /** A {@value #SYSTEM} message. */
  public static ChatMessage system(String content) {
    return new ChatMessage(SYSTEM, content);
  }

  /** A {@value #USER} message. */
  public static ChatMessage user(String content) {
    return new ChatMessage(USER, content);
  }

  /** An {@value #ASSISTANT} message. */
  public static ChatMessage assistant(String content) {
    return new ChatMessage(ASSISTANT, content);
  }
}
