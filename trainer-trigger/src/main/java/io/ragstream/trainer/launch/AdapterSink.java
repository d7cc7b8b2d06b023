package io.ragstream.trainer.launch;

/**
 * Where a trained LLM adapter is registered: the seam to the platform's adapter registry (which
 * also announces it on {@code ragstream.adapters}). {@link DirectoryAdapterSink} keeps adapters in
 * a directory.
 *
 * <p>Blocking; called from the job's thread, once per successful job.
 */
@FunctionalInterface
public interface AdapterSink {

  /**
   * Copies (or moves) the adapter into the registry and gives it an id that is never given again.
   *
   * @return the registered adapter
   * @throws io.ragstream.core.error.RagstreamException or {@link java.io.UncheckedIOException} when
   *     it cannot be registered
   */
  RegisteredAdapter register(TrainedAdapter adapter);
}
