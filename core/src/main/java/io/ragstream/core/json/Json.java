package io.ragstream.core.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.ragstream.core.model.DocumentChange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The one Jackson configuration of ragstream's topic and API JSON. */
public final class Json {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .build();

  private Json() {}

  /** The shared, thread-safe mapper. Do not reconfigure it. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Serializes {@code value} to a JSON string. */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Parses a {@link DocumentChange} from UTF-8 JSON.
   *
   * @throws IllegalArgumentException naming what is wrong when the JSON is malformed or violates
   *     the contract (for example a blank documentId)
   */
  public static DocumentChange readChange(byte[] json) {
    try {
      return MAPPER.readValue(json, DocumentChange.class);
    } catch (IOException e) {
      Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
      throw new IllegalArgumentException("malformed DocumentChange: " + cause.getMessage(), e);
    }
  }

  /** Parses a {@link DocumentChange} from a JSON string; see {@link #readChange(byte[])}. */
  public static DocumentChange readChange(String json) {
    return readChange(json.getBytes(StandardCharsets.UTF_8));
  }
}
