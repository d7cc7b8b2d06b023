package io.ragstream.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ragstream.core.error.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Layered configuration: built-in defaults &lt; YAML file &lt; environment &lt; command-line flags.
 *
 * <p>Keys are dotted and kebab-case, e.g. {@code gateway.port}. A YAML file nests them ({@code
 * gateway: {port: 8080}}). The environment variable of a key is {@code RAGSTREAM_} + the key upper
 * cased with dots and dashes as underscores ({@code RAGSTREAM_GATEWAY_PORT}). Typed getters fail
 * with a {@link ConfigException} naming the key, the value and where it came from.
 */
public final class Settings {
  private final Map<String, String> values = new HashMap<>();
  private final Map<String, String> origins = new HashMap<>();
  private final JsonNode tree;

  private Settings(JsonNode tree) {
    this.tree = tree;
  }

  /**
   * Loads settings.
   *
   * @param file YAML file, or null for none
   * @param env the environment (usually {@code System.getenv()})
   * @param flags values given on the command line, by key (null values are ignored)
   * @param knownKeys every key the caller reads; environment variables are looked up for these
   * @throws ConfigException if the file cannot be read or parsed
   */
  public static Settings load(
      Path file, Map<String, String> env, Map<String, String> flags, Iterable<String> knownKeys) {
    JsonNode tree = null;
    if (file != null) {
      try {
        tree = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
      } catch (IOException e) {
        throw new ConfigException("--config", "cannot read " + file + ": " + e.getMessage());
      }
    }
    Settings s = new Settings(tree);
    if (tree != null && tree.isObject()) {
      s.flatten("", tree, file.toString());
    }
    for (String key : knownKeys) {
      String envName = envName(key);
      String v = env.get(envName);
      if (v != null) {
        s.put(key, v, "environment " + envName);
      }
    }
    flags.forEach(
        (k, v) -> {
          if (v != null) {
            s.put(k, v, "flag");
          }
        });
    return s;
  }

  /** {@code RAGSTREAM_GATEWAY_PORT} for {@code gateway.port}. */
  public static String envName(String key) {
    return "RAGSTREAM_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private void flatten(String prefix, JsonNode node, String origin) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      var e = it.next();
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue().isObject()) {
        flatten(key, e.getValue(), origin);
      } else if (e.getValue().isValueNode() && !e.getValue().isNull()) {
        put(key, e.getValue().asText(), "file " + origin);
      }
    }
  }

  private void put(String key, String value, String origin) {
    values.put(key, value);
    origins.put(key, origin);
  }

  /** The raw YAML node at a dotted path (for lists such as {@code source.tables}), if any. */
  public Optional<JsonNode> node(String key) {
    if (tree == null) return Optional.empty();
    JsonNode n = tree;
    for (String part : key.split("\\.")) {
      n = n.get(part);
      if (n == null) return Optional.empty();
    }
    return Optional.of(n);
  }

  /**
   * The keys that have a value and start with {@code prefix}, from any layer, sorted. The
   * environment layer only holds the known keys given to {@link #load}, so keys the caller cannot
   * list in advance (e.g. Kubernetes resource names such as {@code nvidia.com/gpu}) come from the
   * file or the flags only.
   */
  public java.util.SortedSet<String> keysUnder(String prefix) {
    java.util.SortedSet<String> keys = new java.util.TreeSet<>();
    for (String key : values.keySet()) {
      if (key.startsWith(prefix)) keys.add(key);
    }
    return keys;
  }

  public String string(String key, String defaultValue) {
    return values.getOrDefault(key, defaultValue);
  }

  /**
   * A boolean: {@code true}/{@code yes}/{@code on} or {@code false}/{@code no}/{@code off}, any
   * case; {@code defaultValue} when the key is unset.
   *
   * @throws ConfigException naming the key when the value is none of these
   */
  public boolean bool(String key, boolean defaultValue) {
    String v = string(key, null);
    if (v == null) return defaultValue;
    return switch (v.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw fail(key, v, "must be true or false");
    };
  }

  public int integer(String key, int defaultValue, int min, int max) {
    String v = values.get(key);
    if (v == null) return defaultValue;
    try {
      int i = Integer.parseInt(v.trim());
      if (i < min || i > max) {
        throw fail(key, v, "must be in [" + min + ", " + max + "]");
      }
      return i;
    } catch (NumberFormatException e) {
      throw fail(key, v, "is not an integer");
    }
  }

  /**
   * A size in bytes: a whole number with an optional unit {@code b}, {@code kb}, {@code mb}, {@code
   * gb} (binary: 1kb = 1024 bytes; {@code k}, {@code m}, {@code g}, {@code kib}, {@code mib},
   * {@code gib} too), e.g. {@code 512kb}, {@code 1mb}, {@code 4096}.
   *
   * @throws ConfigException naming the key when the value is not a size or outside [min, max]
   */
  public long size(String key, long defaultValue, long min, long max) {
    String v = values.get(key);
    if (v == null) return defaultValue;
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(\\d+)\\s*([kmg]?)(i?b)?")
            .matcher(v.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw fail(key, v, "is not a size (use e.g. 4096, 512kb, 1mb or 2gb)");
    }
    long bytes;
    try {
      long n = Long.parseLong(m.group(1));
      int shift =
          switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
          };
      bytes = Math.multiplyExact(n, 1L << shift);
    } catch (ArithmeticException | NumberFormatException e) {
      throw fail(key, v, "is too large");
    }
    if (bytes < min || bytes > max) {
      throw fail(key, v, "must be between " + min + " and " + max + " bytes");
    }
    return bytes;
  }

  /**
   * A duration as ISO-8601 ({@code PT5S}) or a number with unit ms, s, m, h ({@code 500ms}, {@code
   * 5s}).
   */
  public Duration duration(String key, Duration defaultValue) {
    String v = values.get(key);
    if (v == null) return defaultValue;
    String t = v.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.startsWith("pt") || t.startsWith("p"))
        return Duration.parse(v.trim().toUpperCase(Locale.ROOT));
      if (t.endsWith("ms"))
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      if (t.endsWith("s"))
        return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
      if (t.endsWith("m"))
        return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
      if (t.endsWith("h")) return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
    } catch (NumberFormatException | DateTimeParseException e) {
      // fall through to the error below
    }
    throw fail(key, v, "is not a duration (use e.g. 500ms, 5s, 2m or PT5S)");
  }

  /** A {@link ConfigException} for {@code key} saying where its bad value came from. */
  public ConfigException fail(String key, String value, String problem) {
    String origin = origins.getOrDefault(key, "default");
    return new ConfigException(key, "'" + value + "' " + problem + " (from " + origin + ")");
  }
}
