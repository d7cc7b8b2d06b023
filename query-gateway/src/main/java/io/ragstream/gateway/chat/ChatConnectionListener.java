package io.ragstream.gateway.chat;

/**
 * Told when a {@code /v1/chat} connection opens (after the upgrade) and when it closes, once each
 * per connection; the gateway's metrics count open connections with it. Called on the connection's
 * event loop, so implementations must be thread-safe and must not block.
 */
public interface ChatConnectionListener {
  /** A listener that does nothing. */
  ChatConnectionListener NONE =
      new ChatConnectionListener() {
        @Override
        public void opened() {}

        @Override
        public void closed() {}
      };

  /** A connection was upgraded and is served. */
  void opened();

  /** A connection that was {@link #opened()} has closed, for whatever reason. */
  void closed();
}
