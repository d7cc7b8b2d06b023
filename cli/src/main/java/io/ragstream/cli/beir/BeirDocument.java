package io.ragstream.cli.beir;

import java.util.Objects;

/**
 * One corpus document of a BEIR dataset ({@code corpus.jsonl}).
 *
 * @param id the BEIR {@code _id}; never blank
 * @param title the BEIR {@code title}; empty when absent
 * @param text the BEIR {@code text}; may be empty
 */
public record BeirDocument(String id, String title, String text) {
  public BeirDocument {
    if (id == null || id.isBlank())
      throw new IllegalArgumentException("document id must not be blank");
    title = title == null ? "" : title;
    Objects.requireNonNull(text, "text");
  }
}
