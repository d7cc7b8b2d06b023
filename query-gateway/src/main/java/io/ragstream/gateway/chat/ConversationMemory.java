package io.ragstream.gateway.chat;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ragstream.gateway.answer.Turn;
import io.ragstream.gateway.auth.Caller;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Bounded multi-turn memory: the last {@code turns} turns of at most {@code conversations}
 * conversations (Caffeine, least recently used evicted first), each dropped after {@code idle}
 * without use. A conversation belongs to the caller that started it: the key is tenant, subject and
 * conversation id, so one caller can never read another's history. Thread-safe.
 */
public final class ConversationMemory {

  private final int turns;
  private final Cache<String, Deque<Turn>> conversations;

  /**
   * @param turns turns kept per conversation, >= 1
   * @param conversations conversations kept, >= 1
   * @param idle time after which an unused conversation is forgotten
   */
  public ConversationMemory(int turns, long conversations, Duration idle) {
    if (turns < 1) throw new IllegalArgumentException("turns must be >= 1");
    this.turns = turns;
    this.conversations =
        Caffeine.newBuilder().maximumSize(conversations).expireAfterAccess(idle).build();
  }

  /** The earlier turns of {@code conversationId}, oldest first; empty for a new one or null id. */
  public List<Turn> history(Caller caller, String conversationId) {
    if (conversationId == null) return List.of();
    Deque<Turn> history = conversations.getIfPresent(key(caller, conversationId));
    if (history == null) return List.of();
    synchronized (history) {
      return List.copyOf(history);
    }
  }

  /** Appends a turn, dropping the oldest beyond the bound. A null id remembers nothing. */
  public void remember(Caller caller, String conversationId, Turn turn) {
    if (conversationId == null) return;
    Deque<Turn> history =
        conversations.get(key(caller, conversationId), k -> new ArrayDeque<>(turns + 1));
    synchronized (history) {
      history.addLast(turn);
      while (history.size() > turns) history.removeFirst();
    }
  }

  private static String key(Caller caller, String conversationId) {
    return caller.tenant() + "\u0000" + caller.subject() + "\u0000" + conversationId;
  }
}
