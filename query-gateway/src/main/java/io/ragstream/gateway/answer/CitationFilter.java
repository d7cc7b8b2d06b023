package io.ragstream.gateway.answer;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Removes citation markers that point nowhere from a streamed answer, and records the ones that
 * point at a passage. A marker is {@code [n]} or a list {@code [n, m]}; a number that is not one of
 * the passages' is dropped from it, and a marker left empty disappears. Brackets holding anything
 * else ({@code [sic]}) pass through. Works on pieces as they stream: a piece ending inside a
 * possible marker is held back until the marker is complete, at most {@value #MAX_MARKER} chars.
 * Not thread-safe (one per answer).
 */
public final class CitationFilter {

  /** Longest marker held back; a longer bracketed text is passed through as it is. */
  static final int MAX_MARKER = 24;

  private final Set<Integer> valid;
  private final Set<Integer> cited = new LinkedHashSet<>();
  private final StringBuilder pending = new StringBuilder();
  private final StringBuilder answer = new StringBuilder();

  /**
   * @param valid the passage numbers an answer may cite
   */
  public CitationFilter(Set<Integer> valid) {
    this.valid = Set.copyOf(valid);
  }

  /** The part of the answer that can be shown now, after {@code piece}; may be empty. */
  public String accept(String piece) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < piece.length(); i++) {
      char c = piece.charAt(i);
      if (pending.length() == 0) {
        if (c == '[') pending.append(c);
        else out.append(c);
        continue;
      }
      pending.append(c);
      if (c == ']') {
        out.append(resolve(pending.toString()));
        pending.setLength(0);
      } else if (!(Character.isDigit(c) || c == ',' || c == ' ') || pending.length() > MAX_MARKER) {
        // Not a citation marker: release what was held, re-examining a trailing '['.
        String held = pending.toString();
        pending.setLength(0);
        out.append(held, 0, held.length() - 1);
        if (c == '[') pending.append(c);
        else out.append(c);
      }
    }
    answer.append(out);
    return out.toString();
  }

  /** Whatever is still held back (an unfinished marker is shown as text); call once at the end. */
  public String finish() {
    String rest = pending.toString();
    pending.setLength(0);
    answer.append(rest);
    return rest;
  }

  /** The filtered answer so far. */
  public String answer() {
    return answer.toString();
  }

  /** The passage numbers cited so far, in order of first citation. */
  public List<Integer> cited() {
    return new ArrayList<>(cited);
  }

  private String resolve(String marker) {
    String inner = marker.substring(1, marker.length() - 1);
    if (inner.isBlank()) return marker;
    List<String> kept = new ArrayList<>();
    for (String part : inner.split(",")) {
      String number = part.strip();
      if (number.isEmpty()) continue;
      int n;
      try {
        n = Integer.parseInt(number);
      } catch (NumberFormatException e) {
        return marker;
      }
      if (valid.contains(n)) {
        cited.add(n);
        kept.add(Integer.toString(n));
      }
    }
    return kept.isEmpty() ? "" : "[" + String.join(", ", kept) + "]";
  }
}
