package io.ragstream.gateway.index;

import io.ragstream.core.port.Embedder;
import io.ragstream.core.port.VectorStore;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The index generation a gateway searches: a query {@link Embedder} and the {@link VectorStore}
 * built with the same model, swapped together in one atomic step (docs/reindex.md).
 *
 * <p>Every search takes one {@link #acquire() lease} and embeds and searches through it, so the
 * query vector always comes from the model that built the index it searches, even while a swap
 * happens. A swap never blocks or fails a search: searches that hold a lease on the old generation
 * finish with it, new ones get the new generation. The old generation's resources are released (its
 * {@code release} action runs) only when the last lease on it is closed, never while a search uses
 * it. This is the reference counting of Lucene's {@code ReferenceManager} ({@code tryIncRef} fails
 * once the count reached zero, and the caller rereads the current reference).
 *
 * <p>Thread-safe; {@link #acquire()} never blocks.
 */
public final class ServingIndex implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServingIndex.class);

  /**
   * One searchable generation.
   *
   * @param number the generation number, {@code >= 1} (reported on every search response)
   * @param embedder embeds queries with the model the index was built with; thread-safe
   * @param store the generation's index; thread-safe
   */
  public record Generation(int number, Embedder embedder, VectorStore store) {
    public Generation {
      if (number < 1) {
        throw new IllegalArgumentException("generation number must be >= 1, was " + number);
      }
      Objects.requireNonNull(embedder, "embedder");
      Objects.requireNonNull(store, "store");
    }
  }

  /**
   * A search's hold on one generation: the embedder and the store stay open until {@link #close()}.
   * Close it exactly once when the search is done (closing again does nothing).
   */
  public interface Lease extends AutoCloseable {
    /** The generation this lease holds. */
    Generation generation();

    /** Shortcut for {@code generation().embedder()}. */
    default Embedder embedder() {
      return generation().embedder();
    }

    /** Shortcut for {@code generation().store()}. */
    default VectorStore store() {
      return generation().store();
    }

    @Override
    void close();
  }

  /** A generation with its reference count; starts with the serving reference (1). */
  private static final class Holder {
    final Generation generation;
    final AutoCloseable release;
    final AtomicInteger refs = new AtomicInteger(1);

    Holder(Generation generation, AutoCloseable release) {
      this.generation = generation;
      this.release = release;
    }

    boolean tryRetain() {
      while (true) {
        int n = refs.get();
        if (n == 0) return false;
        if (refs.compareAndSet(n, n + 1)) return true;
      }
    }

    void releaseOne() {
      int n = refs.decrementAndGet();
      if (n == 0) {
        try {
          release.close();
          LOG.info("index generation {} released", generation.number());
        } catch (Exception e) {
          if (e instanceof InterruptedException) Thread.currentThread().interrupt();
          LOG.warn("releasing index generation {} failed", generation.number(), e);
        }
      } else if (n < 0) {
        throw new IllegalStateException("generation " + generation.number() + " over-released");
      }
    }
  }

  private final AtomicReference<Holder> current;
  private final AtomicInteger swaps = new AtomicInteger();

  private ServingIndex(Holder first) {
    this.current = new AtomicReference<>(first);
  }

  /**
   * Serves {@code generation}; {@code release} runs once it was swapped out (or this index closed)
   * and its last lease closed.
   */
  public static ServingIndex of(Generation generation, AutoCloseable release) {
    return new ServingIndex(
        new Holder(Objects.requireNonNull(generation, "generation"), release(release)));
  }

  /**
   * Serves generation 1 of {@code embedder} and {@code store} forever; releasing does nothing (the
   * caller owns both), the behaviour of a gateway without reindexing.
   */
  public static ServingIndex fixed(Embedder embedder, VectorStore store) {
    return of(new Generation(1, embedder, store), () -> {});
  }

  private static AutoCloseable release(AutoCloseable release) {
    return Objects.requireNonNull(release, "release");
  }

  /** A lease on the serving generation; close it when the search is done. Never blocks. */
  public Lease acquire() {
    while (true) {
      Holder h = current.get();
      if (h.tryRetain()) {
        return new HolderLease(h);
      }
      // h was swapped out and fully released between get() and tryRetain(): reread.
    }
  }

  /**
   * Makes {@code next} the serving generation at once. The previous one keeps serving the leases
   * taken before; its {@code release} runs when the last of them is closed (at once if none).
   *
   * @param release runs once {@code next} is swapped out again and no lease holds it
   * @return the previous generation's number
   */
  public int swap(Generation next, AutoCloseable release) {
    Objects.requireNonNull(next, "next");
    Holder h = new Holder(next, release(release));
    Holder previous = current.getAndSet(h);
    swaps.incrementAndGet();
    LOG.info(
        "serving index generation {} ({}), was {} ({})",
        next.number(),
        next.embedder().id(),
        previous.generation.number(),
        previous.generation.embedder().id());
    previous.releaseOne();
    return previous.generation.number();
  }

  /** The serving generation (a snapshot; use {@link #acquire()} to search with it). */
  public Generation serving() {
    return current.get().generation;
  }

  /** How many times the serving generation changed. */
  public int swaps() {
    return swaps.get();
  }

  /** Releases the serving generation once no lease holds it. */
  @Override
  public void close() {
    current.get().releaseOne();
  }

  private static final class HolderLease implements Lease {
    private final Holder holder;
    private final AtomicBoolean closed = new AtomicBoolean();

    HolderLease(Holder holder) {
      this.holder = holder;
    }

    @Override
    public Generation generation() {
      return holder.generation;
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        holder.releaseOne();
      }
    }
  }
}
