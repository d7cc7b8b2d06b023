package io.ragstream.trainer.launch;

/**
 * Starts external LLM LoRA training jobs: a local process ({@link LocalCommandLauncher}) or a
 * Kubernetes Job ({@link KubernetesJobLauncher}).
 *
 * <p>Contract: {@link #launch} returns quickly (it does not wait for the job), is thread-safe, and
 * does not throw for a job that cannot start: the handle's outcome is then a {@link
 * JobOutcome.Failed} naming why. A {@link JobOutcome.Succeeded} always points at a directory that
 * holds a PEFT adapter ({@link PeftAdapterFiles}). Past {@link JobSpec#deadline()} the job is
 * stopped and ends {@link JobOutcome.TimedOut}; {@link JobHandle#cancel()} ends it {@link
 * JobOutcome.Cancelled}.
 */
public interface JobLauncher extends AutoCloseable {

  /**
   * Starts {@code spec}'s job.
   *
   * @return the handle to watch and cancel it; never null
   * @throws NullPointerException when {@code spec} is null
   */
  JobHandle launch(JobSpec spec);

  /** Releases the launcher's threads and clients; running jobs are not stopped. */
  @Override
  void close();
}
