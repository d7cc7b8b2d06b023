package io.ragstream.core.adapter;

import io.ragstream.core.error.RagstreamException;

/**
 * An adapter directory or file is missing, corrupt or does not match what it must be used with
 * (another embedder, another dimension). The message names the file, and where it applies the
 * tensor, its expected and actual shape. Not retriable.
 */
public class AdapterFormatException extends RagstreamException {
  public AdapterFormatException(String message) {
    super(message);
  }

  public AdapterFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
