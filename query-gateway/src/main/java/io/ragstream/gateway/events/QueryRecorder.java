package io.ragstream.gateway.events;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ragstream.core.event.QueryEvent;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchMode;
import io.ragstream.gateway.auth.Caller;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every retrieval the gateway serves: publishes a {@link QueryEvent} on {@link
 * GatewayEvents} and remembers, for a bounded time, who asked and which documents were returned, so
 * that {@code POST /v1/feedback} can be checked against it ({@link #check}).
 *
 * <p>Checking feedback against served queries keeps the training data honest: a caller can only
 * judge documents the gateway actually showed it for a query it actually made, so feedback cannot
 * name documents the caller may not read, nor poison another caller's queries. The memory is local
 * to one gateway process: with several gateway replicas behind a load balancer, route feedback to
 * the replica that served the query (sticky sessions) or turn the check off ({@code
 * gateway.feedback.require-known-query: false}).
 *
 * <p>Thread-safe. Recording never fails the request: an event that cannot be built (for example a
 * store returning scores out of order) is logged at DEBUG and counted in {@link #skipped()}.
 */
public final class QueryRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(QueryRecorder.class);

  /** Default number of served queries remembered for feedback. */
  public static final long DEFAULT_MAX_QUERIES = 100_000;

  /** Default time a served query is remembered for feedback. */
  public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);

  /** Why feedback was refused by {@link #check}. */
  public enum Verdict {
    /** The feedback is about a document this caller was shown for this query. */
    ACCEPTED,
    /** The query id is unknown, expired, or belongs to another caller. */
    UNKNOWN_QUERY,
    /** The query is the caller's, but the document was not among its hits. */
    UNKNOWN_DOCUMENT
  }

  private record Served(String tenant, String subject, Set<String> documentIds) {}

  private final GatewayEvents events;
  private final String embedderId;
  private final boolean requireKnownQuery;
  private final Cache<String, Served> served;
  private final AtomicLong skipped = new AtomicLong();

  /**
   * @param events where query events go ({@link GatewayEvents#none()} to publish nothing)
   * @param embedderId id of the query embedder, put on events with an embedding
   * @param requireKnownQuery whether {@link #check} accepts only feedback on served queries; when
   *     false every well-formed feedback is {@link Verdict#ACCEPTED}
   * @param maxQueries served queries remembered, {@code >= 1}
   * @param retention how long a served query is remembered, positive
   */
  public QueryRecorder(
      GatewayEvents events,
      String embedderId,
      boolean requireKnownQuery,
      long maxQueries,
      Duration retention) {
    this.events = Objects.requireNonNull(events, "events");
    this.embedderId = Objects.requireNonNull(embedderId, "embedderId");
    this.requireKnownQuery = requireKnownQuery;
    if (maxQueries < 1) throw new IllegalArgumentException("maxQueries must be >= 1");
    if (retention == null || retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("retention must be positive");
    }
    this.served = Caffeine.newBuilder().maximumSize(maxQueries).expireAfterWrite(retention).build();
  }

  /** The events port feedback is published to. */
  public GatewayEvents events() {
    return events;
  }

  /**
   * Records one served retrieval. Call on any thread; does not block.
   *
   * @param queryId the id the client saw, a canonical lowercase UUID
   * @param kind {@link QueryEvent#SEARCH}, {@link QueryEvent#ANSWER} or {@link QueryEvent#CHAT}
   * @param caller who asked
   * @param query the text searched
   * @param embedding the base query embedding (before any query adapter), or null for BM25
   * @param adapter the query adapter whose output was searched with, or null for the base embedding
   *     ({@link io.ragstream.core.event.AdapterEvent#BASE} counts as null)
   * @param mode the retrieval mode
   * @param k hits asked for
   * @param hits the hits returned, best first
   * @param latencyMs from the request to the hits
   */
  public void record(
      String queryId,
      String kind,
      Caller caller,
      String query,
      float[] embedding,
      String adapter,
      SearchMode mode,
      int k,
      List<SearchHit> hits,
      long latencyMs) {
    record(queryId, kind, caller, query, embedding, embedderId, adapter, mode, k, hits, latencyMs);
  }

  /**
   * As {@link #record(String, String, Caller, String, float[], String, SearchMode, int, List,
   * long)}, for a query embedded by {@code queryEmbedderId} (the serving index generation's
   * embedder, which a reindex changes) instead of the one this recorder was built with.
   */
  public void record(
      String queryId,
      String kind,
      Caller caller,
      String query,
      float[] embedding,
      String queryEmbedderId,
      String adapter,
      SearchMode mode,
      int k,
      List<SearchHit> hits,
      long latencyMs) {
    List<String> documentIds = new ArrayList<>(hits.size());
    double[] scores = new double[hits.size()];
    for (int i = 0; i < hits.size(); i++) {
      documentIds.add(hits.get(i).documentId());
      scores[i] = hits.get(i).score();
    }
    served.put(queryId, new Served(caller.tenant(), caller.subject(), Set.copyOf(documentIds)));
    QueryEvent event;
    try {
      event =
          new QueryEvent(
              queryId,
              kind,
              caller.tenant(),
              caller.subject(),
              query,
              embedding,
              QueryEvent.modeName(mode),
              Math.max(k, documentIds.size()),
              scores,
              documentIds,
              Math.max(0, latencyMs),
              System.currentTimeMillis(),
              embedding == null ? null : queryEmbedderId,
              embedding == null || io.ragstream.core.event.AdapterEvent.BASE.equals(adapter)
                  ? null
                  : adapter);
    } catch (IllegalArgumentException e) {
      skipped.incrementAndGet();
      LOG.debug("query event {} not published: {}", queryId, e.getMessage());
      return;
    }
    events.publishQuery(event);
  }

  /**
   * Whether {@code caller} may give feedback on {@code documentId} for {@code queryId}: the query
   * must have been served to this caller (same tenant and subject) within the retention, and the
   * document must have been among its hits.
   */
  public Verdict check(Caller caller, String queryId, String documentId) {
    if (!requireKnownQuery) return Verdict.ACCEPTED;
    Served s = served.getIfPresent(queryId);
    if (s == null || !s.tenant.equals(caller.tenant()) || !s.subject.equals(caller.subject())) {
      return Verdict.UNKNOWN_QUERY;
    }
    return s.documentIds.contains(documentId) ? Verdict.ACCEPTED : Verdict.UNKNOWN_DOCUMENT;
  }

  /** Query events that could not be built and were not published. */
  public long skipped() {
    return skipped.get();
  }
}
