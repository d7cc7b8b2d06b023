package io.ragstream.core.adapter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragstream.core.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes the F32 tensors of a safetensors file, as specified by Hugging Face
 * (https://github.com/huggingface/safetensors, "Format"): 8 bytes little-endian unsigned header
 * size N; N bytes of UTF-8 JSON mapping each tensor name to {@code {"dtype", "shape",
 * "data_offsets": [begin, end]}} (offsets relative to the byte buffer after the header, end
 * exclusive) plus an optional {@code "__metadata__"} object of strings; then the byte buffer,
 * tensors row-major and little-endian. No Java library for the format is kept up on Maven Central
 * (checked 2026-11), and the format is small, so this class implements it from the specification.
 *
 * <p>Only {@code F32} is read and written (the adapters are F32). Reading is strict, as the
 * reference implementation is: the header must be at most {@value #MAX_HEADER_BYTES} bytes of a
 * JSON object, every tensor's byte length must equal its element count × 4, and the data offsets
 * must cover the byte buffer exactly, without holes or overlaps. Writing pads the header with
 * spaces to a multiple of 8 bytes and orders tensors by name, as the reference writer does.
 * Stateless and thread-safe.
 */
public final class Safetensors {
  /** Largest accepted header (the reference implementation's limit), bytes. */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final String METADATA_KEY = "__metadata__";

  private Safetensors() {}

  /**
   * One F32 tensor.
   *
   * @param shape dimensions, each {@code >= 0}; product = {@code values.length}
   * @param values the elements, row-major
   */
  public record Tensor(int[] shape, float[] values) {
    public Tensor {
      Objects.requireNonNull(shape, "shape");
      Objects.requireNonNull(values, "values");
      long count = 1;
      for (int s : shape) {
        if (s < 0) throw new IllegalArgumentException("negative dimension in " + describe(shape));
        count *= s;
      }
      if (count != values.length) {
        throw new IllegalArgumentException(
            "shape " + describe(shape) + " needs " + count + " values, got " + values.length);
      }
      shape = shape.clone();
      values = values.clone();
    }

    @Override
    public int[] shape() {
      return shape.clone();
    }

    @Override
    public float[] values() {
      return values.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Tensor t
          && Arrays.equals(shape, t.shape)
          && Arrays.equals(values, t.values);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
      return "Tensor" + describe(shape);
    }
  }

  /** A shape as {@code [r, d]}. */
  public static String describe(int[] shape) {
    return Arrays.toString(shape);
  }

  /**
   * Writes {@code tensors} (name → tensor) and {@code metadata} to {@code file}, replacing it.
   *
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when a name is blank or {@value #METADATA_KEY}
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    ObjectNode header = Json.mapper().createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode meta = header.putObject(METADATA_KEY);
      metadata.forEach(meta::put);
    }
    List<String> names = new ArrayList<>(tensors.keySet());
    names.sort(null);
    long offset = 0;
    for (String name : names) {
      if (name == null || name.isBlank() || METADATA_KEY.equals(name)) {
        throw new IllegalArgumentException("invalid tensor name '" + name + "'");
      }
      Tensor t = tensors.get(name);
      ObjectNode entry = header.putObject(name);
      entry.put("dtype", "F32");
      var shape = entry.putArray("shape");
      for (int s : t.shape) shape.add(s);
      long end = offset + 4L * t.values.length;
      entry.putArray("data_offsets").add(offset).add(end);
      offset = end;
    }
    byte[] json = Json.mapper().writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) head.put((byte) ' ');
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(head.array());
      for (String name : names) {
        float[] v = tensors.get(name).values;
        ByteBuffer data = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(v);
        out.write(data.array());
      }
    }
  }

  /**
   * Reads every tensor of {@code file}, in header order.
   *
   * @throws AdapterFormatException naming the file (and the tensor) when the file is missing,
   *     truncated, has a malformed header, a dtype other than F32, a shape that does not match its
   *     byte length, or data offsets that do not tile the byte buffer
   */
  public static Map<String, Tensor> read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new AdapterFormatException("cannot read safetensors file " + file + ": " + e, e);
    }
    if (bytes.length < 8) {
      throw corrupt(file, "shorter than the 8-byte header size (" + bytes.length + " bytes)");
    }
    long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n < 2 || n > MAX_HEADER_BYTES || n > bytes.length - 8L) {
      throw corrupt(
          file, "header size " + n + " is impossible for a file of " + bytes.length + " bytes");
    }
    JsonNode header;
    try {
      header = Json.mapper().readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw corrupt(file, "header is not JSON: " + e.getOriginalMessage());
    }
    if (header == null || !header.isObject()) {
      throw corrupt(file, "header is not a JSON object");
    }
    int dataStart = 8 + (int) n;
    long dataLength = bytes.length - (long) dataStart;
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    List<long[]> ranges = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = field.getKey();
      if (METADATA_KEY.equals(name)) continue;
      JsonNode entry = field.getValue();
      String dtype = entry.path("dtype").asText(null);
      if (!"F32".equals(dtype)) {
        throw corrupt(file, "tensor " + name + " has dtype " + dtype + ", only F32 is supported");
      }
      JsonNode shapeNode = entry.path("shape");
      JsonNode offsets = entry.path("data_offsets");
      if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
        throw corrupt(file, "tensor " + name + " lacks shape or data_offsets [begin, end]");
      }
      int[] shape = new int[shapeNode.size()];
      long count = 1;
      for (int i = 0; i < shape.length; i++) {
        JsonNode s = shapeNode.get(i);
        if (!s.canConvertToInt() || s.asInt() < 0) {
          throw corrupt(file, "tensor " + name + " has an invalid shape " + shapeNode);
        }
        shape[i] = s.asInt();
        count *= shape[i];
      }
      long begin = offsets.get(0).asLong(-1);
      long end = offsets.get(1).asLong(-1);
      if (begin < 0 || end < begin || end > dataLength) {
        throw corrupt(
            file,
            "tensor "
                + name
                + " has data_offsets ["
                + begin
                + ", "
                + end
                + "] outside the "
                + dataLength
                + "-byte buffer (file truncated?)");
      }
      if (end - begin != 4 * count) {
        throw corrupt(
            file,
            "tensor "
                + name
                + " has shape "
                + describe(shape)
                + " ("
                + 4 * count
                + " bytes) but "
                + (end - begin)
                + " bytes of data");
      }
      float[] values = new float[(int) count];
      ByteBuffer.wrap(bytes, dataStart + (int) begin, (int) (end - begin))
          .order(ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer()
          .get(values);
      tensors.put(name, new Tensor(shape, values));
      ranges.add(new long[] {begin, end});
    }
    ranges.sort((a, b) -> Long.compare(a[0], b[0]));
    long covered = 0;
    for (long[] r : ranges) {
      if (r[0] != covered) {
        throw corrupt(file, "data offsets leave a hole or overlap at byte " + covered);
      }
      covered = r[1];
    }
    if (covered != dataLength) {
      throw corrupt(
          file, "tensors cover " + covered + " of the " + dataLength + " data bytes (extra bytes)");
    }
    return tensors;
  }

  private static AdapterFormatException corrupt(Path file, String what) {
    return new AdapterFormatException("corrupt safetensors file " + file + ": " + what);
  }
}
