package io.ragstream.trainer.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a training job as a local child process from a {@link CommandTemplate}.
 *
 * <p>The process starts with {@link ProcessBuilder} (no shell unless the template runs one) in the
 * job directory, with stdout and stderr appended to {@code jobDir/job.log} and the environment of
 * this JVM plus {@code RAGSTREAM_JOB_ID}. It ends as
 *
 * <ul>
 *   <li>{@link JobOutcome.Succeeded} when it exits 0 and the output directory holds a PEFT adapter
 *       ({@link PeftAdapterFiles});
 *   <li>{@link JobOutcome.Failed} when it exits 0 without an adapter (naming the missing files),
 *       exits non-zero (with the code and the last lines of the log) or cannot start;
 *   <li>{@link JobOutcome.TimedOut} when it is still running at {@link JobSpec#deadline()};
 *   <li>{@link JobOutcome.Cancelled} after {@link JobHandle#cancel()}.
 * </ul>
 *
 * <p>Stopping a job stops its process tree: the descendants are listed ({@link
 * ProcessHandle#descendants()}) before the process is signalled (orphans could not be found
 * afterwards), every one gets SIGTERM ({@link ProcessHandle#destroy()}), and those still alive
 * after the kill grace get SIGKILL. The outcome completes when all of them have exited.
 *
 * <p>Thread-safe. One daemon thread times deadlines and kill graces; {@link #close()} stops it.
 */
public final class LocalCommandLauncher implements JobLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(LocalCommandLauncher.class);

  /** Environment variable that carries the job id to the process. */
  public static final String ENV_JOB_ID = "RAGSTREAM_JOB_ID";

  private final CommandTemplate command;
  private final Duration killGrace;
  private final int logTailLines;
  private final Clock clock;
  private final ScheduledExecutorService timer;

  /**
   * @param command the command template
   * @param killGrace how long a stopped process tree gets between SIGTERM and SIGKILL
   * @param logTailLines how many last log lines a failure message carries, {@code >= 1}
   * @param clock measures run times for the messages
   */
  public LocalCommandLauncher(
      CommandTemplate command, Duration killGrace, int logTailLines, Clock clock) {
    this.command = Objects.requireNonNull(command, "command");
    this.killGrace = Objects.requireNonNull(killGrace, "killGrace");
    if (logTailLines < 1) {
      throw new IllegalArgumentException("logTailLines must be >= 1, was " + logTailLines);
    }
    this.logTailLines = logTailLines;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lora-local-launcher");
              t.setDaemon(true);
              return t;
            });
  }

  /** The values of every placeholder for {@code spec}: its local paths. */
  static Map<String, String> placeholderValues(JobSpec spec) {
    return Map.of(
        CommandTemplate.DATASET_DIR, spec.datasetDir().toString(),
        CommandTemplate.TRAIN_FILE, spec.trainFile().toString(),
        CommandTemplate.VALIDATION_FILE, spec.validationFile().toString(),
        CommandTemplate.OUTPUT_DIR, spec.outputDir().toString(),
        CommandTemplate.JOB_ID, spec.jobId(),
        CommandTemplate.BASE_MODEL, spec.baseModel());
  }

  @Override
  public JobHandle launch(JobSpec spec) {
    Objects.requireNonNull(spec, "spec");
    List<String> argv = command.render(placeholderValues(spec));
    LocalJob job = new LocalJob(spec);
    Process process;
    try {
      Files.createDirectories(spec.jobDir());
      Files.createDirectories(spec.outputDir());
      ProcessBuilder builder =
          new ProcessBuilder(argv)
              .directory(spec.jobDir().toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.logFile().toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
      builder.environment().put(ENV_JOB_ID, spec.jobId());
      process = builder.start();
    } catch (IOException | RuntimeException e) {
      LOG.warn("job {} could not start {}: {}", spec.jobId(), argv, e.toString());
      job.outcome.complete(
          new JobOutcome.Failed(null, "could not start " + argv.get(0) + ": " + e.getMessage()));
      return job;
    }
    LOG.info("job {} started as pid {}: {}", spec.jobId(), process.pid(), argv);
    job.start(process);
    return job;
  }

  private static java.io.File nullDevice() {
    return new java.io.File(
        System.getProperty("os.name", "").startsWith("Windows") ? "NUL" : "/dev/null");
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  private enum Stop {
    TIMED_OUT,
    CANCELLED
  }

  private final class LocalJob implements JobHandle {
    private final JobSpec spec;
    private final CompletableFuture<JobOutcome> outcome = new CompletableFuture<>();
    private final AtomicReference<Stop> stop = new AtomicReference<>();
    private volatile Process process;

    /** Completes when a stopped process tree has exited (set up by {@link #stopTree}). */
    private final CompletableFuture<Void> treeGone = new CompletableFuture<>();

    private Instant startedAt;
    private ScheduledFuture<?> deadlineTimer;

    LocalJob(JobSpec spec) {
      this.spec = spec;
    }

    void start(Process p) {
      this.process = p;
      this.startedAt = clock.instant();
      deadlineTimer =
          timer.schedule(
              () -> stop(Stop.TIMED_OUT), spec.deadline().toMillis(), TimeUnit.MILLISECONDS);
      p.onExit().thenAccept(this::exited);
    }

    @Override
    public String jobId() {
      return spec.jobId();
    }

    @Override
    public CompletableFuture<JobOutcome> outcome() {
      return outcome;
    }

    @Override
    public void cancel() {
      stop(Stop.CANCELLED);
    }

    private void stop(Stop why) {
      if (outcome.isDone() || !stop.compareAndSet(null, why)) {
        return;
      }
      Process p = process;
      if (p != null) {
        LOG.info("job {}: stopping pid {} ({})", spec.jobId(), p.pid(), why);
        stopTree(p);
      }
    }

    private void stopTree(Process p) {
      List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
      tree.add(p.toHandle());
      tree.forEach(ProcessHandle::destroy);
      List<CompletableFuture<ProcessHandle>> exits = new ArrayList<>();
      for (ProcessHandle h : tree) {
        exits.add(h.onExit());
      }
      CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new))
          .whenComplete((v, e) -> treeGone.complete(null));
      try {
        timer.schedule(
            () ->
                tree.stream()
                    .filter(ProcessHandle::isAlive)
                    .forEach(
                        h -> {
                          LOG.warn(
                              "job {}: pid {} survived SIGTERM, killing", spec.jobId(), h.pid());
                          h.destroyForcibly();
                        }),
            killGrace.toMillis(),
            TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        tree.forEach(ProcessHandle::destroyForcibly); // launcher closed: no grace
      }
    }

    private void exited(Process p) {
      deadlineTimer.cancel(false);
      Stop why = stop.get();
      if (why == null) {
        outcome.complete(finished(p.exitValue()));
        return;
      }
      treeGone.whenComplete(
          (v, e) ->
              outcome.complete(
                  why == Stop.TIMED_OUT
                      ? new JobOutcome.TimedOut(
                          spec.deadline(),
                          "stopped pid "
                              + p.pid()
                              + " and its children after the deadline of "
                              + spec.deadline().toSeconds()
                              + " s")
                      : new JobOutcome.Cancelled(
                          "cancelled; stopped pid " + p.pid() + " and its children")));
    }

    private JobOutcome finished(int exitCode) {
      long seconds = Duration.between(startedAt, clock.instant()).toSeconds();
      if (exitCode != 0) {
        return new JobOutcome.Failed(
            exitCode,
            "exit code "
                + exitCode
                + " after "
                + seconds
                + " s; last lines of "
                + spec.logFile()
                + ":\n"
                + LogTail.of(spec.logFile(), logTailLines));
      }
      List<String> missing = PeftAdapterFiles.missing(spec.outputDir());
      if (!missing.isEmpty()) {
        return new JobOutcome.Failed(
            0,
            "exit code 0 but "
                + spec.outputDir()
                + " lacks "
                + String.join(" and ", missing)
                + " (a PEFT adapter needs "
                + PeftAdapterFiles.CONFIG
                + " and "
                + PeftAdapterFiles.WEIGHTS
                + "); last lines of "
                + spec.logFile()
                + ":\n"
                + LogTail.of(spec.logFile(), logTailLines));
      }
      return new JobOutcome.Succeeded(
          spec.outputDir(), "exit code 0 after " + seconds + " s; adapter in " + spec.outputDir());
    }
  }
}
