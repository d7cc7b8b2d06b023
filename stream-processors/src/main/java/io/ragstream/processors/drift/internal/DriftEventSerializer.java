package io.ragstream.processors.drift.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.ragstream.core.event.DriftEvent;
import io.ragstream.core.json.Json;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes {@link DriftEvent}s as JSON ({@link Json#mapper()}) with key {@link DriftEvent#key()}. */
public final class DriftEventSerializer implements KafkaRecordSerializationSchema<DriftEvent> {
  private static final long serialVersionUID = 1L;

  private final String topic;

  public DriftEventSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      DriftEvent event, KafkaSinkContext context, Long timestamp) {
    try {
      return new ProducerRecord<>(
          topic,
          null,
          timestamp,
          event.key().getBytes(StandardCharsets.UTF_8),
          Json.mapper().writeValueAsBytes(event));
    } catch (JsonProcessingException e) {
      // A validated record of strings and numbers always serializes.
      throw new IllegalStateException("cannot serialize " + event, e);
    }
  }
}
