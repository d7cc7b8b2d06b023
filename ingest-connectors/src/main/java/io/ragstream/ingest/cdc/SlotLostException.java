package io.ragstream.ingest.cdc;

/**
 * The replication slot cannot deliver every change since the position in the offsets file: it is
 * missing, PostgreSQL invalidated it ({@code wal_status = lost}), or it was dropped and recreated
 * (its {@code restart_lsn} is past the stored position). Streaming on would silently skip changes,
 * so the source refuses to start; the message says what happened and how to re-snapshot. Not
 * retriable.
 */
public class SlotLostException extends CdcSetupException {
  public SlotLostException(String message) {
    super(message);
  }
}
