package io.ragstream.core.store;

/** What {@code VectorStore.apply} did. */
public sealed interface ApplyResult permits ApplyResult.Applied, ApplyResult.Stale {

  /** The update changed the store. {@code pointsWritten} and {@code pointsRemoved} are counts. */
  record Applied(int pointsWritten, int pointsRemoved) implements ApplyResult {}

  /** The update was not newer than {@code storedVersion}; nothing changed. */
  record Stale(long storedVersion) implements ApplyResult {}
}
