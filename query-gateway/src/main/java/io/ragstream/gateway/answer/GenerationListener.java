package io.ragstream.gateway.answer;

/**
 * Receives a streamed answer. Calls come on the Vert.x context that called {@link
 * AnswerGenerator#generate} (never concurrently), in this order: any number of {@link #onToken},
 * then exactly one of {@link #onComplete} or {@link #onError} — unless the generation was
 * cancelled, after which nothing more is delivered.
 */
public interface GenerationListener {

  /** The next piece of the answer text (a token or a few characters; never null). */
  void onToken(String text);

  /** The answer is complete. */
  void onComplete();

  /** The generation failed; usually a {@link GenerationException}. */
  void onError(Throwable error);
}
