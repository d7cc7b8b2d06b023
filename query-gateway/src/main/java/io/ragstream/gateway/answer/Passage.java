package io.ragstream.gateway.answer;

import java.util.Objects;

/**
 * A retrieved chunk an answer may cite, numbered {@code [1]}, {@code [2]}, ... in the order the
 * caller gives them to the generator.
 *
 * @param number citation number, 1-based
 * @param documentId document the chunk belongs to
 * @param chunkIndex position of the chunk in its document
 * @param title document title (may be empty)
 * @param text chunk text
 */
public record Passage(int number, String documentId, int chunkIndex, String title, String text) {
  public Passage {
    if (number < 1) throw new IllegalArgumentException("number must be >= 1, was " + number);
    Objects.requireNonNull(documentId, "documentId");
    title = title == null ? "" : title;
    Objects.requireNonNull(text, "text");
  }
}
