package io.ragstream.trainer.launch;

import io.ragstream.core.event.QueryEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One external LLM LoRA training job to launch: its dataset, where the adapter goes, its deadline.
 *
 * <p>Paths are local to the trainer service. A launcher that runs the job elsewhere (a Kubernetes
 * pod) maps them onto its own mount (see {@link KubernetesJobLauncher}).
 *
 * @param jobId the {@link io.ragstream.core.event.TrainingJobRequest#jobId()}, a UUID
 * @param baseModel the model the adapter is trained on (a Hugging Face id or a path the trainer
 *     understands); never blank
 * @param jobDir the job's own directory (holds the log and, below it, dataset and output)
 * @param datasetDir the exported dataset's directory
 * @param trainFile the train JSONL
 * @param validationFile the validation JSONL (may be empty)
 * @param outputDir where the job must write the PEFT adapter ({@code adapter_config.json} and
 *     {@code adapter_model.safetensors})
 * @param deadline longest run time, positive; past it the job is stopped as TIMED_OUT
 * @throws IllegalArgumentException from the constructor, naming the field, when a value is invalid
 */
public record JobSpec(
    String jobId,
    String baseModel,
    Path jobDir,
    Path datasetDir,
    Path trainFile,
    Path validationFile,
    Path outputDir,
    Duration deadline) {

  private static final Pattern JOB_ID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  /** Name of the job's log file in {@link #jobDir()}. */
  public static final String LOG_FILE = "job.log";

  public JobSpec {
    if (jobId == null || !JOB_ID.matcher(jobId).matches()) {
      throw new IllegalArgumentException(
          "jobId must be a UUID in canonical lowercase form, was '" + jobId + "'");
    }
    QueryEvent.requireNotBlank("baseModel", baseModel);
    Objects.requireNonNull(jobDir, "jobDir");
    Objects.requireNonNull(datasetDir, "datasetDir");
    Objects.requireNonNull(trainFile, "trainFile");
    Objects.requireNonNull(validationFile, "validationFile");
    Objects.requireNonNull(outputDir, "outputDir");
    Objects.requireNonNull(deadline, "deadline");
    if (deadline.isZero() || deadline.isNegative()) {
      throw new IllegalArgumentException("deadline must be positive, was " + deadline);
    }
  }

  /** {@code jobDir/job.log}: the job's stdout and stderr (local launcher). */
  public Path logFile() {
    return jobDir.resolve(LOG_FILE);
  }
}
