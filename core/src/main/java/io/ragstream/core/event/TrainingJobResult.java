package io.ragstream.core.event;

import static io.ragstream.core.event.QueryEvent.requireNotBlank;

import java.util.Objects;

/**
 * How a {@link TrainingJobRequest} ended, as published on {@code ragstream.training-results} (Kafka
 * key = {@link #kind()} name, the same as its request; JSON by {@link io.ragstream.core.json.Json};
 * contract in docs/contracts.md). The trainer trigger counts a job as running from its request
 * until its result (or until its configured job timeout).
 *
 * @param jobId the {@link TrainingJobRequest#jobId()}
 * @param kind the request's kind
 * @param outcome how it ended
 * @param adapterId the registered adapter when {@link Outcome#SUCCEEDED}; {@code null} otherwise
 * @param message what happened, human-readable (for a failure: the reason, e.g. the exit code and
 *     the last lines of the job's log); never blank
 * @param startedAt when the job started, epoch ms, {@code >= 0}
 * @param endedAt when it ended, epoch ms, {@code >= startedAt}
 * @throws IllegalArgumentException from the constructor, naming the field, when a value breaks the
 *     rules above
 */
public record TrainingJobResult(
    String jobId,
    AdapterKind kind,
    Outcome outcome,
    String adapterId,
    String message,
    long startedAt,
    long endedAt) {

  /** How a training job ended. */
  public enum Outcome {
    /** An adapter was trained and registered (whether the gate then promoted it or not). */
    SUCCEEDED,
    /** The job failed (non-zero exit, exception, failed Kubernetes Job). */
    FAILED,
    /** The job ran past its deadline and was stopped. */
    TIMED_OUT,
    /** The job was cancelled. */
    CANCELLED
  }

  public TrainingJobResult {
    QueryEvent.requireQueryId(jobId);
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(outcome, "outcome");
    if (outcome == Outcome.SUCCEEDED) {
      requireNotBlank("adapterId", adapterId);
    } else if (adapterId != null) {
      throw new IllegalArgumentException("adapterId must be null when outcome is " + outcome);
    }
    requireNotBlank("message", message);
    if (startedAt < 0) {
      throw new IllegalArgumentException("startedAt must be >= 0, was " + startedAt);
    }
    if (endedAt < startedAt) {
      throw new IllegalArgumentException(
          "endedAt must be >= startedAt, was " + endedAt + " < " + startedAt);
    }
  }
}
