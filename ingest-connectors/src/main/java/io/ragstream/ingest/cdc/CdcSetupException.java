package io.ragstream.ingest.cdc;

import io.ragstream.core.error.RagstreamException;

/**
 * The source database is not set up for change data capture, or a table mapping does not fit its
 * table (no primary key, missing column, {@code wal_level} not {@code logical}). Not retriable: a
 * person has to change the database or the configuration; the message says what.
 */
public class CdcSetupException extends RagstreamException {
  public CdcSetupException(String message) {
    super(message);
  }

  public CdcSetupException(String message, Throwable cause) {
    super(message, cause);
  }
}
