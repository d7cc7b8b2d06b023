package io.ragstream.processors.indexing.internal;

import io.ragstream.core.model.DeadLetterReason;

/** A record that could not be indexed, bound for {@code ragstream.dlq}. A Flink POJO. */
public class DeadLetter {
  public String key;
  public String value;
  public String topic;
  public int partition;
  public long offset;

  /** Human-readable reason. */
  public String reason;

  /** Reason code, {@link DeadLetterReason#code()}. */
  public String code;

  public String exception;

  /** When the record was dead-lettered, epoch ms. */
  public long time;

  public DeadLetter() {}

  /** A dead letter for {@code record} that failed with {@code error}, reason {@code code}. */
  public static DeadLetter of(ChangeRecord record, DeadLetterReason code, Throwable error) {
    return of(record, code, String.valueOf(error.getMessage()), error.getClass().getName());
  }

  /** A dead letter for {@code record} rejected as {@code code} because of {@code reason}. */
  public static DeadLetter of(
      ChangeRecord record, DeadLetterReason code, String reason, String exception) {
    DeadLetter d = new DeadLetter();
    d.key = record.key;
    d.value = record.value;
    d.topic = record.topic;
    d.partition = record.partition;
    d.offset = record.offset;
    d.reason = reason;
    d.code = code.code();
    d.exception = exception;
    d.time = System.currentTimeMillis();
    return d;
  }
}
