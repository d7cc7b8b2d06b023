package io.ragstream.core.model;

/**
 * A contiguous span of a document body.
 *
 * @param index 0-based position of the chunk in its document
 * @param text the chunk text, equal to {@code body.substring(start, end)}
 * @param start inclusive start offset in the body, in UTF-16 chars
 * @param end exclusive end offset in the body, in UTF-16 chars
 * @param tokenCount number of model tokens in {@code text} (without special tokens)
 */
public record Chunk(int index, String text, int start, int end, int tokenCount) {
  public Chunk {
    if (index < 0) throw new IllegalArgumentException("index must be >= 0");
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("bad offsets [" + start + ", " + end + ")");
    }
    if (text == null) throw new IllegalArgumentException("text must not be null");
  }
}
