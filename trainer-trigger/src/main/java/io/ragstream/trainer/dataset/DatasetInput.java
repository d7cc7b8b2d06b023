package io.ragstream.trainer.dataset;

import io.ragstream.core.event.AnswerEvent;
import io.ragstream.core.event.FeedbackEvent;
import java.util.List;
import java.util.Map;

/**
 * The events a chat dataset is exported from, in the order they were read (Kafka partition order
 * within a partition, partitions one after another).
 *
 * @param answers answer events; never null
 * @param feedback feedback events; never null
 * @param sources what was read, by role ({@code answers}, {@code feedback}), as {@link
 *     TopicPositions} text (e.g. {@code ragstream.feedback@0:120,1:98}) or a free description for
 *     in-memory input; never null
 * @param malformed records that could not be parsed as their event type and were left out (they are
 *     counted in the manifest, never dropped silently), {@code >= 0}
 */
public record DatasetInput(
    List<AnswerEvent> answers,
    List<FeedbackEvent> feedback,
    Map<String, String> sources,
    int malformed) {

  public DatasetInput {
    answers = List.copyOf(answers);
    feedback = List.copyOf(feedback);
    sources = Map.copyOf(sources);
    if (malformed < 0) {
      throw new IllegalArgumentException("malformed must be >= 0, was " + malformed);
    }
  }

  /** In-memory input (tests, replays): sources {@code answers=memory, feedback=memory}. */
  public static DatasetInput of(List<AnswerEvent> answers, List<FeedbackEvent> feedback) {
    return new DatasetInput(
        answers, feedback, Map.of("answers", "memory", "feedback", "memory"), 0);
  }
}
