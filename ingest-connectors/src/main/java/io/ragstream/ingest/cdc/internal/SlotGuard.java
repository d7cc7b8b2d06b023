package io.ragstream.ingest.cdc.internal;

import io.ragstream.ingest.cdc.SlotLostException;
import io.ragstream.ingest.cdc.SlotState;
import io.ragstream.ingest.cdc.internal.StoredOffsets.Position;
import io.ragstream.ingest.config.PostgresSourceConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Checks, before Debezium starts, that the replication slot still holds every change after the
 * position stored in the offsets file. Without this check a slot that was dropped and recreated
 * behind the connector's back would be streamed from its new (later) position and the changes in
 * between would be lost silently.
 *
 * <p>The criterion is Debezium's own ({@code PostgresConnection.validateLogPosition}, which makes
 * the engine fail later with "Last recorded offset is no longer available on the server"): the
 * stored position is usable only if the slot exists and its {@code restart_lsn} is not past the
 * stored last processed LSN. In addition a slot with {@code wal_status = lost} is refused. A slot
 * created anew always starts past every earlier position, because creating it writes WAL.
 */
public final class SlotGuard {
  private final PostgresSourceConfig config;
  private final PostgresCatalog catalog;

  public SlotGuard(PostgresSourceConfig config, PostgresCatalog catalog) {
    this.config = config;
    this.catalog = catalog;
  }

  /**
   * Passes when there are no stored offsets for this slot (first start: Debezium snapshots) or the
   * slot can resume from them.
   *
   * @throws SlotLostException saying what happened and how to recover
   * @throws io.ragstream.core.error.RetriableException when the database cannot be reached
   */
  public void check() {
    Optional<Position> stored =
        StoredOffsets.read(config.offsetsFile(), DebeziumProperties.engineName(config));
    if (stored.isEmpty()) {
      return;
    }
    Optional<SlotState> slot;
    try (Connection c = catalog.connect()) {
      slot = ReplicationSlots.read(c, config.slotName());
    } catch (SQLException e) {
      throw PostgresCatalog.classify(
          "cannot read replication slot " + config.slotName() + " at " + where(), e);
    }
    Long lsn = stored.get().lastProcessedLsn();
    String position = lsn == null ? "its snapshot" : "LSN " + ReplicationSlots.format(lsn);
    if (slot.isEmpty()) {
      throw lost(
          "replication slot '"
              + config.slotName()
              + "' does not exist at "
              + where()
              + ", but the offsets file holds a position in it ("
              + position
              + "). The slot was dropped (by hand, by a failover to a server without it, or by"
              + " another installation's teardown), so the changes made since then are no longer"
              + " available");
    }
    SlotState s = slot.get();
    if (s.lost()) {
      throw lost(
          "replication slot '"
              + config.slotName()
              + "' at "
              + where()
              + " has wal_status=lost: PostgreSQL removed WAL it still needed (the slot fell more"
              + " than max_slot_wal_keep_size behind), so changes after "
              + position
              + " are no longer available");
    }
    if (lsn != null && s.restartLsn() != null && s.restartLsn() > lsn) {
      throw lost(
          "replication slot '"
              + config.slotName()
              + "' at "
              + where()
              + " starts at restart_lsn "
              + ReplicationSlots.format(s.restartLsn())
              + ", after the stored position "
              + position
              + " (confirmed_flush_lsn "
              + (s.confirmedFlushLsn() == null
                  ? "none"
                  : ReplicationSlots.format(s.confirmedFlushLsn()))
              + "): the slot was dropped and recreated, or advanced, behind the connector's back,"
              + " so the changes in between are no longer available");
    }
  }

  private SlotLostException lost(String what) {
    return new SlotLostException(
        what
            + ". Changes to the mapped tables may have been lost; streaming on would skip them"
            + " silently, so the CDC source does not start. To recover, take a new snapshot:"
            + " stop ragstream, run './ragstream teardown --yes' (drops slot '"
            + config.slotName()
            + "', publication '"
            + config.publicationName()
            + "' and deletes the offsets file "
            + config.offsetsFile()
            + "), start again, then run './ragstream reconcile --repair' to remove documents"
            + " deleted in the meantime. See docs/operations.md.");
  }

  private String where() {
    return config.host() + ":" + config.port() + "/" + config.database();
  }
}
