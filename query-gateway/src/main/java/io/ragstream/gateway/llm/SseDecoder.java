package io.ragstream.gateway.llm;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Incremental decoder of a {@code text/event-stream} body (WHATWG HTML, "Server-sent events",
 * section 9.2.6 "Interpreting an event stream",
 * https://html.spec.whatwg.org/multipage/server-sent-events.html), fed with the bytes as they
 * arrive: an event or a line (even a UTF-8 character) may be split across chunks, and a chunk may
 * hold several events.
 *
 * <p>Lines end with CRLF, LF or CR; a leading BOM is skipped; lines starting with {@code :} are
 * comments; {@code data} lines are joined with LF and dispatched at the next blank line; other
 * fields ({@code event}, {@code id}, {@code retry}, unknown ones) are ignored, since
 * chat-completions streams carry everything in {@code data}. One deviation, for servers that omit
 * the final blank line: {@link #end()} dispatches a pending event instead of discarding it (a cut
 * JSON chunk then still fails to parse).
 *
 * <p>Not thread-safe; a Vert.x response handler calls it on one context.
 */
final class SseDecoder {

  /** A line or an event longer than the decoder accepts. */
  static final class TooLongException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLongException(String message) {
      super(message);
    }
  }

  private final int maxBytes;
  private final Predicate<String> onData;
  private byte[] line = new byte[256];
  private int lineLength;
  private boolean skipLf;
  private boolean atStart = true;
  private boolean stopped;
  private final StringBuilder data = new StringBuilder();

  /**
   * @param maxBytes longest line in bytes (UTF-8), and longest event data in characters
   * @param onData called with each event's data; returns false to stop decoding (the rest of the
   *     input is ignored)
   */
  SseDecoder(int maxBytes, Predicate<String> onData) {
    if (maxBytes < 1) throw new IllegalArgumentException("maxBytes must be >= 1, was " + maxBytes);
    this.maxBytes = maxBytes;
    this.onData = Objects.requireNonNull(onData, "onData");
  }

  /**
   * Decodes {@code bytes[offset, offset + length)}.
   *
   * @throws TooLongException when a line or an event exceeds the limit
   */
  void feed(byte[] bytes, int offset, int length) {
    int end = offset + length;
    for (int i = offset; i < end && !stopped; i++) {
      byte b = bytes[i];
      if (skipLf) {
        skipLf = false;
        if (b == '\n') continue;
      }
      if (b == '\n' || b == '\r') {
        skipLf = b == '\r';
        processLine();
      } else {
        if (lineLength == maxBytes) {
          throw new TooLongException("an event-stream line is longer than " + maxBytes + " bytes");
        }
        if (lineLength == line.length) {
          line = Arrays.copyOf(line, Math.min(maxBytes, line.length * 2));
        }
        line[lineLength++] = b;
      }
    }
  }

  /** Decodes all of {@code bytes}. */
  void feed(byte[] bytes) {
    feed(bytes, 0, bytes.length);
  }

  /** The input ended: processes a last unterminated line and dispatches a pending event. */
  void end() {
    if (stopped) return;
    if (lineLength > 0) processLine();
    if (!stopped) dispatch();
  }

  /** Whether {@code onData} asked to stop. */
  boolean stopped() {
    return stopped;
  }

  private void processLine() {
    String text = new String(line, 0, lineLength, StandardCharsets.UTF_8);
    lineLength = 0;
    if (atStart) {
      atStart = false;
      if (!text.isEmpty() && text.charAt(0) == '\uFEFF') text = text.substring(1);
    }
    if (text.isEmpty()) {
      dispatch();
      return;
    }
    if (text.charAt(0) == ':') return; // comment, e.g. a keep-alive
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    if (!field.equals("data")) return;
    String value = "";
    if (colon >= 0) {
      int start = colon + 1;
      if (start < text.length() && text.charAt(start) == ' ') start++;
      value = text.substring(start);
    }
    if (data.length() + value.length() + 1 > maxBytes) {
      throw new TooLongException("an event is longer than " + maxBytes + " characters");
    }
    data.append(value).append('\n');
  }

  private void dispatch() {
    if (data.length() == 0) return;
    data.setLength(data.length() - 1); // the trailing LF
    String event = data.toString();
    data.setLength(0);
    if (!onData.test(event)) stopped = true;
  }
}
