package io.ragstream.gateway.answer;

/** A running generation. */
public interface Generation {

  /**
   * Stops the generation and releases what it holds (for an LLM server: closes the streaming
   * request, so the server stops generating). The listener gets no further call. Idempotent; a
   * no-op once the generation has completed or failed.
   */
  void cancel();
}
