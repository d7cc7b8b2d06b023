package io.ragstream.cli.reindex;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The secret of the gateway's {@code /admin/index} endpoint, kept in {@value #FILE_NAME} in the
 * data directory, readable by its owner only: whoever may read the data directory may already
 * delete the index, so reading this file is the permission to reindex (as Docker's socket or
 * Jupyter's token file). Created once (256 random bits, base64url) and reused across restarts.
 */
public final class AdminToken {
  /** The token file in the data directory. */
  public static final String FILE_NAME = "admin-token";

  private AdminToken() {}

  /**
   * The token of {@code dataDir}, created (mode 0600) when missing.
   *
   * @throws UncheckedIOException when the file cannot be created or read
   */
  public static String getOrCreate(Path dataDir) {
    Path file = dataDir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      try {
        Files.createDirectories(dataDir);
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, token);
      } catch (FileAlreadyExistsException e) {
        // created concurrently: read it below
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create " + file + ": " + e.getMessage(), e);
      }
    }
    return read(dataDir);
  }

  /**
   * The token of {@code dataDir}.
   *
   * @throws IllegalStateException when there is none (no {@code ragstream local} ever ran there)
   * @throws UncheckedIOException when it cannot be read
   */
  public static String read(Path dataDir) {
    Path file = dataDir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      throw new IllegalStateException(
          "no "
              + FILE_NAME
              + " in "
              + dataDir
              + ": is ragstream local running with this data dir?");
    }
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
