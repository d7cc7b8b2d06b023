package io.ragstream.trainer.launch;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The last lines of a job's log, for failure messages. */
final class LogTail {
  /** Bytes read from the end of the log at most. */
  static final int MAX_BYTES = 16 * 1024;

  private LogTail() {}

  /**
   * The last {@code lines} lines of {@code file} (from at most its last {@value #MAX_BYTES} bytes,
   * decoded as UTF-8), joined by {@code \n}; {@code "<no log>"} when the file cannot be read and
   * {@code "<empty log>"} when it holds nothing.
   */
  static String of(Path file, int lines) {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long length = raf.length();
      int n = (int) Math.min(length, MAX_BYTES);
      byte[] bytes = new byte[n];
      raf.seek(length - n);
      raf.readFully(bytes);
      String text = new String(bytes, StandardCharsets.UTF_8).stripTrailing();
      if (text.isEmpty()) {
        return "<empty log>";
      }
      List<String> all = Arrays.asList(text.split("\r?\n", -1));
      if (n < length && all.size() > 1) {
        all = all.subList(1, all.size()); // the first line was cut
      }
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "<no log>";
    }
  }
}
