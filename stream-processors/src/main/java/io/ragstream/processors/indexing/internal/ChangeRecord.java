package io.ragstream.processors.indexing.internal;

/**
 * A record read from {@code ragstream.changes}, with enough of its origin to dead-letter it. A
 * Flink POJO (public no-arg constructor, public fields) so Flink serializes it without Kryo.
 */
public class ChangeRecord {
  /** Kafka key (the documentId), may be null. */
  public String key;

  /** Kafka value: DocumentChange JSON. */
  public String value;

  /** Origin topic. */
  public String topic;

  /** Origin partition. */
  public int partition;

  /** Origin offset. */
  public long offset;

  /** documentId once parsed, else null. */
  public String documentId;

  /**
   * When the normalizer wrote the record, epoch ms: its {@code ragstream.normalized-at} header,
   * else the record's Kafka timestamp (records written by other producers, e.g. {@code reconcile}).
   */
  public long normalizedAt;

  public ChangeRecord() {}

  public ChangeRecord(String key, String value, String topic, int partition, long offset) {
    this.key = key;
    this.value = value;
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
  }
}
