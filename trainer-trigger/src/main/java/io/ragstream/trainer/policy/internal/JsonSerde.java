package io.ragstream.trainer.policy.internal;

import io.ragstream.core.json.Json;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serdes of the trigger's internal values (repartitioned inputs, state) as JSON through
 * {@link Json#mapper()}. Not for input topics: those are read as bytes and validated by {@link
 * InputRouter}, so a bad record is dead-lettered instead of failing the app.
 */
public final class JsonSerde {
  private JsonSerde() {}

  /**
   * A serde of {@code type}; {@code null} maps to {@code null} both ways.
   *
   * @throws SerializationException from the deserializer when the bytes are not a {@code type}
   */
  public static <T> Serde<T> of(Class<T> type) {
    Serializer<T> serializer =
        (topic, value) -> {
          if (value == null) {
            return null;
          }
          try {
            return Json.mapper().writeValueAsBytes(value);
          } catch (IOException e) {
            throw new SerializationException("cannot write " + type.getSimpleName(), e);
          }
        };
    Deserializer<T> deserializer =
        (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          try {
            return Json.mapper().readValue(bytes, type);
          } catch (IOException e) {
            throw new SerializationException(
                "cannot read " + type.getSimpleName() + " from " + topic, e);
          }
        };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
