package io.ragstream.trainer.launch;

import io.ragstream.core.event.TrainingJobResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/** How a launched job ended; each case maps onto a {@link TrainingJobResult.Outcome}. */
public sealed interface JobOutcome
    permits JobOutcome.Succeeded, JobOutcome.Failed, JobOutcome.TimedOut, JobOutcome.Cancelled {

  /** The matching outcome of the result contract. */
  TrainingJobResult.Outcome outcome();

  /** What happened, human-readable; never blank. */
  String message();

  /**
   * The job finished and left a PEFT adapter.
   *
   * @param adapterDir the directory with {@code adapter_config.json} and {@code
   *     adapter_model.safetensors}
   * @param message e.g. {@code exit code 0 after 812 s}
   */
  record Succeeded(Path adapterDir, String message) implements JobOutcome {
    public Succeeded {
      Objects.requireNonNull(adapterDir, "adapterDir");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public TrainingJobResult.Outcome outcome() {
      return TrainingJobResult.Outcome.SUCCEEDED;
    }
  }

  /**
   * The job failed: it could not start, exited non-zero, left no adapter, or Kubernetes marked it
   * failed.
   *
   * @param exitCode the process's exit code, or {@code null} when there is none
   * @param message the reason, with the last lines of the log where there is one
   */
  record Failed(Integer exitCode, String message) implements JobOutcome {
    public Failed {
      Objects.requireNonNull(message, "message");
    }

    @Override
    public TrainingJobResult.Outcome outcome() {
      return TrainingJobResult.Outcome.FAILED;
    }
  }

  /**
   * The job ran past its deadline and was stopped.
   *
   * @param deadline the deadline it had
   * @param message what was stopped
   */
  record TimedOut(Duration deadline, String message) implements JobOutcome {
    public TimedOut {
      Objects.requireNonNull(deadline, "deadline");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public TrainingJobResult.Outcome outcome() {
      return TrainingJobResult.Outcome.TIMED_OUT;
    }
  }

  /**
   * The job was cancelled and stopped.
   *
   * @param message what was stopped
   */
  record Cancelled(String message) implements JobOutcome {
    public Cancelled {
      Objects.requireNonNull(message, "message");
    }

    @Override
    public TrainingJobResult.Outcome outcome() {
      return TrainingJobResult.Outcome.CANCELLED;
    }
  }
}
