package io.ragstream.trainer.dataset;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A chat dataset on disk, as {@link ChatDatasetExporter} wrote it.
 *
 * @param dir the dataset directory
 * @param trainFile {@code dir/train.jsonl}
 * @param validationFile {@code dir/validation.jsonl} (may hold no line)
 * @param manifestFile {@code dir/manifest.json}
 * @param manifest the manifest's content
 */
public record ChatDataset(
    Path dir, Path trainFile, Path validationFile, Path manifestFile, DatasetManifest manifest) {
  public ChatDataset {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(trainFile, "trainFile");
    Objects.requireNonNull(validationFile, "validationFile");
    Objects.requireNonNull(manifestFile, "manifestFile");
    Objects.requireNonNull(manifest, "manifest");
  }

  /** Number of examples ({@code train + validation}). */
  public int examples() {
    return manifest.counts().examples();
  }
}
