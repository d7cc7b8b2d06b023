package io.ragstream.core.adapter;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.ragstream.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The local {@link AdapterRegistry}: one directory per adapter under a root.
 *
 * <pre>
 * ROOT/
 *   qa-20261123-211500-3f2a/        one adapter (id = directory name)
 *     adapter_config.json           see {@link LoraAdapter}
 *     adapter_model.safetensors
 *     metrics.json                  {"adapterId", "embedder", "parent", "jobId", "createdAt", "metrics"}
 *   .reserved/qa-20261123-211500-3f2a   one empty file per id ever handed out (never deleted)
 *   .tmp-...                        a registration in progress (or left by a crash; ignored)
 * </pre>
 *
 * <p>Ids are {@code qa-<yyyyMMdd-HHmmss UTC>-<4 hex digits>}; an id is reserved by atomically
 * creating its {@code .reserved} file before anything is written, so it is never handed out twice,
 * even after a failed registration. An adapter is written into a {@code .tmp-} directory and then
 * renamed to its id (an atomic move on one file system), so {@link #get}, {@link #list} and {@link
 * #load} never see a half-written adapter. Thread-safe, and safe for several processes on one root.
 */
public final class FileAdapterRegistry implements AdapterRegistry {
  /** The metadata file of an adapter directory. */
  public static final String METRICS_FILE = "metrics.json";

  private static final String RESERVED = ".reserved";
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private final Path root;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  private FileAdapterRegistry(Path root, Clock clock) {
    this.root = root;
    this.clock = clock;
  }

  /**
   * A registry in {@code root} (created when missing) that stamps ids and {@code createdAt} with
   * {@code clock}.
   *
   * @throws UncheckedIOException when the root cannot be created
   */
  public static FileAdapterRegistry open(Path root, Clock clock) {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(clock, "clock");
    try {
      Files.createDirectories(root.resolve(RESERVED));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create adapter registry " + root, e);
    }
    return new FileAdapterRegistry(root.toAbsolutePath().normalize(), clock);
  }

  /** {@link #open(Path, Clock)} with the system UTC clock. */
  public static FileAdapterRegistry open(Path root) {
    return open(root, Clock.systemUTC());
  }

  /** The root directory. */
  public Path root() {
    return root;
  }

  @Override
  public RegisteredAdapter register(
      LoraAdapter adapter, Map<String, Double> metrics, String parent, String jobId) {
    Objects.requireNonNull(adapter, "adapter");
    long createdAt = clock.millis();
    String id = reserveId(createdAt);
    Path target = root.resolve(id);
    Path tmp = root.resolve(".tmp-" + id);
    RegisteredAdapter record =
        new RegisteredAdapter(
            id, adapter.embedder(), tmp.toUri(), metrics, parent, jobId, createdAt);
    try {
      Files.createDirectory(tmp);
      adapter.withId(id).save(tmp);
      Json.mapper()
          .writerWithDefaultPrettyPrinter()
          .writeValue(tmp.resolve(METRICS_FILE).toFile(), MetricsFile.of(record));
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(tmp);
      if (e instanceof RuntimeException re) throw re;
      throw new UncheckedIOException(
          "cannot register adapter " + id + " in " + root, (IOException) e);
    }
    return new RegisteredAdapter(
        id, adapter.embedder(), target.toUri(), metrics, parent, jobId, createdAt);
  }

  /** Reserves a fresh id by creating its marker file; retries on the rare collision. */
  private String reserveId(long now) {
    for (int attempt = 0; attempt < 100; attempt++) {
      byte[] suffix = new byte[2];
      random.nextBytes(suffix);
      String id =
          "qa-"
              + STAMP.format(java.time.Instant.ofEpochMilli(now))
              + "-"
              + HexFormat.of().formatHex(suffix);
      try {
        Files.createFile(root.resolve(RESERVED).resolve(id));
        if (!Files.exists(root.resolve(id))) return id;
      } catch (FileAlreadyExistsException e) {
        // taken: try another suffix
      } catch (IOException e) {
        throw new UncheckedIOException("cannot reserve an adapter id in " + root, e);
      }
    }
    throw new IllegalStateException("no free adapter id in " + root + " after 100 attempts");
  }

  @Override
  public Optional<RegisteredAdapter> get(String adapterId) {
    Objects.requireNonNull(adapterId, "adapterId");
    if (!ID.matcher(adapterId).matches()) return Optional.empty();
    Path file = root.resolve(adapterId).resolve(METRICS_FILE);
    if (!Files.isRegularFile(file)) return Optional.empty();
    return Optional.of(read(file));
  }

  @Override
  public List<RegisteredAdapter> list() {
    List<RegisteredAdapter> out = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (name.startsWith(".")) continue;
        Path file = dir.resolve(METRICS_FILE);
        if (Files.isRegularFile(file)) out.add(read(file));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list adapter registry " + root, e);
    }
    out.sort(
        Comparator.comparingLong(RegisteredAdapter::createdAt)
            .thenComparing(RegisteredAdapter::adapterId));
    return out;
  }

  @Override
  public LoraAdapter load(String adapterId) {
    RegisteredAdapter record =
        get(adapterId)
            .orElseThrow(
                () -> new NoSuchElementException("no adapter " + adapterId + " in " + root));
    return LoraAdapter.load(Path.of(record.uri()));
  }

  /** Ids handed out so far, registered or not (for tests and operators). */
  List<String> reservedIds() {
    try (Stream<Path> files = Files.list(root.resolve(RESERVED))) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private RegisteredAdapter read(Path file) {
    MetricsFile m;
    try {
      m = Json.mapper().readValue(file.toFile(), MetricsFile.class);
    } catch (IOException e) {
      throw new AdapterFormatException("unreadable " + file + ": " + e.getMessage(), e);
    }
    try {
      return new RegisteredAdapter(
          m.adapterId(),
          m.embedder(),
          file.getParent().toUri(),
          m.metrics(),
          m.parent(),
          m.jobId(),
          m.createdAt());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new AdapterFormatException("invalid " + file + ": " + e.getMessage(), e);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) return;
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // best effort: a left-over .tmp- directory is ignored by readers
    }
  }

  /** The JSON of {@value #METRICS_FILE}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record MetricsFile(
      String adapterId,
      String embedder,
      String parent,
      String jobId,
      long createdAt,
      Map<String, Double> metrics) {
    static MetricsFile of(RegisteredAdapter r) {
      return new MetricsFile(
          r.adapterId(), r.embedder(), r.parent(), r.jobId(), r.createdAt(), r.metrics());
    }
  }
}
