package io.ragstream.processors.indexing.internal;

import io.ragstream.core.model.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Reads {@code ragstream.changes} records as {@link ChangeRecord}s. Kafka tombstones (null value,
 * written after a DELETE so the topic can be compacted) carry nothing to index and are skipped; the
 * DELETE before them carries the version.
 */
public final class ChangeRecordDeserializer
    implements KafkaRecordDeserializationSchema<ChangeRecord> {
  private static final long serialVersionUID = 1L;

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ChangeRecord> out) {
    if (record.value() == null) {
      return;
    }
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    ChangeRecord change =
        new ChangeRecord(
            key,
            new String(record.value(), StandardCharsets.UTF_8),
            record.topic(),
            record.partition(),
            record.offset());
    change.normalizedAt = normalizedAt(record);
    out.collect(change);
  }

  /** The {@link Topics#NORMALIZED_AT_HEADER} of {@code record}, else its timestamp (0 if none). */
  static long normalizedAt(ConsumerRecord<byte[], byte[]> record) {
    Header h = record.headers().lastHeader(Topics.NORMALIZED_AT_HEADER);
    if (h != null && h.value() != null) {
      try {
        return Long.parseLong(new String(h.value(), StandardCharsets.UTF_8));
      } catch (NumberFormatException e) {
        // fall through to the record timestamp
      }
    }
    return Math.max(0, record.timestamp());
  }

  @Override
  public TypeInformation<ChangeRecord> getProducedType() {
    return TypeInformation.of(ChangeRecord.class);
  }
}
