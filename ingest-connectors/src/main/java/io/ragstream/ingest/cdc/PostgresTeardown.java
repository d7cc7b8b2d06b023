package io.ragstream.ingest.cdc;

import io.ragstream.ingest.cdc.internal.HeartbeatTable;
import io.ragstream.ingest.cdc.internal.PostgresCatalog;
import io.ragstream.ingest.cdc.internal.ReplicationSlots;
import io.ragstream.ingest.config.HeartbeatConfig;
import io.ragstream.ingest.config.PostgresSourceConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what the PostgreSQL CDC source leaves behind: the replication slot (which otherwise pins
 * WAL forever), the publication, this slot's heartbeat row (and the heartbeat table if ragstream
 * created it and no other slot uses it) and the offsets file. Idempotent: what is already gone is
 * skipped. Refuses while the slot is active instead of waiting. Blocking JDBC.
 */
public final class PostgresTeardown {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresTeardown.class);

  private final PostgresSourceConfig config;
  private final PostgresCatalog catalog;
  private final HeartbeatTable heartbeat;
  private final HeartbeatConfig heartbeatConfig;

  public PostgresTeardown(PostgresSourceConfig config, HeartbeatConfig heartbeat) {
    this.config = config;
    this.catalog = new PostgresCatalog(config);
    this.heartbeatConfig = heartbeat;
    this.heartbeat = new HeartbeatTable(heartbeat, config);
  }

  /**
   * What exists now.
   *
   * @param slot the slot, if it exists
   * @param publication whether the publication exists
   * @param heartbeatTable whether the heartbeat table exists
   * @param offsetsFile whether the offsets file exists
   */
  public record Inventory(
      Optional<SlotState> slot, boolean publication, boolean heartbeatTable, boolean offsetsFile) {

    /** True when nothing is left to remove. */
    public boolean empty() {
      return slot.isEmpty() && !publication && !heartbeatTable && !offsetsFile;
    }
  }

  /**
   * What {@link #run()} removed.
   *
   * @param slotDropped the replication slot was dropped
   * @param publicationDropped the publication was dropped
   * @param heartbeatTableDropped the heartbeat table was dropped (else at most this slot's row)
   * @param offsetsDeleted the offsets file was deleted
   */
  public record Result(
      boolean slotDropped,
      boolean publicationDropped,
      boolean heartbeatTableDropped,
      boolean offsetsDeleted) {}

  /**
   * Looks up slot, publication, heartbeat table and offsets file without changing anything.
   *
   * @throws io.ragstream.core.error.RetriableException when the database cannot be reached
   */
  public Inventory inventory() {
    try (Connection c = catalog.connect()) {
      return new Inventory(
          ReplicationSlots.read(c, config.slotName()),
          publicationExists(c),
          heartbeat.exists(c),
          Files.exists(config.offsetsFile()));
    } catch (SQLException e) {
      throw new CdcSetupException("cannot inspect " + where() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Drops slot and publication, removes the heartbeat row/table, deletes the offsets file.
   *
   * @throws SlotInUseException while a walsender streams from the slot (nothing is removed)
   * @throws CdcSetupException when PostgreSQL refuses (e.g. missing privilege)
   */
  public Result run() {
    boolean slotDropped;
    boolean publicationDropped;
    boolean tableDropped;
    try (Connection c = catalog.connect()) {
      Optional<SlotState> slot = ReplicationSlots.read(c, config.slotName());
      if (slot.isPresent() && slot.get().active()) {
        throw inUse(slot.get().activePid());
      }
      slotDropped = slot.isPresent() && dropSlot(c);
      publicationDropped = publicationExists(c);
      if (publicationDropped) {
        try (Statement st = c.createStatement()) {
          st.execute("DROP PUBLICATION IF EXISTS " + quote(config.publicationName()));
        }
        LOG.info("Dropped publication {} at {}", config.publicationName(), where());
      }
      tableDropped = heartbeat.removeSlot(c);
    } catch (SQLException e) {
      throw new CdcSetupException("teardown at " + where() + " failed: " + e.getMessage(), e);
    }
    boolean offsetsDeleted;
    try {
      offsetsDeleted = Files.deleteIfExists(config.offsetsFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete offsets file " + config.offsetsFile(), e);
    }
    return new Result(slotDropped, publicationDropped, tableDropped, offsetsDeleted);
  }

  /** The heartbeat settings this teardown uses. */
  public HeartbeatConfig heartbeat() {
    return heartbeatConfig;
  }

  private boolean dropSlot(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
      ps.setString(1, config.slotName());
      ps.execute();
      LOG.info("Dropped replication slot {} at {}", config.slotName(), where());
      return true;
    } catch (SQLException e) {
      if ("55006".equals(e.getSQLState())) { // object_in_use: a walsender took it meanwhile
        throw inUse(null);
      }
      if ("42704".equals(e.getSQLState())) { // undefined_object: dropped meanwhile
        return false;
      }
      throw e;
    }
  }

  private boolean publicationExists(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
      ps.setString(1, config.publicationName());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private SlotInUseException inUse(Integer pid) {
    return new SlotInUseException(
        "replication slot '"
            + config.slotName()
            + "' at "
            + where()
            + " is active"
            + (pid == null ? "" : " (walsender pid " + pid + ")")
            + ": a CDC source is still streaming from it. Stop it (ragstream local, or the"
            + " ingest service) and run teardown again; nothing was removed.");
  }

  private String where() {
    return config.host() + ":" + config.port() + "/" + config.database();
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
