package io.ragstream.ingest.cdc;

/**
 * A logical replication slot as {@code pg_replication_slots} reports it.
 *
 * @param name slot name
 * @param active whether a walsender is streaming from it
 * @param activePid pid of that walsender, or null
 * @param walStatus {@code reserved}, {@code extended}, {@code unreserved} or {@code lost}
 *     (PostgreSQL 13+; null before)
 * @param restartLsn oldest WAL position the slot still needs, or null once the slot is lost
 * @param confirmedFlushLsn position the consumer has acknowledged, or null
 * @param lagBytes {@code pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)}: WAL written
 *     since the last acknowledged change, or null
 * @param retainedBytes {@code pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)}: WAL the slot
 *     keeps on disk, or null
 * @param safeWalSizeBytes bytes that can still be written before the slot would be in danger of
 *     losing WAL ({@code safe_wal_size}); null when {@code max_slot_wal_keep_size} is -1
 */
public record SlotState(
    String name,
    boolean active,
    Integer activePid,
    String walStatus,
    Long restartLsn,
    Long confirmedFlushLsn,
    Long lagBytes,
    Long retainedBytes,
    Long safeWalSizeBytes) {

  /** True when PostgreSQL has removed WAL the slot needed ({@code wal_status = 'lost'}). */
  public boolean lost() {
    return "lost".equals(walStatus);
  }
}
