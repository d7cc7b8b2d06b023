package io.ragstream.ingest.cdc;

import io.ragstream.ingest.config.CdcSourceConfig;
import io.ragstream.ingest.config.MariaDbSourceConfig;
import io.ragstream.ingest.config.PostgresSourceConfig;
import java.util.concurrent.CompletableFuture;

/**
 * A change-data-capture source: Debezium's embedded engine following one database and writing its
 * raw change events to a {@link CdcRecordSink}, at least once, snapshot first. Implemented by
 * {@link PostgresCdcSource} and {@link MariaDbCdcSource}, whose javadoc gives the details.
 */
public sealed interface CdcSource extends AutoCloseable
    permits PostgresCdcSource, MariaDbCdcSource {

  /** The source for {@code config} writing to {@code sink} (not started, sink not owned). */
  static CdcSource create(CdcSourceConfig config, CdcRecordSink sink) {
    if (config instanceof PostgresSourceConfig pg) {
      return new PostgresCdcSource(pg, sink);
    }
    return new MariaDbCdcSource((MariaDbSourceConfig) config, sink);
  }

  /**
   * Checks the database, then starts the engine in the background.
   *
   * @throws CdcSetupException naming what to change in the database or the mapping
   * @throws io.ragstream.core.error.RetriableException when the database cannot be reached
   * @throws IllegalStateException when called twice or after {@link #close()}
   */
  void start();

  /** Completes once the initial snapshot is acknowledged by the sink (or was done before). */
  CompletableFuture<Void> snapshotCompleted();

  /** Completes when the engine stopped: normally after {@link #close()}, else with the failure. */
  CompletableFuture<Void> terminated();

  /** Change events written to the sink and acknowledged since {@link #start()}. */
  long recordsWritten();

  /** Stops the engine, keeping its offsets; idempotent; does not close the sink. */
  @Override
  void close();
}
