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

  /**
   * The prompt this generator sends for {@code request}, as chat messages in order; generators that
   * call no LLM return the messages the default {@link io.ragstream.gateway.llm.PromptBuilder}
   * would send, so that every answer can be exported as a fine-tuning example. Used for {@code
   * ragstream.answers} events; must not block.
   */
  default List<io.ragstream.gateway.llm.ChatMessage> prompt(GenerationRequest request) {
    return new io.ragstream.gateway.llm.PromptBuilder().answerMessages(request);
  }

  /**
   * The model that serves a request naming {@code requested} (null or blank = this generator's
   * default), as put on {@code ragstream.answers} events: the name sent to the LLM server (a LoRA
   * adapter's served name when the request names one), or {@code extractive}.
   */
  default String model(String requested) {
    return requested == null || requested.isBlank() ? id() : requested;
  }
}
