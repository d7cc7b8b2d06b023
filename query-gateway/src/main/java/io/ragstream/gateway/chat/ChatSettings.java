package io.ragstream.gateway.chat;

import io.ragstream.core.error.ConfigException;
import java.time.Duration;
import java.util.List;

/**
 * Limits of answers and the WebSocket chat (docs/chat.md).
 *
 * @param maxMessageBytes largest WebSocket frame and message accepted, in bytes ({@code
 *     gateway.chat.max-message-bytes}, default 64 KiB); a larger one closes the connection with
 *     1009
 * @param maxQueuedBytes outgoing bytes a connection may have queued before it is closed as a slow
 *     consumer with 4008 ({@code gateway.chat.max-queued-bytes}, default 1 MiB)
 * @param memoryTurns turns remembered per conversation ({@code gateway.chat.memory-turns}, 6)
 * @param maxConversations conversations remembered ({@code gateway.chat.max-conversations}, 10,000)
 * @param allowedOrigins browser origins allowed to open the chat besides the gateway's own ({@code
 *     gateway.chat.allowed-origins}, e.g. {@code https://chat.example.com}); {@code *} allows any
 * @param pingInterval interval of the server's WebSocket pings (30 s)
 * @param idleTimeout a connection silent (no message, no pong) this long is closed with 1001 (2
 *     min)
 * @param ratePerSecond requests per second per caller on HTTP and chat ({@code
 *     gateway.rate-limit.per-second}, 10)
 * @param rateBurst burst per caller ({@code gateway.rate-limit.burst}, 20)
 * @param maxK largest {@code k} of an answer (20)
 */
public record ChatSettings(
    int maxMessageBytes,
    int maxQueuedBytes,
    int memoryTurns,
    long maxConversations,
    List<String> allowedOrigins,
    Duration pingInterval,
    Duration idleTimeout,
    long ratePerSecond,
    long rateBurst,
    int maxK) {

  public ChatSettings {
    if (maxMessageBytes < 1024 || maxMessageBytes > 16 * 1024 * 1024) {
      throw new ConfigException(
          "gateway.chat.max-message-bytes", "must be in 1024..16777216, was " + maxMessageBytes);
    }
    if (maxQueuedBytes < maxMessageBytes) {
      throw new ConfigException(
          "gateway.chat.max-queued-bytes",
          "must be at least gateway.chat.max-message-bytes (" + maxMessageBytes + ")");
    }
    if (memoryTurns < 1 || memoryTurns > 100) {
      throw new ConfigException("gateway.chat.memory-turns", "must be in 1..100");
    }
    if (maxConversations < 1) {
      throw new ConfigException("gateway.chat.max-conversations", "must be >= 1");
    }
    allowedOrigins = List.copyOf(allowedOrigins == null ? List.of() : allowedOrigins);
    if (ratePerSecond < 1)
      throw new ConfigException("gateway.rate-limit.per-second", "must be >= 1");
    if (rateBurst < 1) throw new ConfigException("gateway.rate-limit.burst", "must be >= 1");
    if (maxK < 1 || maxK > 100)
      throw new ConfigException("gateway.chat.max-k", "must be in 1..100");
  }

  /** The defaults of docs/chat.md. */
  public static ChatSettings defaults() {
    return new ChatSettings(
        64 * 1024,
        1024 * 1024,
        6,
        10_000,
        List.of(),
        Duration.ofSeconds(30),
        Duration.ofMinutes(2),
        10,
        20,
        20);
  }

  /** A copy with the per-caller rate limit replaced. */
  public ChatSettings withRateLimit(long perSecond, long burst) {
    return new ChatSettings(
        maxMessageBytes,
        maxQueuedBytes,
        memoryTurns,
        maxConversations,
        allowedOrigins,
        pingInterval,
        idleTimeout,
        perSecond,
        burst,
        maxK);
  }

  /** A copy with the allowed origins replaced. */
  public ChatSettings withAllowedOrigins(List<String> origins) {
    return new ChatSettings(
        maxMessageBytes,
        maxQueuedBytes,
        memoryTurns,
        maxConversations,
        origins,
        pingInterval,
        idleTimeout,
        ratePerSecond,
        rateBurst,
        maxK);
  }

  /** A copy with the outgoing queue bound replaced. */
  public ChatSettings withMaxQueuedBytes(int bytes) {
    return new ChatSettings(
        maxMessageBytes,
        bytes,
        memoryTurns,
        maxConversations,
        allowedOrigins,
        pingInterval,
        idleTimeout,
        ratePerSecond,
        rateBurst,
        maxK);
  }

  /** A copy with the ping interval and idle timeout replaced. */
  public ChatSettings withHeartbeat(Duration ping, Duration idle) {
    return new ChatSettings(
        maxMessageBytes,
        maxQueuedBytes,
        memoryTurns,
        maxConversations,
        allowedOrigins,
        ping,
        idle,
        ratePerSecond,
        rateBurst,
        maxK);
  }
}
