package io.ragstream.trainer.launch;

import java.nio.file.Path;
import java.util.Objects;

/**
 * An adapter as the registry keeps it.
 *
 * @param adapterId its id in the registry; used in the vLLM name and in {@link
 *     io.ragstream.core.event.TrainingJobResult#adapterId()}
 * @param directory where the registry keeps its files
 */
public record RegisteredAdapter(String adapterId, Path directory) {
  public RegisteredAdapter {
    if (adapterId == null || adapterId.isBlank()) {
      throw new IllegalArgumentException("adapterId must not be blank");
    }
    Objects.requireNonNull(directory, "directory");
  }
}
