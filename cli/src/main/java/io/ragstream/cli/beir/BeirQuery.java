package io.ragstream.cli.beir;

/**
 * One query of a BEIR dataset ({@code queries.jsonl}).
 *
 * @param id the BEIR {@code _id}; never blank
 * @param text the query text; never blank
 */
public record BeirQuery(String id, String text) {
  public BeirQuery {
    if (id == null || id.isBlank())
      throw new IllegalArgumentException("query id must not be blank");
    if (text == null || text.isBlank())
      throw new IllegalArgumentException("query " + id + " has a blank text");
  }
}
