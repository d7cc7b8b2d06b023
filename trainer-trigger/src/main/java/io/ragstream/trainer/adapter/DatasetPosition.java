package io.ragstream.trainer.adapter;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A {@link io.ragstream.core.event.TrainingJobRequest#dataset()} reference: a topic and, per
 * partition, the exclusive end offset up to which its records belong to the training data, written
 * {@code topic@partition:offset,partition:offset...} (e.g. {@code ragstream.feedback@0:120,1:98}).
 * Partitions not listed contribute nothing.
 *
 * @param topic the topic; never blank
 * @param endOffsets partition → exclusive end offset ({@code >= 0}), sorted by partition
 */
public record DatasetPosition(String topic, Map<Integer, Long> endOffsets) {
  public DatasetPosition {
    if (topic == null || topic.isBlank()) throw new IllegalArgumentException("topic is blank");
    endOffsets = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(endOffsets)));
  }

  /**
   * Parses {@code topic@p:o,p:o...}.
   *
   * @throws IllegalArgumentException naming the dataset and the bad part when it is malformed, a
   *     partition repeats, or a number is negative
   */
  public static DatasetPosition parse(String dataset) {
    Objects.requireNonNull(dataset, "dataset");
    int at = dataset.lastIndexOf('@');
    if (at <= 0) {
      throw new IllegalArgumentException(
          "dataset '" + dataset + "' is not topic@partition:offset,...: no '@'");
    }
    String topic = dataset.substring(0, at).strip();
    Map<Integer, Long> offsets = new TreeMap<>();
    String list = dataset.substring(at + 1).strip();
    if (!list.isEmpty()) {
      for (String part : list.split(",")) {
        String[] po = part.strip().split(":");
        try {
          if (po.length != 2) throw new NumberFormatException();
          int partition = Integer.parseInt(po[0].strip());
          long offset = Long.parseLong(po[1].strip());
          if (partition < 0 || offset < 0) throw new NumberFormatException();
          if (offsets.put(partition, offset) != null) {
            throw new IllegalArgumentException(
                "dataset '" + dataset + "' lists partition " + partition + " twice");
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "dataset '" + dataset + "': '" + part + "' is not partition:offset (both >= 0)");
        }
      }
    }
    return new DatasetPosition(topic, offsets);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(topic).append('@');
    endOffsets.forEach(
        (p, o) ->
            b.append(b.charAt(b.length() - 1) == '@' ? "" : ",").append(p).append(':').append(o));
    return b.toString();
  }
}
