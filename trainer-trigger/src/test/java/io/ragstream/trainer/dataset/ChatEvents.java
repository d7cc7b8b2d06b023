package io.ragstream.trainer.dataset;

import io.ragstream.core.event.AnswerEvent;
import io.ragstream.core.event.FeedbackEvent;
import java.util.List;
import java.util.UUID;

/** Answer and feedback events for tests. */
public final class ChatEvents {
  private ChatEvents() {}

  /** A deterministic query id for {@code n}. */
  public static String queryId(int n) {
    return UUID.nameUUIDFromBytes(("q" + n).getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .toString();
  }

  /** A generated (vLLM) answer to query {@code n} citing {@code cited}. */
  public static AnswerEvent answer(int n, String answer, String... cited) {
    return answerBy("llama3.2", n, answer, cited);
  }

  /** An answer by {@code model} to query {@code n} citing {@code cited}. */
  public static AnswerEvent answerBy(String model, int n, String answer, String... cited) {
    return new AnswerEvent(
        queryId(n),
        "answer",
        "acme",
        "alice",
        List.of(
            new AnswerEvent.Message("system", "Answer from the passages; cite them as [n]."),
            new AnswerEvent.Message(
                "user", "[1] Bees dance.\n[2] Ants use \"pheromones\".\n\nQuestion " + n + "?")),
        answer,
        List.of(cited),
        model,
        1_763_900_000_000L + n);
  }

  /** A judgement of {@code documentId} for query {@code n} by tenant acme. */
  public static FeedbackEvent feedback(int n, String documentId, boolean relevant) {
    return feedback(n, "acme", documentId, relevant);
  }

  /** A judgement of {@code documentId} for query {@code n} by {@code tenant}. */
  public static FeedbackEvent feedback(int n, String tenant, String documentId, boolean relevant) {
    return new FeedbackEvent(
        queryId(n), documentId, relevant, tenant, "bob", 1_763_900_100_000L + n, null);
  }
}
