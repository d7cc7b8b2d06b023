package io.ragstream.processors.indexing.internal;

import io.ragstream.core.model.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes {@link DeadLetter}s to {@code ragstream.dlq}: original key/value plus error headers. */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
  private static final long serialVersionUID = 1L;

  /** Value of the DLQ stage header. */
  public static final String STAGE = "indexer";

  private final String topic;

  public DeadLetterSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      DeadLetter d, KafkaSinkContext context, Long timestamp) {
    ProducerRecord<byte[], byte[]> r =
        new ProducerRecord<>(topic, null, timestamp, bytes(d.key), bytes(d.value));
    r.headers()
        .add(Topics.DLQ_HEADER_REASON, bytes(d.reason))
        .add(Topics.DLQ_HEADER_CODE, bytes(d.code))
        .add(Topics.DLQ_HEADER_EXCEPTION, bytes(d.exception))
        .add(Topics.DLQ_HEADER_TOPIC, bytes(d.topic))
        .add(Topics.DLQ_HEADER_PARTITION, bytes(Integer.toString(d.partition)))
        .add(Topics.DLQ_HEADER_OFFSET, bytes(Long.toString(d.offset)))
        .add(Topics.DLQ_HEADER_STAGE, bytes(STAGE))
        .add(Topics.DLQ_HEADER_TIME, bytes(Long.toString(d.time)));
    return r;
  }

  private static byte[] bytes(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }
}
