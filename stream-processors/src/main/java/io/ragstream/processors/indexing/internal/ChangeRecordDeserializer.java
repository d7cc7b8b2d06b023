package io.ragstream.processors.indexing.internal;

import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

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
    out.collect(
        new ChangeRecord(
            key,
            new String(record.value(), StandardCharsets.UTF_8),
            record.topic(),
            record.partition(),
            record.offset()));
  }

  @Override
  public TypeInformation<ChangeRecord> getProducedType() {
    return TypeInformation.of(ChangeRecord.class);
  }
}
