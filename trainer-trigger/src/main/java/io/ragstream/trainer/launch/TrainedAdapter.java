package io.ragstream.trainer.launch;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * A PEFT LoRA adapter a job produced, to be registered.
 *
 * @param jobId the job that trained it
 * @param baseModel the model it adapts
 * @param directory the job's output directory ({@code adapter_config.json}, {@code
 *     adapter_model.safetensors})
 * @param metrics figures by name ({@code train.seconds}, {@code dataset.examples}, ...); never null
 * @param datasetSources what the dataset was exported from (manifest {@code sources})
 */
public record TrainedAdapter(
    String jobId,
    String baseModel,
    Path directory,
    Map<String, Double> metrics,
    Map<String, String> datasetSources) {
  public TrainedAdapter {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(baseModel, "baseModel");
    Objects.requireNonNull(directory, "directory");
    metrics = Map.copyOf(metrics);
    datasetSources = Map.copyOf(datasetSources);
  }
}
