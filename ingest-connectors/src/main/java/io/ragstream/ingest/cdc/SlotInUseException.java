package io.ragstream.ingest.cdc;

/**
 * The replication slot is active: a CDC source (this or another process) is streaming from it, so
 * it cannot be dropped. Stop that source first. Not retriable by itself.
 */
public class SlotInUseException extends CdcSetupException {
  public SlotInUseException(String message) {
    super(message);
  }
}
