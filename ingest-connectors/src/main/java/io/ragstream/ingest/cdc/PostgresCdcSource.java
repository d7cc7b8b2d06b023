package io.ragstream.ingest.cdc;

import io.debezium.engine.spi.OffsetCommitPolicy;
import io.ragstream.core.error.RagstreamException;
import io.ragstream.ingest.cdc.internal.DebeziumProperties;
import io.ragstream.ingest.cdc.internal.EmbeddedCdcEngine;
import io.ragstream.ingest.cdc.internal.HeartbeatTable;
import io.ragstream.ingest.cdc.internal.PostgresCatalog;
import io.ragstream.ingest.cdc.internal.SlotGuard;
import io.ragstream.ingest.config.HeartbeatConfig;
import io.ragstream.ingest.config.PostgresSourceConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures the changes of the mapped PostgreSQL tables with Debezium's embedded (async) engine and
 * writes the raw Debezium events to a {@link CdcRecordSink} (Kafka topics {@code
 * <topicPrefix>.<schema>.<table>} with {@link KafkaCdcRecordSink}).
 *
 * <p>Debezium runs with pgoutput, a publication auto-created for exactly the mapped tables ({@code
 * publication.autocreate.mode=filtered}), {@code snapshot.mode=initial}, offsets in a {@code
 * FileOffsetBackingStore} at {@link PostgresSourceConfig#offsetsFile()}, JSON without schemas,
 * tombstones after deletes and decimals as strings.
 *
 * <p>Guarantee: at-least-once. Each batch is written to the sink and acknowledged <em>before</em>
 * it is marked processed, and offsets are committed after every batch ({@link
 * OffsetCommitPolicy#always()}); a crash replays at most the unacknowledged batches. A restart with
 * the same offsets file resumes streaming where it stopped, without a new snapshot.
 *
 * <p>Heartbeats ({@link HeartbeatConfig}, on by default) keep the slot's {@code
 * confirmed_flush_lsn} moving when the mapped tables are quiet; their events (the heartbeat table's
 * changes and Debezium's heartbeat records) are acknowledged but never written to the sink. Before
 * Debezium starts, the stored offsets are checked against the slot ({@link SlotLostException}).
 *
 * <p>Errors are never swallowed: a failure of the engine or of the sink stops the source and
 * completes {@link #terminated()} exceptionally (and {@link #snapshotCompleted()} if still
 * pending). Threading: {@link #start()} and {@link #close()} may be called from any thread; the
 * engine runs on its own threads. The sink is not owned: the caller closes it after {@link
 * #close()}.
 */
public final class PostgresCdcSource implements CdcSource {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresCdcSource.class);
  private static final Duration TEARDOWN_TIMEOUT = Duration.ofSeconds(30);

  private final PostgresSourceConfig config;
  private final PostgresCatalog catalog;
  private final HeartbeatConfig heartbeatConfig;
  private final HeartbeatTable heartbeat;
  private final EmbeddedCdcEngine engine;

  /**
   * A source for {@code config} writing to {@code sink}, with heartbeats as {@link
   * HeartbeatConfig#defaults()}; nothing happens until {@link #start()}.
   */
  public PostgresCdcSource(PostgresSourceConfig config, CdcRecordSink sink) {
    this(config, sink, HeartbeatConfig.defaults());
  }

  /**
   * A source for {@code config} writing to {@code sink} with {@code heartbeat}; nothing happens
   * until {@link #start()}.
   *
   * @throws IllegalArgumentException when the heartbeat table is one of the mapped tables
   */
  public PostgresCdcSource(
      PostgresSourceConfig config, CdcRecordSink sink, HeartbeatConfig heartbeat) {
    this.config = config;
    this.catalog = new PostgresCatalog(config);
    this.heartbeatConfig = heartbeat;
    this.heartbeat = new HeartbeatTable(heartbeat, config);
    if (config.tables().stream()
        .anyMatch(t -> t.qualifiedName().equals(heartbeat.qualifiedName()))) {
      throw new IllegalArgumentException(
          "source.heartbeat.table "
              + heartbeat.qualifiedName()
              + " is a mapped table; name a table of its own");
    }
    Properties properties = DebeziumProperties.of(config);
    if (heartbeat.enabled()) {
      this.heartbeat.configure(properties);
    }
    // Heartbeat events exist only to move the slot, and the normalizer would send an unmapped
    // table's events to the DLQ: they are acknowledged but never written to the sink.
    this.engine =
        new EmbeddedCdcEngine(
            config.slotName(),
            properties,
            DebeziumProperties.notificationTopic(config.topicPrefix()),
            Set.of(this.heartbeat.heartbeatTopic(), this.heartbeat.tableTopic()),
            sink);
  }

  /**
   * Checks the source database and starts the engine in the background; returns once it runs.
   *
   * <p>Before Debezium starts, every mapped table is checked over JDBC: {@code wal_level} must be
   * {@code logical}, the table must exist and have a primary key that is exactly the mapping's id
   * column (a table without primary key is refused: Debezium emits no usable deletes for it), and
   * all mapped columns must exist. When the offsets file holds a position, the replication slot
   * must still be able to deliver every change after it; with heartbeats on, the heartbeat table is
   * created if missing.
   *
   * @throws SlotLostException when the slot is missing, lost or was recreated behind the
   *     connector's back (changes may have been lost; the message says how to re-snapshot)
   * @throws CdcSetupException naming what to change in the database or the mapping
   * @throws io.ragstream.core.error.RetriableException when the database cannot be reached
   * @throws IllegalStateException when called twice or after {@link #close()}
   */
  public void start() {
    engine.start(this::preflight, List.of(config.offsetsFile()));
    LOG.info(
        "CDC source started: {}:{}/{} tables {} slot {} publication {} offsets {}",
        config.host(),
        config.port(),
        config.database(),
        config.tables().stream().map(t -> t.qualifiedName()).toList(),
        config.slotName(),
        config.publicationName(),
        config.offsetsFile().toAbsolutePath());
  }

  private void preflight() {
    catalog.validate();
    new SlotGuard(config, catalog).check();
    if (heartbeatConfig.enabled()) {
      try (Connection c = catalog.connect()) {
        heartbeat.createIfMissing(c);
      } catch (SQLException e) {
        throw new CdcSetupException(
            "cannot create heartbeat table "
                + heartbeatConfig.qualifiedName()
                + " (create it, or set source.heartbeat.enabled=false): "
                + e.getMessage(),
            e);
      }
    }
  }

  /**
   * Number of heartbeat events (heartbeat table changes and Debezium heartbeat records)
   * acknowledged without being written to the sink since {@link #start()}.
   */
  public long heartbeatsAcknowledged() {
    return engine.recordsDropped();
  }

  /**
   * Completes when the initial snapshot has been written to the sink and acknowledged, or
   * immediately after start when the offsets file shows it was done before (Debezium's {@code
   * Initial Snapshot} notification, {@code COMPLETED} or {@code SKIPPED}). Completes exceptionally
   * when the snapshot is aborted, the engine fails, or the source is closed first.
   */
  public CompletableFuture<Void> snapshotCompleted() {
    return engine.snapshotCompleted();
  }

  /**
   * Completes normally when the engine stopped after {@link #close()}, exceptionally with a {@link
   * RagstreamException} (cause: the original error) when the engine or the sink failed. Use it to
   * observe failures: the source does not restart itself.
   */
  public CompletableFuture<Void> terminated() {
    return engine.terminated();
  }

  /** Number of change events written to the sink and acknowledged since {@link #start()}. */
  public long recordsWritten() {
    return engine.recordsWritten();
  }

  /**
   * Stops the engine and waits (up to 60 s) for it; offsets of acknowledged batches are kept. The
   * replication slot and publication stay, so a restart resumes; see {@link
   * #dropSlotAndPublication()} to remove them. Idempotent. Does not close the sink.
   */
  @Override
  public void close() {
    engine.close();
  }

  /**
   * Teardown: drops the replication slot and the publication, removes this slot's heartbeat row
   * (and the heartbeat table when ragstream created it and no other slot uses it) and deletes the
   * offsets file (offsets without their slot would skip the changes made in between). {@link
   * PostgresTeardown} does the same but refuses at once while the slot is in use. Call it only with
   * no source running on this slot, e.g. after {@link #close()}; waits up to 30 s for PostgreSQL to
   * release the slot.
   *
   * @throws IllegalStateException while this source is running
   * @throws CdcSetupException when the slot stays in use
   */
  public void dropSlotAndPublication() throws InterruptedException {
    if (engine.running()) {
      throw new IllegalStateException("close the CDC source before dropping its slot");
    }
    catalog.dropSlotAndPublication(TEARDOWN_TIMEOUT);
    try (Connection c = catalog.connect()) {
      heartbeat.removeSlot(c);
    } catch (SQLException e) {
      throw new CdcSetupException(
          "cannot remove slot "
              + config.slotName()
              + " from the heartbeat table: "
              + e.getMessage(),
          e);
    }
    try {
      Files.deleteIfExists(config.offsetsFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete offsets file " + config.offsetsFile(), e);
    }
  }
}
