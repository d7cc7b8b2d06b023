package io.ragstream.core.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where tests find the shared BEIR datasets (SciFact, NFCorpus), which are never copied into the
 * repository. Looked up in order: the system property {@value #PROPERTY}, the environment variable
 * {@value #ENV} ({@code .ci/run} sets it), then {@code shared/data/beir} beside the repository,
 * seen from the repository root or a module directory.
 */
public final class BeirData {
  /** System property naming the directory that holds {@code scifact/}, {@code nfcorpus/}. */
  public static final String PROPERTY = "ragstream.beir.dir";

  /** Environment variable naming the same directory. */
  public static final String ENV = "RAGSTREAM_BEIR_DIR";

  private BeirData() {}

  /** The directories looked at, in order. */
  public static List<Path> candidates() {
    List<Path> dirs = new ArrayList<>();
    String property = System.getProperty(PROPERTY);
    if (property != null && !property.isBlank()) dirs.add(Path.of(property));
    String env = System.getenv(ENV);
    if (env != null && !env.isBlank()) dirs.add(Path.of(env));
    dirs.add(Path.of("../shared/data/beir"));
    dirs.add(Path.of("../../shared/data/beir"));
    return dirs;
  }

  /**
   * The directory of dataset {@code name} (e.g. {@code scifact}); the calling test is skipped
   * (JUnit assumption, reported as skipped, never as passed) when no candidate holds it.
   */
  public static Path dataset(String name) {
    for (Path dir : candidates()) {
      Path dataset = dir.resolve(name);
      if (Files.isRegularFile(dataset.resolve("corpus.jsonl"))) {
        return dataset.toAbsolutePath().normalize();
      }
    }
    assumeTrue(false, "no BEIR " + name + " in " + candidates() + "; set " + ENV);
    throw new AssertionError("unreachable");
  }
}
