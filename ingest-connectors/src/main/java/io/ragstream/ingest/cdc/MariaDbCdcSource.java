package io.ragstream.ingest.cdc;

import io.ragstream.core.error.RagstreamException;
import io.ragstream.ingest.cdc.internal.DebeziumProperties;
import io.ragstream.ingest.cdc.internal.EmbeddedCdcEngine;
import io.ragstream.ingest.cdc.internal.MariaDbCatalog;
import io.ragstream.ingest.config.MariaDbSourceConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures the changes of the mapped MariaDB (or MySQL) tables from the server's binlog with
 * Debezium's embedded (async) engine and writes the raw Debezium events to a {@link CdcRecordSink}
 * (Kafka topics {@code <topicPrefix>.<database>.<table>} with {@link KafkaCdcRecordSink}).
 *
 * <p>Debezium's MariaDB connector ({@link io.ragstream.ingest.config.SourceKind#MYSQL}: its MySQL
 * connector) connects as a replica with {@link MariaDbSourceConfig#serverId()}, takes an initial
 * snapshot of the mapped tables ({@code snapshot.mode=initial}) and then follows the binlog;
 * offsets (binlog file, position, GTIDs) go to a {@code FileOffsetBackingStore} and the tables' DDL
 * to a {@code FileSchemaHistory}. Events are JSON without schemas, with tombstones after deletes,
 * decimals as strings and a {@code transaction} block (transaction metadata; the BEGIN/END events
 * themselves are not forwarded). Those transaction events still commit their offsets, so the stored
 * binlog position follows the server while the mapped tables are quiet (other tables of the same
 * databases change).
 *
 * <p>Lifecycle and guarantees are those of {@link PostgresCdcSource}: at-least-once (a batch is
 * acknowledged by the sink before its offsets are committed), a restart with the same offsets and
 * schema history files resumes streaming without a new snapshot, and failures complete {@link
 * #terminated()} exceptionally instead of being swallowed. The binlog must still hold the offsets'
 * position on restart: keep {@code binlog_expire_logs_seconds} longer than any downtime. The sink
 * is not owned: the caller closes it after {@link #close()}.
 */
public final class MariaDbCdcSource implements CdcSource {
  private static final Logger LOG = LoggerFactory.getLogger(MariaDbCdcSource.class);

  private final MariaDbSourceConfig config;
  private final MariaDbCatalog catalog;
  private final EmbeddedCdcEngine engine;

  /**
   * A source for {@code config} writing to {@code sink}; nothing happens until {@link #start()}.
   */
  public MariaDbCdcSource(MariaDbSourceConfig config, CdcRecordSink sink) {
    this.config = config;
    this.catalog = new MariaDbCatalog(config);
    this.engine =
        new EmbeddedCdcEngine(
            DebeziumProperties.engineName(config),
            DebeziumProperties.of(config),
            DebeziumProperties.notificationTopic(config.topicPrefix()),
            Set.of(DebeziumProperties.transactionTopic(config.topicPrefix())),
            sink);
  }

  /**
   * Checks the server and starts the engine in the background; returns once it runs.
   *
   * <p>Before Debezium starts, the server must have the binlog on in {@code ROW} format with {@code
   * FULL} row images, and every mapped table must exist, have a primary key that is exactly the
   * mapping's id column, and have all mapped columns.
   *
   * @throws CdcSetupException naming what to change in the server, the table or the mapping
   * @throws io.ragstream.core.error.RetriableException when the server cannot be reached
   * @throws IllegalStateException when called twice or after {@link #close()}
   */
  public void start() {
    engine.start(catalog::validate, List.of(config.offsetsFile(), config.schemaHistoryFile()));
    LOG.info(
        "CDC source started: {} {}:{} tables {} server id {} offsets {} schema history {}",
        config.kind().connector(),
        config.host(),
        config.port(),
        config.tables().stream().map(t -> t.qualifiedName()).toList(),
        config.serverId(),
        config.offsetsFile().toAbsolutePath(),
        config.schemaHistoryFile().toAbsolutePath());
  }

  /**
   * Completes when the initial snapshot has been written to the sink and acknowledged, or right
   * after start when the offsets file shows it was done before. Completes exceptionally when the
   * snapshot is aborted, the engine fails, or the source is closed first.
   */
  public CompletableFuture<Void> snapshotCompleted() {
    return engine.snapshotCompleted();
  }

  /**
   * Completes normally when the engine stopped after {@link #close()}, exceptionally with a {@link
   * RagstreamException} (cause: the original error) when the engine or the sink failed. The source
   * does not restart itself.
   */
  public CompletableFuture<Void> terminated() {
    return engine.terminated();
  }

  /** Number of change events written to the sink and acknowledged since {@link #start()}. */
  public long recordsWritten() {
    return engine.recordsWritten();
  }

  /**
   * Stops the engine and waits (up to 60 s) for it; offsets of acknowledged batches and the schema
   * history are kept, so a restart resumes. Idempotent. Does not close the sink.
   */
  @Override
  public void close() {
    engine.close();
  }

  /**
   * Teardown: deletes the offsets and schema history files, so the next start takes a new snapshot.
   * The server keeps nothing for a binlog reader (no slot), so there is nothing to drop there.
   *
   * @throws IllegalStateException while this source is running
   */
  public void deleteOffsetsAndSchemaHistory() {
    if (engine.running()) {
      throw new IllegalStateException("close the CDC source before deleting its offsets");
    }
    for (Path file : List.of(config.offsetsFile(), config.schemaHistoryFile())) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete " + file, e);
      }
    }
  }
}
