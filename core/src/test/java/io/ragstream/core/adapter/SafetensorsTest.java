package io.ragstream.core.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  @TempDir Path dir;

  @Test
  void roundTripsTensorsAndWritesTheSpecLayout() throws Exception {
    Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
    tensors.put("b", new Safetensors.Tensor(new int[] {2, 1}, new float[] {-1.5f, 2f}));
    tensors.put("a", new Safetensors.Tensor(new int[] {1, 3}, new float[] {1f, 0.25f, 3e-8f}));
    Path file = dir.resolve("t.safetensors");
    Safetensors.write(file, tensors, Map.of("format", "pt"));

    assertThat(Safetensors.read(file)).containsExactlyInAnyOrderEntriesOf(tensors);

    byte[] bytes = Files.readAllBytes(file);
    long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(n % 8).as("header padded to 8 bytes").isZero();
    String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    assertThat(header.strip())
        .isEqualTo(
            "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1,3],\"data_offsets\":[0,12]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[12,20]}}");
    assertThat(bytes.length).isEqualTo(8 + n + 20);
    // tensor a first, little-endian
    ByteBuffer data = ByteBuffer.wrap(bytes, 8 + (int) n, 20).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(data.getFloat()).isEqualTo(1f);
  }

  @Test
  void readsAFileWrittenByHandFromTheSpecification() throws Exception {
    String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    Path file = dir.resolve("hand.safetensors");
    Files.write(file, file(json, 1.0f, -2.0f));
    assertThat(Safetensors.read(file))
        .containsEntry("w", new Safetensors.Tensor(new int[] {2}, new float[] {1f, -2f}));
  }

  @Test
  void rejectsTruncatedFilesNamingTheFileAndTensor() throws Exception {
    String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}";
    Path file = dir.resolve("short.safetensors");
    Files.write(file, file(json, 1f, 2f));
    assertThatThrownBy(() -> Safetensors.read(file))
        .isInstanceOf(AdapterFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("tensor w")
        .hasMessageContaining("truncated");

    Path tiny = dir.resolve("tiny.safetensors");
    Files.write(tiny, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> Safetensors.read(tiny))
        .isInstanceOf(AdapterFormatException.class)
        .hasMessageContaining("shorter than the 8-byte header");
  }

  @Test
  void rejectsImpossibleHeaderSizeAndNonJsonHeader() throws Exception {
    Path file = dir.resolve("big.safetensors");
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
    Files.write(file, b.array());
    assertThatThrownBy(() -> Safetensors.read(file))
        .isInstanceOf(AdapterFormatException.class)
        .hasMessageContaining("header size 1099511627776 is impossible");

    Path garbage = dir.resolve("garbage.safetensors");
    Files.write(garbage, file("{not json}   "));
    assertThatThrownBy(() -> Safetensors.read(garbage))
        .isInstanceOf(AdapterFormatException.class)
        .hasMessageContaining("header is not JSON");
  }

  @Test
  void rejectsOtherDtypesShapeMismatchesHolesAndExtraBytes() throws Exception {
    assertThatThrownBy(
            () -> read("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 1f))
        .hasMessageContaining("tensor w has dtype F16, only F32 is supported");
    assertThatThrownBy(
            () -> read("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 1f, 2f))
        .hasMessageContaining("tensor w has shape [3] (12 bytes) but 8 bytes of data");
    assertThatThrownBy(
            () -> read("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 1f, 2f))
        .hasMessageContaining("hole or overlap at byte 0");
    assertThatThrownBy(
            () -> read("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 1f, 2f))
        .hasMessageContaining("tensors cover 4 of the 8 data bytes");
  }

  private Map<String, Safetensors.Tensor> read(String json, float... values) throws Exception {
    Path file = Files.createTempFile(dir, "t", ".safetensors");
    Files.write(file, file(json, values));
    return Safetensors.read(file);
  }

  /** A safetensors file as the specification lays it out. */
  private static byte[] file(String headerJson, float... values) {
    byte[] json = headerJson.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
    out.writeBytes(json);
    ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) data.putFloat(v);
    out.writeBytes(data.array());
    return out.toByteArray();
  }
}
