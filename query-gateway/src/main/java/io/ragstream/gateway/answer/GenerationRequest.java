package io.ragstream.gateway.answer;

import java.util.List;
import java.util.Objects;

/**
 * What a generator answers from.
 *
 * @param question the user's question (already rewritten into a standalone query if it was a
 *     follow-up)
 * @param passages the retrieved chunks the answer may cite, numbered from 1; may be empty (the
 *     generator then says it found nothing)
 * @param history earlier turns of the conversation, oldest first; may be empty
 * @param model model or LoRA adapter name for this request, or null for the generator's default
 */
public record GenerationRequest(
    String question, List<Passage> passages, List<Turn> history, String model) {
  public GenerationRequest {
    if (question == null || question.isBlank()) {
      throw new IllegalArgumentException("question must not be blank");
    }
    passages = List.copyOf(Objects.requireNonNull(passages, "passages"));
    history = List.copyOf(Objects.requireNonNull(history, "history"));
  }
}
