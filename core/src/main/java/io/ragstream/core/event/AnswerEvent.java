package io.ragstream.core.event;

import static io.ragstream.core.event.QueryEvent.requireNotBlank;

import java.util.List;
import java.util.Objects;

/**
 * One generated answer, as published on {@code ragstream.answers} (Kafka key = {@link #queryId()},
 * the same as its {@link QueryEvent}; JSON by {@link io.ragstream.core.json.Json}; contract in
 * docs/contracts.md). It carries the exact prompt the generator saw, so that answers with positive
 * feedback can be exported as a chat-format fine-tuning dataset for an LLM LoRA job.
 *
 * @param queryId the {@link QueryEvent#queryId()} of the retrieval the answer was built on
 * @param kind {@link QueryEvent#ANSWER} or {@link QueryEvent#CHAT}
 * @param tenant the caller's tenant; never blank
 * @param subject the caller; never blank
 * @param messages the prompt as sent to the generator, in order (system, earlier turns, the user
 *     turn with its passages); at least one
 * @param answer the generated answer text, citations included; never blank
 * @param citedDocumentIds the document ids the answer cites, in order of first citation; never null
 * @param model the generator: the LLM model name as sent to the OpenAI-compatible server (with its
 *     LoRA adapter name when one served the request), or {@code extractive} for the offline
 *     answerer; never blank
 * @param at when the answer was complete, epoch ms, {@code >= 0}
 * @throws IllegalArgumentException from the constructor, naming the field, when a value breaks the
 *     rules above
 */
public record AnswerEvent(
    String queryId,
    String kind,
    String tenant,
    String subject,
    List<Message> messages,
    String answer,
    List<String> citedDocumentIds,
    String model,
    long at) {

  /** {@link #model()} of the offline extractive answerer. */
  public static final String EXTRACTIVE = "extractive";

  /**
   * One prompt message in the OpenAI chat format.
   *
   * @param role {@code system}, {@code user} or {@code assistant}
   * @param content the text; never null
   */
  public record Message(String role, String content) {
    /** The valid roles. */
    public static final List<String> ROLES = List.of("system", "user", "assistant");

    public Message {
      if (role == null || !ROLES.contains(role)) {
        throw new IllegalArgumentException(
            "role must be one of " + String.join(", ", ROLES) + ", was " + role);
      }
      Objects.requireNonNull(content, "content");
    }
  }

  public AnswerEvent {
    QueryEvent.requireQueryId(queryId);
    if (!QueryEvent.ANSWER.equals(kind) && !QueryEvent.CHAT.equals(kind)) {
      throw new IllegalArgumentException("kind must be answer or chat, was " + kind);
    }
    requireNotBlank("tenant", tenant);
    requireNotBlank("subject", subject);
    if (messages == null || messages.isEmpty()) {
      throw new IllegalArgumentException("messages must not be empty");
    }
    messages = List.copyOf(messages);
    requireNotBlank("answer", answer);
    citedDocumentIds = citedDocumentIds == null ? List.of() : List.copyOf(citedDocumentIds);
    requireNotBlank("model", model);
    if (at < 0) {
      throw new IllegalArgumentException("at must be >= 0, was " + at);
    }
  }

  /** Ids and sizes only: no prompt or answer text. */
  @Override
  public String toString() {
    return "AnswerEvent[queryId="
        + queryId
        + ", kind="
        + kind
        + ", tenant="
        + tenant
        + ", subject="
        + subject
        + ", messages="
        + messages.size()
        + ", answer=<"
        + answer.length()
        + " chars>, cited="
        + citedDocumentIds
        + ", model="
        + model
        + ", at="
        + at
        + "]";
  }
}
