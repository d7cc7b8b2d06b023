package io.ragstream.gateway.adapter;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.event.AdapterKind;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query adapter a gateway serves, swapped atomically when {@code ragstream.adapters} promotes
 * another one (docs/query-adapter.md). A query adapter maps the base query embedding to the one
 * searched with ({@code q' = normalize(q + (alpha/r)·B·A·q)}); the corpus is never re-embedded.
 *
 * <p>A search takes one {@link #apply snapshot}: the vector it searches with and the adapter id it
 * reports always belong together, and a swap never fails or blocks a query (the new adapter is
 * loaded before the reference changes; queries in flight finish with the one they took). An adapter
 * that cannot be loaded is logged and counted, and the serving one stays.
 *
 * <p>Thread-safe.
 */
public final class QueryAdapters implements AdapterListener {
  private static final Logger LOG = LoggerFactory.getLogger(QueryAdapters.class);

  /**
   * Loads an adapter's transform from its registry URI (a {@code file:} directory in the local
   * registry). May block (file I/O); must be thread-safe.
   */
  @FunctionalInterface
  public interface Loader {
    /**
     * @param adapterId the adapter's id
     * @param uri where its files are
     * @return the transform: a base query embedding (the embedder's dimension, L2-normalized) to
     *     the adapted one (same dimension, L2-normalized); must not modify its argument
     * @throws RuntimeException with the reason when the adapter cannot be loaded (missing or
     *     corrupt files, a dimension that does not match)
     */
    UnaryOperator<float[]> load(String adapterId, URI uri);
  }

  /**
   * The vector a query searches with and the adapter that produced it.
   *
   * @param vector the adapted embedding (the base one under {@link AdapterEvent#BASE})
   * @param adapterId the serving adapter's id, or {@link AdapterEvent#BASE}
   */
  public record Adapted(float[] vector, String adapterId) {}

  private record Serving(String adapterId, UnaryOperator<float[]> transform) {}

  private static final Serving BASE = new Serving(AdapterEvent.BASE, v -> v);

  private final String embedderId;
  private final Loader loader;
  private final AtomicReference<Serving> serving = new AtomicReference<>(BASE);
  private final AtomicLong swaps = new AtomicLong();
  private final AtomicLong loadFailures = new AtomicLong();
  private volatile MultiGauge servingGauge;

  /**
   * @param embedderId the id of this gateway's query embedder; only adapters for it are served
   * @param loader loads a promoted adapter
   */
  public QueryAdapters(String embedderId, Loader loader) {
    this.embedderId = Objects.requireNonNull(embedderId, "embedderId");
    this.loader = Objects.requireNonNull(loader, "loader");
  }

  /** Adapters that are never swapped in: every query is searched with its base embedding. */
  public static QueryAdapters none() {
    return new QueryAdapters(
        "none",
        (id, uri) -> {
          throw new IllegalStateException("query adapters are disabled");
        });
  }

  /** The key of the {@code ragstream.adapters} events this gateway follows. */
  public String key() {
    return AdapterKind.QUERY_ADAPTER + ":" + embedderId;
  }

  /**
   * The vector to search with for {@code base} and the adapter that made it, from one snapshot of
   * the serving adapter. Never blocks.
   *
   * @param base the base query embedding; not modified
   */
  public Adapted apply(float[] base) {
    Serving s = serving.get();
    return new Adapted(s.transform().apply(base), s.adapterId());
  }

  /**
   * As {@link #apply(float[])} for a query embedded by {@code queryEmbedderId}: an adapter trained
   * for another embedder is never applied (it would map the vector into the wrong space), so a
   * query from any other embedder (e.g. after a reindex switched models) is searched with its base
   * embedding under {@link AdapterEvent#BASE}.
   */
  public Adapted apply(String queryEmbedderId, float[] base) {
    if (!embedderId.equals(queryEmbedderId)) {
      return new Adapted(base, AdapterEvent.BASE);
    }
    return apply(base);
  }

  /** The id of the embedder whose adapters this follows. */
  public String embedderId() {
    return embedderId;
  }

  /** The serving adapter's id, or {@link AdapterEvent#BASE}. */
  public String servingId() {
    return serving.get().adapterId();
  }

  /** How many times the serving adapter changed. */
  public long swaps() {
    return swaps.get();
  }

  /** How many promoted adapters could not be loaded (the serving one stayed each time). */
  public long loadFailures() {
    return loadFailures.get();
  }

  /**
   * Registers the meters: {@code ragstream_query_adapter_info{adapter}} (1 for the serving adapter,
   * {@code base} for none; the Prometheus info pattern), {@code
   * ragstream_query_adapter_swaps_total} and {@code ragstream_query_adapter_load_failures_total}.
   */
  public QueryAdapters bindTo(MeterRegistry registry) {
    FunctionCounter.builder("ragstream.query.adapter.swaps", swaps, AtomicLong::get)
        .description("Times the serving query adapter changed")
        .register(registry);
    FunctionCounter.builder("ragstream.query.adapter.load.failures", loadFailures, AtomicLong::get)
        .description("Promoted query adapters that could not be loaded (the serving one stayed)")
        .register(registry);
    servingGauge =
        MultiGauge.builder("ragstream.query.adapter.info")
            .description("1 for the query adapter this gateway serves (base = none)")
            .register(registry);
    publishServing();
    return this;
  }

  private void publishServing() {
    MultiGauge gauge = servingGauge;
    if (gauge != null) {
      gauge.register(
          List.of(MultiGauge.Row.of(Tags.of("adapter", serving.get().adapterId()), 1)), true);
    }
  }

  /**
   * Acts on one {@code ragstream.adapters} event: a {@link AdapterEvent.Status#PROMOTED} event for
   * {@link #key()} loads that adapter (blocking) and then swaps it in; {@link AdapterEvent#BASE}
   * swaps back to the base embedding. Every other event is ignored.
   *
   * @return whether the serving adapter changed
   */
  @Override
  public boolean accept(AdapterEvent event) {
    if (event.status() != AdapterEvent.Status.PROMOTED || !key().equals(event.key())) {
      return false;
    }
    if (event.adapterId().equals(serving.get().adapterId())) {
      return false;
    }
    Serving next;
    if (AdapterEvent.BASE.equals(event.adapterId())) {
      next = BASE;
    } else {
      try {
        next =
            new Serving(
                event.adapterId(),
                Objects.requireNonNull(
                    loader.load(event.adapterId(), URI.create(event.uri())), "transform"));
      } catch (RuntimeException e) {
        loadFailures.incrementAndGet();
        LOG.error(
            "cannot load query adapter {} from {}; still serving {}",
            event.adapterId(),
            event.uri(),
            serving.get().adapterId(),
            e);
        return false;
      }
    }
    Serving previous = serving.getAndSet(next);
    swaps.incrementAndGet();
    publishServing();
    LOG.info(
        "query adapter for {}: now serving {} (was {}; {})",
        embedderId,
        next.adapterId(),
        previous.adapterId(),
        event.reason());
    return true;
  }
}
