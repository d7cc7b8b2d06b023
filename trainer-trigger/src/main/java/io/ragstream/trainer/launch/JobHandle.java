package io.ragstream.trainer.launch;

import java.util.concurrent.CompletableFuture;

/** A launched job: watch it through {@link #outcome()}, stop it with {@link #cancel()}. */
public interface JobHandle {

  /** The job's id ({@link JobSpec#jobId()}). */
  String jobId();

  /**
   * Completes once with how the job ended, after what it ran is gone (the process tree has exited,
   * or the Kubernetes Job is deleted or finished). It never completes exceptionally: a failure of
   * the launcher itself is a {@link JobOutcome.Failed}. Completion runs on a launcher thread; do
   * not block in callbacks.
   */
  CompletableFuture<JobOutcome> outcome();

  /**
   * Asks the job to stop; {@link #outcome()} then completes with {@link JobOutcome.Cancelled}
   * unless it had already ended otherwise. Idempotent, non-blocking, thread-safe.
   */
  void cancel();
}
