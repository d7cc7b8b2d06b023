package io.ragstream.cli.reindex;

import io.ragstream.embedding.Embedders;
import java.util.Objects;

/**
 * One index generation: a version number, the one embedder every point in it was made with, and
 * where it lives. Locations and consumer groups derive from the number and numbers are never
 * reused, so one index never holds two models (docs/reindex.md).
 *
 * @param number 1, 2, ...; generation 1 is the index {@code ragstream local} always had
 * @param embedder embedder name (one of {@code Embedders.names()})
 * @param state where the generation is in its lifecycle
 * @param createdAt epoch ms
 * @param changedAt epoch ms of the last state change
 * @param reason why the generation is in its state (the failure of a {@link State#FAILED} one), or
 *     null
 */
public record IndexGeneration(
    int number, String embedder, State state, long createdAt, long changedAt, String reason) {

  /** The lifecycle: BUILDING → SERVING ⇄ STANDBY → RETIRED; BUILDING → FAILED. */
  public enum State {
    /** Its indexing job replays {@code ragstream.changes} from the start; not searched yet. */
    BUILDING,
    /** Searched by the gateway; exactly one generation serves. */
    SERVING,
    /** The previous serving one, kept up to date by its job so a rollback serves it at once. */
    STANDBY,
    /** Job stopped, index deleted. */
    RETIRED,
    /** The build failed or was abandoned; its index is not searched. */
    FAILED
  }

  /** The Qdrant collection prefix of versioned collections ({@code ragstream_v<N>}). */
  public static final String QDRANT_COLLECTION_PREFIX = "ragstream_v";

  public IndexGeneration {
    if (number < 1) {
      throw new IllegalArgumentException("generation number must be >= 1, was " + number);
    }
    if (embedder == null || embedder.isBlank()) {
      throw new IllegalArgumentException("generation " + number + ": embedder must not be blank");
    }
    Objects.requireNonNull(state, "state");
  }

  /** A copy in {@code next} state since {@code at}, with {@code why} (or null). */
  IndexGeneration to(State next, long at, String why) {
    return new IndexGeneration(number, embedder, next, createdAt, at, why);
  }

  /**
   * The Lucene directory under the data directory: {@code index} for generation 1 (the layout
   * before generations existed), {@code index-v<N>} after.
   */
  public String luceneDirectory() {
    return number == 1 ? "index" : "index-v" + number;
  }

  /**
   * The Lucene directory of this generation in distributed mode, where {@code first} ({@code
   * store.lucene.path}) is generation 1's: {@code first} itself, else its sibling {@code
   * <name>-v<N>} (so {@code <data-dir>/index} gives the local layout).
   */
  public java.nio.file.Path luceneDirectory(java.nio.file.Path first) {
    return number == 1 ? first : first.resolveSibling(first.getFileName() + "-v" + number);
  }

  /**
   * The consumer group of this generation's indexing job in distributed mode, where {@code first}
   * ({@code indexing.group-id}) is generation 1's: {@code first} itself, else {@code <first>-v<N>}.
   */
  public String consumerGroup(String first) {
    return number == 1 ? first : first + "-v" + number;
  }

  /** The Qdrant collection of this generation, {@code ragstream_v<N>}. */
  public String qdrantCollection() {
    return QDRANT_COLLECTION_PREFIX + number;
  }

  /**
   * The Kafka consumer group of this generation's indexing job: {@code ragstream-indexer} for
   * generation 1 (as before generations existed), {@code ragstream-indexer-v<N>} after.
   */
  public String consumerGroup() {
    return number == 1 ? "ragstream-indexer" : "ragstream-indexer-v" + number;
  }

  /** The Flink checkpoint directory under the data directory. */
  public String checkpointDirectory() {
    return number == 1 ? "flink-checkpoints" : "flink-checkpoints-v" + number;
  }

  /**
   * Tokens per chunk for this generation's model: {@code configured} ({@code
   * indexing.chunk.max-tokens}), lowered to what the model reads before truncating.
   */
  public int chunkMaxTokens(int configured) {
    return Math.min(configured, Embedders.maxPassageTokens(embedder));
  }

  /** Overlap tokens for this generation: {@code configured}, below {@link #chunkMaxTokens}. */
  public int chunkOverlapTokens(int configuredMax, int configured) {
    return Math.min(configured, chunkMaxTokens(configuredMax) - 1);
  }

  /** Whether its indexing job runs (building, serving or standby). */
  public boolean live() {
    return state == State.BUILDING || state == State.SERVING || state == State.STANDBY;
  }
}
