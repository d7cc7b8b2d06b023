package io.ragstream.core.port;

import java.util.List;

/**
 * Turns text into dense vectors with one model.
 *
 * <p>Implementations apply the model's own query/passage conventions (for bge-small-en-v1.5 the
 * query instruction "Represent this sentence for searching relevant passages: ") and return
 * L2-normalized vectors of {@link #dimension()} floats, so cosine similarity equals the dot
 * product. Methods block on the calling thread; implementations are thread-safe. They throw {@link
 * io.ragstream.core.error.EmbeddingException} when the model fails.
 */
public interface Embedder extends AutoCloseable {

  /**
   * Model id and revision, recorded on every point, e.g. {@code bge-small-en-v1.5-q@1.20.0-beta30}.
   */
  String id();

  /** Vector length, e.g. 384. */
  int dimension();

  /** Embeds a search query (with the model's query instruction, if any). */
  float[] embedQuery(String query);

  /**
   * Embeds passages in one batch; the result has the same size and order as {@code passages}. Texts
   * longer than the model's maximum are handled as the implementation documents.
   */
  List<float[]> embedPassages(List<String> passages);

  @Override
  default void close() {}
}
