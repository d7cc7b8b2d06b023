package io.ragstream.gateway.chat;

import io.ragstream.core.event.AnswerEvent;
import io.ragstream.core.event.QueryEvent;
import io.ragstream.core.log.LogKeys;
import io.ragstream.core.store.Fusion;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import io.ragstream.gateway.adapter.QueryAdapters;
import io.ragstream.gateway.answer.AnswerGenerator;
import io.ragstream.gateway.answer.CitationFilter;
import io.ragstream.gateway.answer.Generation;
import io.ragstream.gateway.answer.GenerationException;
import io.ragstream.gateway.answer.GenerationListener;
import io.ragstream.gateway.answer.GenerationRequest;
import io.ragstream.gateway.answer.Passage;
import io.ragstream.gateway.answer.Turn;
import io.ragstream.gateway.auth.Caller;
import io.ragstream.gateway.events.QueryRecorder;
import io.ragstream.gateway.index.ServingIndex;
import io.ragstream.gateway.llm.ChatMessage;
import io.ragstream.gateway.metrics.GatewayMetrics;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The answer pipeline shared by {@code POST /v1/answer} and {@code /v1/chat}: rewrite a follow-up
 * into a standalone query (when the generator can), retrieve the chunks the caller may read
 * (hybrid, filtered server-side by {@link Caller#filter()}), generate the answer from them with
 * {@code [n]} citations, drop citations that point nowhere, and remember the turn.
 *
 * <p>Only chunks that passed the caller's filter reach the generator, so neither the answer text
 * nor a citation can come from a chunk the caller may not read.
 */
public final class AnswerService {
  private static final Logger LOG = LoggerFactory.getLogger(AnswerService.class);

  /** A passage as the caller sees it, with its citation number. */
  public record Cited(
      int n, String documentId, int chunk, String title, String text, double score, long version) {}

  /**
   * A finished answer.
   *
   * @param queryId id of this answer (feedback refers to it)
   * @param query the standalone query searched
   * @param answer the answer text, citation markers checked
   * @param cited numbers of the passages the answer cites, in order of first citation
   * @param retrievalMs from the ask to the retrieved passages (rewrite, embedding and search)
   * @param firstTokenMs from the ask to the first answer token, or -1 if the answer was empty
   * @param totalMs from the ask to the end of the answer
   * @param asOf commit time (epoch ms) of the newest source change the index holds, 0 if none
   */
  public record Result(
      String queryId,
      String query,
      String answer,
      List<Integer> cited,
      long retrievalMs,
      long firstTokenMs,
      long totalMs,
      long asOf) {

    /** {@code retrievalMs}, {@code firstTokenMs}, {@code totalMs}, in that order (for JSON). */
    public Map<String, Long> timings() {
      Map<String, Long> timings = new LinkedHashMap<>();
      timings.put("retrievalMs", retrievalMs);
      timings.put("firstTokenMs", firstTokenMs);
      timings.put("totalMs", totalMs);
      return timings;
    }

    /** {@link #asOf()} as an ISO-8601 instant, or null when the index holds nothing yet. */
    public String asOfInstant() {
      return asOf <= 0 ? null : Instant.ofEpochMilli(asOf).toString();
    }
  }

  /**
   * One question.
   *
   * @param question the caller's text
   * @param k passages to retrieve (chunks, not collapsed to documents)
   * @param conversationId conversation to continue and remember into, or null
   * @param model model or adapter name for the generator, or null for its default
   * @param documentIds only answer from these documents, or null for all the caller may read
   */
  public record Ask(
      String question, int k, String conversationId, String model, Set<String> documentIds) {}

  private final Vertx vertx;
  private final ServingIndex index;
  private final AnswerGenerator generator;
  private final ConversationMemory memory;
  private final Fusion fusion;
  private final QueryRecorder recorder;
  private final QueryAdapters adapters;
  private final GatewayMetrics metrics;

  /**
   * @param index the serving index generation; each retrieval embeds and searches through one lease
   *     on it
   * @param recorder records every retrieval (query event, feedback check)
   * @param adapters the serving query adapter, applied to every query embedding
   * @param metrics where retrieval latency and time to first token are recorded
   */
  public AnswerService(
      Vertx vertx,
      ServingIndex index,
      AnswerGenerator generator,
      ConversationMemory memory,
      Fusion fusion,
      QueryRecorder recorder,
      QueryAdapters adapters,
      GatewayMetrics metrics) {
    this.adapters = Objects.requireNonNull(adapters, "adapters");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.index = Objects.requireNonNull(index, "index");
    this.generator = Objects.requireNonNull(generator, "generator");
    this.memory = Objects.requireNonNull(memory, "memory");
    this.fusion = Objects.requireNonNull(fusion, "fusion");
    this.recorder = Objects.requireNonNull(recorder, "recorder");
  }

  /** What answers (e.g. {@code extractive}, {@code openai:llama3}). */
  public String generatorId() {
    return generator.id();
  }

  /**
   * Answers {@code ask} for {@code caller}; results go to {@code sink} on the calling context. Must
   * be called on a Vert.x context.
   *
   * @param kind what asks, for the query event: {@link QueryEvent#ANSWER} or {@link
   *     QueryEvent#CHAT}
   * @return a handle whose {@link Generation#cancel()} stops the answer wherever it is
   */
  public Generation answer(String kind, Caller caller, Ask ask, AnswerSink sink) {
    long start = System.nanoTime();
    String queryId = UUID.randomUUID().toString();
    AtomicReference<Generation> running = new AtomicReference<>();
    boolean[] cancelled = {false};
    List<Turn> history = memory.history(caller, ask.conversationId());
    generator
        .standaloneQuery(ask.question(), history, ask.model())
        .recover(
            e -> {
              // A failed rewrite should not fail the answer: search the follow-up as it is.
              withQueryId(
                  queryId,
                  () ->
                      LOG.warn(
                          "query rewrite failed, searching the question as asked: {}",
                          e.toString()));
              return io.vertx.core.Future.succeededFuture(ask.question());
            })
        .compose(query -> vertx.executeBlocking(() -> retrieve(caller, ask, query), false))
        .onComplete(
            ar -> {
              if (cancelled[0]) return;
              if (ar.failed()) {
                withQueryId(queryId, () -> LOG.error("retrieval failed", ar.cause()));
                sink.failed("internal", "retrieval failed");
                return;
              }
              Retrieved r = ar.result();
              long retrievalMs = millisSince(start);
              metrics.recordQuery(kind, SearchMode.HYBRID, System.nanoTime() - start);
              recorder.record(
                  queryId,
                  kind,
                  caller,
                  r.query,
                  r.vector,
                  r.embedderId,
                  r.adapter,
                  SearchMode.HYBRID,
                  ask.k(),
                  r.hits,
                  retrievalMs);
              List<Cited> cited = new ArrayList<>();
              List<Passage> passages = new ArrayList<>();
              for (SearchHit h : r.hits) {
                int n = cited.size() + 1;
                cited.add(
                    new Cited(
                        n,
                        h.documentId(),
                        h.chunkIndex(),
                        h.title(),
                        h.text(),
                        h.score(),
                        h.version()));
                passages.add(new Passage(n, h.documentId(), h.chunkIndex(), h.title(), h.text()));
              }
              sink.retrieved(queryId, r.query, cited);
              Set<Integer> numbers = new HashSet<>();
              cited.forEach(c -> numbers.add(c.n()));
              CitationFilter filter = new CitationFilter(numbers);
              long[] firstToken = {-1};
              GenerationRequest request =
                  new GenerationRequest(r.query, passages, history, ask.model());
              running.set(
                  generator.generate(
                      request,
                      new GenerationListener() {
                        @Override
                        public void onToken(String text) {
                          String shown = filter.accept(text);
                          if (shown.isEmpty()) return;
                          if (firstToken[0] < 0) firstToken[0] = millisSince(start);
                          sink.token(shown);
                        }

                        @Override
                        public void onComplete() {
                          String rest = filter.finish();
                          if (!rest.isEmpty()) {
                            if (firstToken[0] < 0) firstToken[0] = millisSince(start);
                            sink.token(rest);
                          }
                          if (firstToken[0] >= 0) metrics.recordFirstToken(kind, firstToken[0]);
                          String answer = filter.answer();
                          memory.remember(
                              caller, ask.conversationId(), new Turn(ask.question(), answer));
                          Result result =
                              new Result(
                                  queryId,
                                  r.query,
                                  answer,
                                  filter.cited(),
                                  retrievalMs,
                                  firstToken[0],
                                  millisSince(start),
                                  r.lastCommittedAt);
                          sink.done(result);
                          publishAnswer(
                              queryId, kind, caller, request, answer, filter.cited(), cited);
                        }

                        @Override
                        public void onError(Throwable error) {
                          if (error instanceof GenerationException g) {
                            sink.failed(g.code(), g.getMessage());
                          } else {
                            withQueryId(
                                queryId, () -> LOG.error("answer generation failed", error));
                            sink.failed("internal", "answer generation failed");
                          }
                        }
                      }));
            });
    return () -> {
      cancelled[0] = true;
      Generation g = running.get();
      if (g != null) g.cancel();
    };
  }

  /** Runs {@code log} with {@code queryId} in the MDC ({@link LogKeys#QUERY_ID}). */
  private static void withQueryId(String queryId, Runnable log) {
    try (MDC.MDCCloseable ignored = MDC.putCloseable(LogKeys.QUERY_ID, queryId)) {
      log.run();
    }
  }

  /**
   * Publishes the answer on {@code ragstream.answers}; a failure is counted, never the caller's.
   */
  private void publishAnswer(
      String queryId,
      String kind,
      Caller caller,
      GenerationRequest request,
      String answer,
      List<Integer> citedNumbers,
      List<Cited> passages) {
    if (answer == null || answer.isBlank()) return;
    List<String> citedDocumentIds = new ArrayList<>();
    for (int n : citedNumbers) {
      if (n >= 1 && n <= passages.size()) {
        String id = passages.get(n - 1).documentId();
        if (!citedDocumentIds.contains(id)) citedDocumentIds.add(id);
      }
    }
    List<AnswerEvent.Message> messages = new ArrayList<>();
    for (ChatMessage m : generator.prompt(request)) {
      messages.add(new AnswerEvent.Message(m.role(), m.content()));
    }
    AnswerEvent event =
        new AnswerEvent(
            queryId,
            kind,
            caller.tenant(),
            caller.subject(),
            messages,
            answer,
            citedDocumentIds,
            generator.model(request.model()),
            System.currentTimeMillis());
    recorder.events().publishAnswer(event);
  }

  private Retrieved retrieve(Caller caller, Ask ask, String query) {
    try (ServingIndex.Lease lease = index.acquire()) {
      String embedderId = lease.embedder().id();
      float[] base = lease.embedder().embedQuery(query);
      QueryAdapters.Adapted adapted = adapters.apply(embedderId, base);
      float[] vector = adapted.vector();
      int depth = ask.documentIds() == null ? ask.k() : Math.min(SearchRequest.MAX_K, ask.k() * 10);
      List<SearchHit> hits =
          lease
              .store()
              .search(
                  new SearchRequest(
                      query, vector, depth, SearchMode.HYBRID, caller.filter(), false, fusion));
      if (ask.documentIds() != null) {
        hits =
            hits.stream()
                .filter(h -> ask.documentIds().contains(h.documentId()))
                .limit(ask.k())
                .toList();
      }
      return new Retrieved(
          query,
          base,
          embedderId,
          adapted.adapterId(),
          hits,
          lease.store().stats().lastCommittedAt());
    }
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  /**
   * What was retrieved: the base query embedding, the embedder that made it, the adapter that
   * transformed it and the index's freshness (epoch ms) at retrieval.
   */
  private record Retrieved(
      String query,
      float[] vector,
      String embedderId,
      String adapter,
      List<SearchHit> hits,
      long lastCommittedAt) {}
}
