package io.ragstream.ingest.cdc;

/**
 * One Debezium change event as the CDC source hands it on: destination topic and the JSON key and
 * value exactly as Debezium's JSON converter wrote them (schemas disabled).
 *
 * @param topic destination topic, {@code <topicPrefix>.<schema>.<table>}; never blank
 * @param key JSON object of the primary-key columns, e.g. {@code {"id":"42"}}; null for events
 *     without a key (e.g. a truncate)
 * @param value the Debezium envelope JSON ({@code before, after, source, op, ts_ms}); null for the
 *     tombstone that follows a delete
 */
public record CdcRecord(String topic, String key, String value) {
  public CdcRecord {
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("topic must not be blank");
    }
  }

  /** True for the Kafka tombstone Debezium emits after a delete (value null). */
  public boolean isTombstone() {
    return value == null;
  }
}
