package io.ragstream.cli.local;

import io.ragstream.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Where a running {@code ragstream local} can be reached, written to {@value #FILE_NAME} in its
 * data directory once it has started and deleted when it stops, so that other commands ({@code
 * reconcile --repair}, the crash harness) find its Kafka broker and gateway even when their ports
 * were chosen at random. A platform killed with SIGKILL leaves the file behind: check {@link
 * #alive()}.
 *
 * @param pid process id of the platform's JVM
 * @param gatewayUrl e.g. {@code http://127.0.0.1:8080}
 * @param kafkaBootstrapServers the bootstrap servers the platform uses
 * @param startedAt epoch ms
 */
public record LocalRuntime(
    long pid, String gatewayUrl, String kafkaBootstrapServers, long startedAt) {

  /** The file name in the data directory. */
  public static final String FILE_NAME = "ragstream-local.json";

  /** Writes {@code runtime} to {@code dataDir} atomically. */
  public static void write(Path dataDir, LocalRuntime runtime) {
    Path file = dataDir.resolve(FILE_NAME);
    Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
    try {
      Files.writeString(tmp, Json.write(runtime));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** The runtime file of {@code dataDir}, empty when there is none. */
  public static Optional<LocalRuntime> read(Path dataDir) {
    Path file = dataDir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.mapper().readValue(file.toFile(), LocalRuntime.class));
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable " + file + ": " + e.getMessage(), e);
    }
  }

  /** Deletes the runtime file of {@code dataDir} if it exists. */
  public static void delete(Path dataDir) {
    try {
      Files.deleteIfExists(dataDir.resolve(FILE_NAME));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dataDir.resolve(FILE_NAME), e);
    }
  }

  /** Whether the process that wrote the file still runs. */
  public boolean alive() {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
