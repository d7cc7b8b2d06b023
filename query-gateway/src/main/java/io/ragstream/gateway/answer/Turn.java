package io.ragstream.gateway.answer;

import java.util.Objects;

/**
 * One earlier exchange of a conversation, oldest first in a history.
 *
 * @param question what the user asked
 * @param answer what the platform answered (citation markers included)
 */
public record Turn(String question, String answer) {
  public Turn {
    Objects.requireNonNull(question, "question");
    Objects.requireNonNull(answer, "answer");
  }
}
