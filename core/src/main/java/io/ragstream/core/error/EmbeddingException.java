package io.ragstream.core.error;

/** The embedding model failed on some input. */
public class EmbeddingException extends RagstreamException {
  public EmbeddingException(String message, Throwable cause) {
    super(message, cause);
  }
}
