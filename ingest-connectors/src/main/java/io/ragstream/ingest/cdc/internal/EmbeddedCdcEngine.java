package io.ragstream.ingest.cdc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.debezium.engine.spi.OffsetCommitPolicy;
import io.ragstream.core.error.RagstreamException;
import io.ragstream.ingest.cdc.CdcRecord;
import io.ragstream.ingest.cdc.CdcRecordSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle every CDC source shares: one Debezium embedded (async) engine whose JSON change
 * events are written to a {@link CdcRecordSink} batch by batch, at least once, with the initial
 * snapshot's progress and the engine's failure exposed as futures.
 *
 * <p>Each batch is written to the sink and acknowledged <em>before</em> it is marked processed, and
 * offsets are committed after every batch ({@link OffsetCommitPolicy#always()}); a crash replays at
 * most the unacknowledged batches. Records for Debezium's notification topic are consumed here
 * ({@code Initial Snapshot} notifications drive {@link #snapshotCompleted()}); records for the
 * other {@code internalTopics} are dropped; everything else goes to the sink.
 *
 * <p>Errors are never swallowed: a failure of the engine or of the sink stops the engine and
 * completes {@link #terminated()} exceptionally (and {@link #snapshotCompleted()} if still
 * pending). {@link #start} and {@link #close()} may be called from any thread; the engine runs on
 * its own thread. The sink is not owned.
 */
public final class EmbeddedCdcEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedCdcEngine.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);
  private static final String INITIAL_SNAPSHOT = "Initial Snapshot";

  private enum State {
    NEW,
    STARTED,
    CLOSED
  }

  private final String name;
  private final Properties properties;
  private final String notificationTopic;
  private final Set<String> droppedTopics;
  private final CdcRecordSink sink;
  private final CompletableFuture<Void> snapshotCompleted = new CompletableFuture<>();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final AtomicReference<Throwable> batchFailure = new AtomicReference<>();
  private final AtomicLong recordsWritten = new AtomicLong();
  private final AtomicLong recordsDropped = new AtomicLong();
  private State state = State.NEW;
  private DebeziumEngine<ChangeEvent<String, String>> engine;
  private ExecutorService executor;

  /**
   * An engine that is not started yet.
   *
   * @param name what the logs, errors and the engine thread call this source (e.g. the slot)
   * @param properties the Debezium engine properties (JSON converter, file offsets, ...)
   * @param notificationTopic the {@code notification.sink.topic.name} of {@code properties}
   * @param droppedTopics other Debezium-internal topics whose records are not written to the sink
   * @param sink where change events go; not closed by this engine
   */
  public EmbeddedCdcEngine(
      String name,
      Properties properties,
      String notificationTopic,
      Set<String> droppedTopics,
      CdcRecordSink sink) {
    this.name = name;
    this.properties = properties;
    this.notificationTopic = notificationTopic;
    this.droppedTopics = Set.copyOf(droppedTopics);
    this.sink = sink;
  }

  /**
   * Runs {@code preflight} (the source's checks of its database), creates the parent directories of
   * {@code files} and starts the engine in the background; returns once it runs.
   *
   * @throws IllegalStateException when called twice or after {@link #close()}
   * @throws RuntimeException whatever {@code preflight} throws; the engine is then not started
   */
  public synchronized void start(Runnable preflight, List<Path> files) {
    if (state != State.NEW) {
      throw new IllegalStateException("CDC source can be started once, state is " + state);
    }
    preflight.run();
    for (Path file : files) {
      Path dir = file.toAbsolutePath().getParent();
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create directory " + dir, e);
      }
    }
    engine =
        DebeziumEngine.create(Json.class)
            .using(properties)
            .using(OffsetCommitPolicy.always())
            .using(this::onCompletion)
            .notifying(this::handleBatch)
            .build();
    executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "ragstream-cdc-" + name);
              t.setDaemon(true);
              return t;
            });
    executor.execute(engine);
    state = State.STARTED;
  }

  /** True between {@link #start} and {@link #close()}. */
  public synchronized boolean running() {
    return state == State.STARTED;
  }

  /**
   * Completes when the initial snapshot has been written to the sink and acknowledged, or right
   * after start when the offsets show it was done before ({@code Initial Snapshot} notification
   * {@code COMPLETED} or {@code SKIPPED}). Completes exceptionally when the snapshot is aborted,
   * the engine fails, or the engine is closed first.
   */
  public CompletableFuture<Void> snapshotCompleted() {
    return snapshotCompleted;
  }

  /**
   * Completes normally when the engine stopped after {@link #close()}, exceptionally with a {@link
   * RagstreamException} (cause: the original error) when the engine or the sink failed.
   */
  public CompletableFuture<Void> terminated() {
    return terminated;
  }

  /** Number of change events written to the sink and acknowledged since {@link #start}. */
  /**
   * Number of records of the dropped topics (e.g. heartbeats) acknowledged without being written to
   * the sink since {@link #start}.
   */
  public long recordsDropped() {
    return recordsDropped.get();
  }

  public long recordsWritten() {
    return recordsWritten.get();
  }

  /**
   * Stops the engine and waits (up to 60 s) for it; offsets of acknowledged batches are kept.
   * Idempotent. Does not close the sink.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (state == State.CLOSED) {
        return;
      }
      boolean started = state == State.STARTED;
      state = State.CLOSED;
      if (!started) {
        return;
      }
    }
    try {
      stopEngine();
      terminated.get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      // already reported through terminated()
    } catch (TimeoutException e) {
      throw new RagstreamException(
          "CDC engine " + name + " did not stop within " + CLOSE_TIMEOUT, e);
    } finally {
      executor.shutdownNow();
    }
    LOG.info("CDC source stopped ({}), {} records written", name, recordsWritten);
  }

  private void handleBatch(
      List<ChangeEvent<String, String>> events,
      DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer)
      throws InterruptedException {
    List<CdcRecord> batch = new ArrayList<>(events.size());
    List<String> snapshotStatuses = new ArrayList<>();
    for (ChangeEvent<String, String> e : events) {
      if (notificationTopic.equals(e.destination())) {
        String status = initialSnapshotStatus(e.value());
        if (status != null) {
          snapshotStatuses.add(status);
        }
        continue;
      }
      if (droppedTopics.contains(e.destination())) {
        recordsDropped.incrementAndGet(); // acknowledged below, so the source position advances
        continue;
      }
      batch.add(new CdcRecord(e.destination(), e.key(), e.value()));
    }
    try {
      sink.write(batch);
    } catch (RuntimeException e) {
      batchFailure.compareAndSet(null, e);
      throw e;
    }
    for (ChangeEvent<String, String> e : events) {
      committer.markProcessed(e);
    }
    committer.markBatchFinished();
    recordsWritten.addAndGet(batch.size());
    LOG.debug("CDC batch of {} records acknowledged", batch.size());
    for (String status : snapshotStatuses) {
      onSnapshotStatus(status);
    }
  }

  private void onSnapshotStatus(String status) {
    switch (status) {
      case "COMPLETED", "SKIPPED" -> {
        LOG.info("Initial snapshot {} ({})", status.toLowerCase(), name);
        snapshotCompleted.complete(null);
      }
      case "ABORTED" ->
          snapshotCompleted.completeExceptionally(
              new RagstreamException("initial snapshot aborted (" + name + ")"));
      default -> LOG.info("Initial snapshot {} ({})", status, name);
    }
  }

  /** The {@code type} of an {@code Initial Snapshot} notification, or null for other ones. */
  private static String initialSnapshotStatus(String json) {
    if (json == null) {
      return null;
    }
    try {
      JsonNode n = io.ragstream.core.json.Json.mapper().readTree(json);
      return INITIAL_SNAPSHOT.equals(n.path("aggregate_type").asText())
          ? n.path("type").asText()
          : null;
    } catch (IOException e) {
      throw new RagstreamException("unreadable Debezium notification: " + json, e);
    }
  }

  private void onCompletion(boolean success, String message, Throwable error) {
    Throwable cause = batchFailure.get() != null ? batchFailure.get() : error;
    if (success && cause == null) {
      snapshotCompleted.completeExceptionally(
          new CancellationException("CDC source closed before the initial snapshot completed"));
      terminated.complete(null);
      return;
    }
    RagstreamException failure =
        new RagstreamException(
            "CDC engine " + name + " failed: " + (cause != null ? cause.getMessage() : message),
            cause);
    snapshotCompleted.completeExceptionally(failure);
    terminated.completeExceptionally(failure);
  }

  private void stopEngine() throws InterruptedException {
    long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
    while (!terminated.isDone()) {
      try {
        engine.close();
        return;
      } catch (IllegalStateException e) {
        // Debezium refuses to stop while its tasks are starting, and rejects a second stop.
        String m = String.valueOf(e.getMessage());
        if (m.contains("shutting down") || m.contains("shut down")) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new RagstreamException("cannot stop CDC engine: " + m, e);
        }
        Thread.sleep(100); // bounded wait for the engine's task start to finish
      } catch (IOException e) {
        throw new UncheckedIOException("cannot stop CDC engine", e);
      }
    }
  }
}
