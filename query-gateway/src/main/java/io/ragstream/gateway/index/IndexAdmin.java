package io.ragstream.gateway.index;

/**
 * The operations behind the gateway's {@code /admin/index} endpoint: which index generations exist
 * and which serves, building a new one with another embedder, switching back, deleting the old one
 * (docs/reindex.md). Implemented by whoever runs the indexing jobs (in local mode, {@code
 * io.ragstream.cli.reindex.ReindexController}).
 *
 * <p>Every method may block (file and Kafka I/O) and is called on a worker thread; each returns a
 * JSON-serializable snapshot of the generations after the operation. Refusals are exceptions whose
 * message tells the operator what to do: {@link IllegalArgumentException} for a bad argument (HTTP
 * 400), {@link IllegalStateException} for an operation the current state does not allow (409).
 */
public interface IndexAdmin {

  /**
   * The bearer token {@code /admin/index} requires (compared in constant time); at least 16
   * characters.
   */
  String adminToken();

  /** The generations and which one serves. */
  Object status();

  /**
   * Starts building a new generation with {@code embedder} from the source of truth while the
   * serving one keeps serving; the switch happens by itself once the new one has caught up.
   *
   * @throws IllegalArgumentException when {@code embedder} is unknown
   * @throws IllegalStateException when {@code embedder} already serves or a build is running
   */
  Object reindex(String embedder);

  /**
   * Serves the previous generation again (kept up to date until it is retired).
   *
   * @throws IllegalStateException when there is no previous generation
   */
  Object rollback();

  /**
   * Stops the previous generation's indexing and deletes its index; rollback is impossible after.
   *
   * @throws IllegalStateException when there is no previous generation
   */
  Object retire();
}
