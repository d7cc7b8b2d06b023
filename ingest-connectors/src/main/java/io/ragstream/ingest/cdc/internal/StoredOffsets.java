package io.ragstream.ingest.cdc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the PostgreSQL connector's position from the file of Kafka Connect's {@code
 * FileOffsetBackingStore} (a serialized {@code HashMap<byte[], byte[]>} of JSON key and value), so
 * the source can compare it with the replication slot before Debezium starts.
 *
 * <p>The key is {@code ["<engine name>",{"server":"<topic prefix>"}]}; the engine name holds the
 * slot name ({@link DebeziumProperties#engineName}), so the file remembers which slot it belongs
 * to. The value holds {@code lsn_proc} (last completely processed LSN), {@code lsn}, {@code
 * lsn_commit} and snapshot flags.
 */
public final class StoredOffsets {
  private static final ObjectInputFilter ONLY_MAPS_OF_BYTES =
      info -> {
        Class<?> c = info.serialClass();
        if (c == null) {
          return info.depth() > 3 || info.references() > 100_000
              ? ObjectInputFilter.Status.REJECTED
              : ObjectInputFilter.Status.UNDECIDED;
        }
        // HashMap.readObject asks the filter about the Map.Entry[] table it allocates.
        return c == HashMap.class || c == byte[].class || c == Map.Entry[].class
            ? ObjectInputFilter.Status.ALLOWED
            : ObjectInputFilter.Status.REJECTED;
      };

  private StoredOffsets() {}

  /**
   * The stored position of engine {@code engineName}, or empty when the file or the engine's entry
   * does not exist.
   *
   * @throws UncheckedIOException when the file exists but cannot be read as an offsets file
   */
  public static Optional<Position> read(Path file, String engineName) {
    Map<?, ?> raw;
    try (InputStream in = Files.newInputStream(file);
        ObjectInputStream ois = new ObjectInputStream(in)) {
      ois.setObjectInputFilter(ONLY_MAPS_OF_BYTES);
      Object o = ois.readObject();
      if (!(o instanceof Map<?, ?> m)) {
        throw new IOException("expected a map, found " + (o == null ? "null" : o.getClass()));
      }
      raw = m;
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | ClassNotFoundException e) {
      throw new UncheckedIOException(
          "cannot read Debezium offsets file " + file + ": " + e.getMessage(),
          e instanceof IOException io ? io : new IOException(e));
    }
    for (Map.Entry<?, ?> e : raw.entrySet()) {
      if (!(e.getKey() instanceof byte[] k) || !(e.getValue() instanceof byte[] v)) {
        continue;
      }
      JsonNode key = parse(k);
      if (key != null && key.isArray() && engineName.equals(key.path(0).asText())) {
        JsonNode value = parse(v);
        return value == null ? Optional.empty() : Optional.of(Position.of(value));
      }
    }
    return Optional.empty();
  }

  /**
   * The connector's stored position.
   *
   * @param lastProcessedLsn {@code lsn_proc}, else {@code lsn}; null when neither is stored
   * @param snapshotInProgress whether the offsets were written during the initial snapshot
   */
  public record Position(Long lastProcessedLsn, boolean snapshotInProgress) {
    static Position of(JsonNode v) {
      JsonNode lsn = v.hasNonNull("lsn_proc") ? v.get("lsn_proc") : v.get("lsn");
      return new Position(
          lsn != null && lsn.canConvertToLong() ? lsn.asLong() : null,
          v.path("snapshot").asBoolean(false) || v.path("snapshot").asText().equals("INITIAL"));
    }
  }

  private static JsonNode parse(byte[] bytes) {
    try {
      return Json.mapper().readTree(new String(bytes, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return null;
    }
  }
}
