package io.ragstream.core.error;

/** A vector store failed (non-retriable: corrupt index, bad update). */
public class StoreException extends RagstreamException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
