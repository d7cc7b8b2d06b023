package io.ragstream.trainer.launch;

import io.ragstream.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * An {@link AdapterSink} that copies each adapter to {@code <root>/<adapterId>/} with an {@value
 * #METADATA_FILE} beside the PEFT files. Ids are {@code llm-<yyyyMMdd-HHmmss UTC>-<first 8
 * characters of the job id>}, so they are unique per job and sort by time.
 *
 * <p>Thread-safe (jobs have distinct ids); a copy is written under a temporary name and moved into
 * place, so a reader never sees half an adapter.
 */
public final class DirectoryAdapterSink implements AdapterSink {
  /** Metadata written with each adapter. */
  public static final String METADATA_FILE = "ragstream-adapter.json";

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private final Path root;
  private final Clock clock;

  /**
   * @param root the registry directory (created if missing)
   * @param clock stamps ids and metadata
   */
  public DirectoryAdapterSink(Path root, Clock clock) {
    this.root = Objects.requireNonNull(root, "root");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The id {@code jobId}'s adapter gets when registered now. */
  String adapterId(String jobId) {
    return "llm-" + STAMP.format(clock.instant()) + "-" + jobId.substring(0, 8);
  }

  /**
   * @throws IllegalStateException when {@code <root>/<adapterId>} exists already
   * @throws UncheckedIOException when the copy fails
   */
  @Override
  public RegisteredAdapter register(TrainedAdapter adapter) {
    String id = adapterId(adapter.jobId());
    Path target = root.resolve(id);
    Path tmp = root.resolve("." + id + ".tmp");
    try {
      Files.createDirectories(root);
      if (Files.exists(target)) {
        throw new IllegalStateException("adapter directory " + target + " exists already");
      }
      copyTree(adapter.directory(), tmp);
      Map<String, Object> meta = new LinkedHashMap<>();
      meta.put("adapterId", id);
      meta.put("jobId", adapter.jobId());
      meta.put("baseModel", adapter.baseModel());
      meta.put("createdAt", clock.instant().toString());
      meta.put("metrics", adapter.metrics());
      meta.put("dataset", adapter.datasetSources());
      Files.write(
          tmp.resolve(METADATA_FILE),
          Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      return new RegisteredAdapter(id, target);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot register the adapter of job " + adapter.jobId(), e);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path dest = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(p, dest, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }
}
