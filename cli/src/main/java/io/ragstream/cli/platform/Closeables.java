package io.ragstream.cli.platform;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a part of the platform started, closed in reverse order of {@link #push}: the last part
 * started is the first stopped. Not thread-safe; a part pushes from the thread that starts it.
 */
public final class Closeables implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Closeables.class);

  private final Deque<AutoCloseable> stack = new ArrayDeque<>();

  /** Adds {@code c}, to be closed before everything pushed earlier; returns it. */
  public <T extends AutoCloseable> T push(T c) {
    stack.push(c);
    return c;
  }

  /**
   * Closes everything in reverse order; logs a failure at WARN and goes on, keeps the interrupt
   * flag when a close was interrupted.
   */
  @Override
  public void close() {
    while (!stack.isEmpty()) {
      AutoCloseable c = stack.pop();
      try {
        c.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        LOG.warn("Error while stopping {}: {}", c, e.toString());
      }
    }
  }
}
