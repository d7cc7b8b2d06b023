package io.ragstream.processors.indexing.internal;

/** A record that could not be indexed, bound for {@code ragstream.dlq}. A Flink POJO. */
public class DeadLetter {
  public String key;
  public String value;
  public String topic;
  public int partition;
  public long offset;
  public String reason;
  public String exception;

  public DeadLetter() {}

  /** A dead letter for {@code record} failed with {@code error}. */
  public static DeadLetter of(ChangeRecord record, Throwable error) {
    DeadLetter d = new DeadLetter();
    d.key = record.key;
    d.value = record.value;
    d.topic = record.topic;
    d.partition = record.partition;
    d.offset = record.offset;
    d.reason = String.valueOf(error.getMessage());
    d.exception = error.getClass().getName();
    return d;
  }
}
