package io.ragstream.gateway.answer;

import io.vertx.core.Future;
import java.util.List;

/**
 * Writes an answer from retrieved passages, citing them as {@code [n]} (the passage's {@link
 * Passage#number()}). Two implementations: an OpenAI-compatible chat-completions server (vLLM,
 * Ollama, llama.cpp server, OpenAI), streamed; and an offline extractive answerer that composes the
 * answer from the passages' most relevant sentences.
 *
 * <p>Implementations must not block the calling thread: they are called on a Vert.x event loop.
 */
public interface AnswerGenerator {

  /** What answers, for responses and logs, e.g. {@code extractive} or {@code openai:llama3}. */
  String id();

  /**
   * Starts generating the answer to {@code request}; the pieces go to {@code listener} on the
   * calling Vert.x context.
   */
  Generation generate(GenerationRequest request, GenerationListener listener);

  /**
   * A standalone search query for {@code followUp} given the conversation so far (e.g. "and its
   * side effects?" after a question on aspirin becomes "side effects of aspirin"). Generators that
   * cannot rewrite (the extractive one) return {@code followUp} unchanged. Fails with a {@link
   * GenerationException}.
   *
   * @param model model or adapter name, or null for the default
   */
  Future<String> standaloneQuery(String followUp, List<Turn> history, String model);
}
