package io.ragstream.gateway.chat;

import java.util.List;

/**
 * Receives one answer as {@link AnswerService} produces it, on the Vert.x context that asked:
 * {@link #retrieved} once, then {@link #token} any number of times, then exactly one of {@link
 * #done} or {@link #failed} — or nothing more once the answer is cancelled. {@link #failed} may
 * also come instead of {@link #retrieved} (retrieval failed).
 */
public interface AnswerSink {

  /** Retrieval finished: the query searched and the passages the answer may cite. */
  void retrieved(String queryId, String query, List<AnswerService.Cited> passages);

  /** The next piece of the answer, citation markers already checked. */
  void token(String text);

  /** The answer is complete. */
  void done(AnswerService.Result result);

  /**
   * The answer failed.
   *
   * @param code {@code llm_unavailable}, {@code llm_timeout}, {@code llm_error} or {@code internal}
   * @param message what went wrong, safe to show to the caller
   */
  void failed(String code, String message);
}
