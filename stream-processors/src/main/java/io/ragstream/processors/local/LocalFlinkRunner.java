package io.ragstream.processors.local;

import io.ragstream.processors.indexing.DocumentIndexingJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link DocumentIndexingJob} on Flink's MiniCluster in this JVM, with checkpoints under a
 * data directory that are retained on cancellation; on start it restores the newest completed
 * checkpoint, so a restart resumes with the job's state and Kafka offsets (the Flink equivalent of
 * {@code flink run -s <checkpoint>}).
 */
public final class LocalFlinkRunner {
  private static final Logger LOG = LoggerFactory.getLogger(LocalFlinkRunner.class);

  private LocalFlinkRunner() {}

  /**
   * Starts the job and returns its client (cancel it to stop).
   *
   * @param checkpointDir directory of retained checkpoints (created if missing)
   * @param checkpointInterval checkpoint interval
   * @param parallelism job parallelism
   */
  public static JobClient start(
      DocumentIndexingJob job, Path checkpointDir, Duration checkpointInterval, int parallelism)
      throws Exception {
    return start(job, checkpointDir, checkpointInterval, parallelism, null);
  }

  /**
   * Starts the job as {@link #start(DocumentIndexingJob, Path, Duration, int)} and, when {@code
   * metricsRegistryId} is not null, reports its metrics to the Micrometer registry bound to that id
   * ({@link MicrometerReporter#bind}).
   */
  public static JobClient start(
      DocumentIndexingJob job,
      Path checkpointDir,
      Duration checkpointInterval,
      int parallelism,
      String metricsRegistryId)
      throws Exception {
    Files.createDirectories(checkpointDir);
    Configuration conf = new Configuration();
    if (metricsRegistryId != null) {
      MicrometerReporter.configure(conf, metricsRegistryId);
    }
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir.toUri().toString());
    conf.set(
        CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    conf.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 2);
    conf.set(PipelineOptions.OBJECT_REUSE, true);
    latestCheckpoint(checkpointDir)
        .ifPresent(
            p -> {
              LOG.info("Restoring the indexing job from checkpoint {}", p);
              conf.set(StateRecoveryOptions.SAVEPOINT_PATH, p.toUri().toString());
            });
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    env.setBufferTimeout(5); // ms: a change should not wait for a network buffer to fill
    job.addTo(env);
    return env.executeAsync("ragstream-document-indexing");
  }

  /** The newest completed checkpoint ({@code <job>/chk-N} holding {@code _metadata}), if any. */
  public static Optional<Path> latestCheckpoint(Path checkpointDir) {
    if (!Files.isDirectory(checkpointDir)) return Optional.empty();
    try (Stream<Path> s =
        Files.find(
            checkpointDir,
            2,
            (p, a) ->
                p.getFileName().toString().startsWith("chk-")
                    && Files.exists(p.resolve("_metadata")))) {
      return s.max(Comparator.comparingLong(LocalFlinkRunner::modified));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoints in " + checkpointDir, e);
    }
  }

  private static long modified(Path p) {
    try {
      return Files.getLastModifiedTime(p.resolve("_metadata")).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }
}
