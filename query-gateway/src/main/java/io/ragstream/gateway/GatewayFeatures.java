package io.ragstream.gateway;

import io.ragstream.gateway.adapter.QueryAdapters;
import io.ragstream.gateway.answer.AnswerGenerator;
import io.ragstream.gateway.answer.ExtractiveAnswerer;
import io.ragstream.gateway.auth.AuthSettings;
import io.ragstream.gateway.chat.ChatSettings;
import io.ragstream.gateway.events.GatewayEvents;
import io.ragstream.gateway.index.IndexAdmin;
import io.ragstream.gateway.metrics.GatewayMetrics;
import java.util.Objects;

/**
 * What the gateway needs beyond search: who may call it, the chat's limits, what writes answers,
 * where query and feedback events go and where its metrics go.
 *
 * @param auth credentials accepted and the anonymous caller, if any
 * @param chat limits of answers and the WebSocket chat
 * @param generator writes answers: an OpenAI-compatible LLM server or the {@link
 *     ExtractiveAnswerer}; the gateway does not close it
 * @param events where query and feedback events are published ({@link GatewayEvents#none()} for
 *     nowhere); the gateway does not close it
 * @param feedbackRequiresKnownQuery whether {@code POST /v1/feedback} accepts only feedback on a
 *     document this gateway returned to the same caller for that query ({@code
 *     gateway.feedback.require-known-query}, default true; see {@link
 *     io.ragstream.gateway.events.QueryRecorder})
 * @param metrics the registry served on {@code GET /metrics}; the gateway does not close it
 * @param queryAdapters the serving query adapter ({@link QueryAdapters#none()} to search with the
 *     base embedding); whoever swaps adapters in (e.g. a {@link
 *     io.ragstream.gateway.adapter.KafkaAdapterWatcher}) is started and closed by the caller
 * @param indexAdmin the index-generation admin served under {@code /admin/index} (reindex,
 *     rollback, retire; docs/reindex.md), or null for no admin endpoint (the default)
 */
public record GatewayFeatures(
    AuthSettings auth,
    ChatSettings chat,
    AnswerGenerator generator,
    GatewayEvents events,
    boolean feedbackRequiresKnownQuery,
    GatewayMetrics metrics,
    QueryAdapters queryAdapters,
    IndexAdmin indexAdmin) {
  public GatewayFeatures {
    Objects.requireNonNull(queryAdapters, "queryAdapters");
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(chat, "chat");
    Objects.requireNonNull(generator, "generator");
    Objects.requireNonNull(events, "events");
    Objects.requireNonNull(metrics, "metrics");
  }

  /**
   * Anonymous callers of tenant {@code public}, default limits, the extractive answerer, no events,
   * feedback checked against served queries, new {@link GatewayMetrics#create() metrics}.
   */
  public static GatewayFeatures defaults() {
    return new GatewayFeatures(
        AuthSettings.anonymousOnly(),
        ChatSettings.defaults(),
        new ExtractiveAnswerer(),
        GatewayEvents.none(),
        true,
        GatewayMetrics.create(),
        QueryAdapters.none(),
        null);
  }

  /** A copy with {@link #auth()} replaced. */
  public GatewayFeatures withAuth(AuthSettings value) {
    return new GatewayFeatures(
        value,
        chat,
        generator,
        events,
        feedbackRequiresKnownQuery,
        metrics,
        queryAdapters,
        indexAdmin);
  }

  /** A copy with {@link #chat()} replaced. */
  public GatewayFeatures withChat(ChatSettings value) {
    return new GatewayFeatures(
        auth,
        value,
        generator,
        events,
        feedbackRequiresKnownQuery,
        metrics,
        queryAdapters,
        indexAdmin);
  }

  /** A copy with {@link #generator()} replaced. */
  public GatewayFeatures withGenerator(AnswerGenerator value) {
    return new GatewayFeatures(
        auth, chat, value, events, feedbackRequiresKnownQuery, metrics, queryAdapters, indexAdmin);
  }

  /** A copy with {@link #events()} replaced. */
  public GatewayFeatures withEvents(GatewayEvents value) {
    return new GatewayFeatures(
        auth,
        chat,
        generator,
        value,
        feedbackRequiresKnownQuery,
        metrics,
        queryAdapters,
        indexAdmin);
  }

  /** A copy with {@link #feedbackRequiresKnownQuery()} replaced. */
  public GatewayFeatures withFeedbackRequiresKnownQuery(boolean value) {
    return new GatewayFeatures(
        auth, chat, generator, events, value, metrics, queryAdapters, indexAdmin);
  }

  /** A copy with {@link #queryAdapters()} replaced. */
  public GatewayFeatures withQueryAdapters(QueryAdapters value) {
    return new GatewayFeatures(
        auth, chat, generator, events, feedbackRequiresKnownQuery, metrics, value, indexAdmin);
  }

  /** A copy with {@link #metrics()} replaced. */
  public GatewayFeatures withMetrics(GatewayMetrics value) {
    return new GatewayFeatures(
        auth,
        chat,
        generator,
        events,
        feedbackRequiresKnownQuery,
        value,
        queryAdapters,
        indexAdmin);
  }

  /** A copy with {@link #indexAdmin()} replaced (null: no {@code /admin/index} endpoint). */
  public GatewayFeatures withIndexAdmin(IndexAdmin value) {
    return new GatewayFeatures(
        auth, chat, generator, events, feedbackRequiresKnownQuery, metrics, queryAdapters, value);
  }
}
