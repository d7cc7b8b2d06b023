package io.ragstream.gateway.http;

import io.ragstream.core.event.QueryEvent;
import io.ragstream.core.log.LogKeys;
import io.ragstream.core.store.Fusion;
import io.ragstream.core.store.IndexStats;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import io.ragstream.gateway.GatewayConfig;
import io.ragstream.gateway.adapter.QueryAdapters;
import io.ragstream.gateway.auth.Caller;
import io.ragstream.gateway.events.QueryRecorder;
import io.ragstream.gateway.index.ServingIndex;
import io.ragstream.gateway.metrics.GatewayMetrics;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.List;
import java.util.UUID;
import org.slf4j.MDC;

/**
 * {@code POST /v1/search}: parses the body on the event loop, then embeds the query and searches
 * the store on a worker thread (both block), and answers {@link SearchResponse}.
 *
 * <p>Every search is filtered server-side by the caller's tenant and principals ({@link
 * io.ragstream.gateway.auth.Caller#filter()}), the caller coming from {@link AuthHandler}.
 *
 * <p>Embedding, search and the reported embedder and generation come from one {@link
 * ServingIndex#acquire() lease}: during a reindex switch a search is answered entirely by the old
 * generation or entirely by the new one.
 */
final class SearchHandler implements Handler<RoutingContext> {
  private final GatewayConfig config;
  private final ServingIndex index;
  private final QueryRecorder recorder;
  private final QueryAdapters adapters;
  private final GatewayMetrics metrics;

  SearchHandler(
      GatewayConfig config,
      ServingIndex index,
      QueryRecorder recorder,
      QueryAdapters adapters,
      GatewayMetrics metrics) {
    this.metrics = metrics;
    this.config = config;
    this.index = index;
    this.recorder = recorder;
    this.adapters = adapters;
  }

  @Override
  public void handle(RoutingContext ctx) {
    long startNanos = System.nanoTime();
    SearchQuery query;
    try {
      Buffer body = ctx.body().buffer();
      query = SearchQuery.parse(body == null ? new byte[0] : body.getBytes(), config);
    } catch (HttpException e) {
      ctx.fail(e);
      return;
    }
    // Unordered: concurrent searches must not queue behind each other on this context.
    ctx.vertx()
        .executeBlocking(
            () -> {
              UUID queryId = UUID.randomUUID();
              try (MDC.MDCCloseable r = MDC.putCloseable(LogKeys.REQUEST_ID, RequestIds.of(ctx));
                  MDC.MDCCloseable q = MDC.putCloseable(LogKeys.QUERY_ID, queryId.toString())) {
                return search(queryId, query, AuthHandler.caller(ctx), startNanos);
              }
            },
            false)
        .onSuccess(response -> Responses.json(ctx, 200, response))
        .onFailure(ctx::fail);
  }

  /**
   * Blocking: embeds (unless BM25), searches, records the query (event, feedback check) and reads
   * the index freshness.
   */
  private SearchResponse search(UUID queryId, SearchQuery query, Caller caller, long startNanos) {
    try (ServingIndex.Lease lease = index.acquire()) {
      return search(lease, queryId, query, caller, startNanos);
    }
  }

  private SearchResponse search(
      ServingIndex.Lease lease, UUID queryId, SearchQuery query, Caller caller, long startNanos) {
    long embedStart = System.nanoTime();
    String embedderId = lease.embedder().id();
    float[] base =
        query.mode() == SearchMode.BM25 ? null : lease.embedder().embedQuery(query.query());
    QueryAdapters.Adapted adapted = base == null ? null : adapters.apply(embedderId, base);
    float[] vector = adapted == null ? null : adapted.vector();
    Fusion fusion = query.fusion() != null ? query.fusion() : config.defaultFusion();
    long searchStart = System.nanoTime();
    List<SearchHit> hits =
        lease
            .store()
            .search(
                new SearchRequest(
                    query.query(),
                    vector,
                    query.k(),
                    query.mode(),
                    caller.filter(),
                    query.collapse(),
                    fusion));
    long searchEnd = System.nanoTime();
    metrics.recordQuery(QueryEvent.SEARCH, query.mode(), searchEnd - startNanos);
    recorder.record(
        queryId.toString(),
        QueryEvent.SEARCH,
        caller,
        query.query(),
        base,
        embedderId,
        adapted == null ? null : adapted.adapterId(),
        query.mode(),
        query.k(),
        hits,
        (searchEnd - startNanos) / 1_000_000);
    IndexStats stats = lease.store().stats();
    return new SearchResponse(
        queryId,
        query.query(),
        SearchQuery.wireName(query.mode()),
        query.k(),
        query.mode() == SearchMode.BM25 ? null : embedderId,
        adapted == null ? null : adapted.adapterId(),
        query.mode() == SearchMode.HYBRID ? fusion.toString() : null,
        hits.stream().map(SearchHandler::hit).toList(),
        Responses.instant(stats.lastCommittedAt()),
        new SearchResponse.Timings(
            millis(searchStart - embedStart),
            millis(searchEnd - searchStart),
            millis(System.nanoTime() - startNanos)),
        new SearchResponse.Index(lease.generation().number(), embedderId));
  }

  private static SearchResponse.Hit hit(SearchHit h) {
    return new SearchResponse.Hit(
        h.documentId(), h.chunkIndex(), h.pointId(), h.score(), h.title(), h.text(), h.version());
  }

  /** Nanoseconds as milliseconds, rounded to the microsecond. */
  private static double millis(long nanos) {
    return Math.round(nanos / 1_000.0) / 1_000.0;
  }
}
