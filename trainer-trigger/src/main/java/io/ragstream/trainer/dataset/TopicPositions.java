package io.ragstream.trainer.dataset;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Exclusive end offsets of one Kafka topic's partitions, as written in {@link
 * io.ragstream.core.event.TrainingJobRequest#dataset()}: {@code topic@partition:offset,...}, e.g.
 * {@code ragstream.feedback@0:120,1:98}. Partitions not listed are read up to offset 0 (nothing).
 *
 * @param topic the topic; never blank
 * @param endOffsets exclusive end offset by partition, partitions {@code >= 0}, offsets {@code >=
 *     0}; sorted by partition
 * @throws IllegalArgumentException from the constructor when a value breaks the rules above
 */
public record TopicPositions(String topic, Map<Integer, Long> endOffsets) {

  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  public TopicPositions {
    if (topic == null || !TOPIC.matcher(topic).matches()) {
      throw new IllegalArgumentException(
          "topic must be a Kafka topic name ([a-zA-Z0-9._-], 1..249 characters), was '"
              + topic
              + "'");
    }
    Objects.requireNonNull(endOffsets, "endOffsets");
    TreeMap<Integer, Long> sorted = new TreeMap<>();
    endOffsets.forEach(
        (partition, offset) -> {
          if (partition == null || partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
          }
          if (offset == null || offset < 0) {
            throw new IllegalArgumentException(
                "offset of partition " + partition + " must be >= 0, was " + offset);
          }
          sorted.put(partition, offset);
        });
    endOffsets = Collections.unmodifiableMap(sorted);
  }

  /**
   * Parses {@code topic@partition:offset,partition:offset...}; whitespace around the parts is
   * ignored, an empty list after {@code @} means no partition.
   *
   * @throws IllegalArgumentException naming the part that is wrong (no {@code @}, a part without
   *     {@code :}, a partition or offset that is not a non-negative integer, a partition listed
   *     twice)
   */
  public static TopicPositions parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(
          "dataset must be topic@partition:offset,..., e.g. ragstream.feedback@0:120,1:98, was '"
              + text
              + "'");
    }
    int at = text.indexOf('@');
    if (at < 0) {
      throw new IllegalArgumentException(
          "dataset '" + text + "' has no '@' between the topic and its partition:offset list");
    }
    String topic = text.substring(0, at).strip();
    String list = text.substring(at + 1).strip();
    TreeMap<Integer, Long> offsets = new TreeMap<>();
    if (!list.isEmpty()) {
      for (String part : list.split(",", -1)) {
        String p = part.strip();
        int colon = p.indexOf(':');
        if (colon < 0) {
          throw new IllegalArgumentException(
              "dataset '" + text + "': '" + p + "' is not partition:offset");
        }
        int partition = parseNumber(text, "partition", p.substring(0, colon).strip()).intValue();
        long offset = parseNumber(text, "offset", p.substring(colon + 1).strip());
        if (offsets.put(partition, offset) != null) {
          throw new IllegalArgumentException(
              "dataset '" + text + "': partition " + partition + " is listed twice");
        }
      }
    }
    return new TopicPositions(topic, offsets);
  }

  private static Long parseNumber(String text, String what, String value) {
    try {
      long n = Long.parseLong(value);
      if (n < 0 || ("partition".equals(what) && n > Integer.MAX_VALUE)) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "dataset '" + text + "': " + what + " '" + value + "' is not a non-negative integer");
    }
  }

  /** Total number of records below the end offsets when every partition starts at offset 0. */
  public long records() {
    return endOffsets.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The text form {@link #parse} reads, e.g. {@code ragstream.feedback@0:120,1:98}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(topic).append('@');
    String sep = "";
    for (Map.Entry<Integer, Long> e : endOffsets.entrySet()) {
      sb.append(sep).append(e.getKey()).append(':').append(e.getValue());
      sep = ",";
    }
    return sb.toString();
  }
}
