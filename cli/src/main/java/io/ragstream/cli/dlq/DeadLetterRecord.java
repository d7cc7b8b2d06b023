package io.ragstream.cli.dlq;

import io.ragstream.core.model.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One record of {@code ragstream.dlq} as {@code ragstream dlq list} shows it: where it sits in the
 * DLQ, its {@code ragstream.error.*} headers and where it came from.
 *
 * @param partition DLQ partition
 * @param offset DLQ offset
 * @param stage {@code normalizer} or {@code indexer}
 * @param code reason code ({@link io.ragstream.core.model.DeadLetterReason#code()}); {@code
 *     unknown} for records written before codes existed
 * @param reason human-readable reason
 * @param exception exception class
 * @param originTopic topic of the original record, or null when the header is missing
 * @param originPartition partition of the original record, -1 when unknown
 * @param originOffset offset of the original record, -1 when unknown
 * @param time when the record was dead-lettered, epoch ms (the DLQ record's timestamp when the
 *     header is missing)
 * @param key original key as UTF-8 text, may be null
 * @param valueBytes size of the original value, -1 for null
 */
public record DeadLetterRecord(
    int partition,
    long offset,
    String stage,
    String code,
    String reason,
    String exception,
    String originTopic,
    int originPartition,
    long originOffset,
    long time,
    String key,
    int valueBytes) {

  /** Code shown for records without a {@value Topics#DLQ_HEADER_CODE} header. */
  public static final String UNKNOWN_CODE = "unknown";

  /** Reads the headers of a DLQ record. */
  public static DeadLetterRecord of(ConsumerRecord<byte[], byte[]> r) {
    String code = header(r, Topics.DLQ_HEADER_CODE);
    String time = header(r, Topics.DLQ_HEADER_TIME);
    return new DeadLetterRecord(
        r.partition(),
        r.offset(),
        header(r, Topics.DLQ_HEADER_STAGE),
        code == null ? UNKNOWN_CODE : code,
        header(r, Topics.DLQ_HEADER_REASON),
        header(r, Topics.DLQ_HEADER_EXCEPTION),
        header(r, Topics.DLQ_HEADER_TOPIC),
        (int) number(header(r, Topics.DLQ_HEADER_PARTITION)),
        number(header(r, Topics.DLQ_HEADER_OFFSET)),
        time == null ? r.timestamp() : number(time),
        r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8),
        r.value() == null ? -1 : r.value().length);
  }

  /** The last header {@code name} as UTF-8 text, or null. */
  static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static long number(String s) {
    if (s == null) {
      return -1;
    }
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
