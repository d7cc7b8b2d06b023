package io.ragstream.cli.beir;

import io.ragstream.core.error.RagstreamException;
import java.nio.file.Path;

/**
 * A BEIR file is missing, unreadable or malformed; the message starts with {@code file:line: }
 * (line 1-based, 0 when the problem is the file as a whole). Not retriable.
 */
public class BeirFormatException extends RagstreamException {
  private final transient Path file;
  private final long line;

  public BeirFormatException(Path file, long line, String message) {
    this(file, line, message, null);
  }

  public BeirFormatException(Path file, long line, String message, Throwable cause) {
    super(file + (line > 0 ? ":" + line : "") + ": " + message, cause);
    this.file = file;
    this.line = line;
  }

  /** The file at fault. */
  public Path file() {
    return file;
  }

  /** The 1-based line at fault, or 0 when the problem is the whole file. */
  public long line() {
    return line;
  }
}
