package io.ragstream.gateway.events;

import io.ragstream.core.event.AnswerEvent;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.GatewayEventJson;
import io.ragstream.core.event.QueryEvent;
import io.vertx.core.Future;

/**
 * Where the gateway reports what it served and what callers thought of it: the port behind the
 * {@code ragstream.queries} and {@code ragstream.feedback} topics (DESIGN.md, "Other topics";
 * docs/contracts.md). Consumers are drift detection and training.
 *
 * <table>
 *   <caption>Topics</caption>
 *   <tr><th>topic (default)</th><th>key</th><th>value</th></tr>
 *   <tr><td>{@value #QUERIES_TOPIC}</td><td>{@link QueryEvent#queryId()}, UTF-8</td>
 *       <td>{@link QueryEvent} JSON, UTF-8 ({@link GatewayEventJson})</td></tr>
 *   <tr><td>{@value #FEEDBACK_TOPIC}</td><td>{@link FeedbackEvent#queryId()}, UTF-8</td>
 *       <td>{@link FeedbackEvent} JSON, UTF-8 ({@link GatewayEventJson})</td></tr>
 * </table>
 *
 * <p>The JSON shapes (null fields left out):
 *
 * <pre>{@code
 * {"queryId":"6f1c4b9e-2d0a-4f53-9a51-0c7e8d2b6a10","kind":"search","tenant":"acme",
 *  "subject":"alice","query":"how do bees communicate","embedding":[0.0123,-0.0456,...],
 *  "mode":"hybrid","k":10,"topScores":[0.91,0.87],
 *  "documentIds":["pg:public.documents:42","pg:public.documents:7"],
 *  "latencyMs":38,"at":1763900000123,
 *  "embedder":"bge-small-en-v1.5-q@langchain4j-embeddings-1.20.0-beta30"}
 *
 * {"queryId":"6f1c4b9e-2d0a-4f53-9a51-0c7e8d2b6a10","documentId":"pg:public.documents:42",
 *  "relevant":true,"tenant":"acme","subject":"alice","at":1763900042000,"comment":"spot on"}
 * }</pre>
 *
 * <p>Events are telemetry: publishing is asynchronous and never blocks the calling event loop, and
 * a failed publish must not fail the request that caused it (log, count, move on). Delivery is at
 * least once; consumers deduplicate on {@code queryId} (and {@code documentId} for feedback) if
 * they care. Implementations are thread-safe.
 *
 * @see KafkaGatewayEvents
 * @see #none()
 */
public interface GatewayEvents {

  /** Default topic of {@link QueryEvent}s. */
  String QUERIES_TOPIC = io.ragstream.core.model.Topics.QUERIES;

  /** Default topic of {@link AnswerEvent}s. */
  String ANSWERS_TOPIC = io.ragstream.core.model.Topics.ANSWERS;

  /** Default topic of {@link FeedbackEvent}s. */
  String FEEDBACK_TOPIC = io.ragstream.core.model.Topics.FEEDBACK;

  /**
   * Publishes a query event. Call from any thread; when called on a Vert.x context, the future
   * completes on that context.
   *
   * @return succeeds once the event is stored (for Kafka: acknowledged by all in-sync replicas);
   *     fails with the cause (broker unreachable, timeout, backlog full, closed) otherwise
   * @throws NullPointerException if {@code event} is null
   */
  Future<Void> publishQuery(QueryEvent event);

  /**
   * Publishes a feedback event; completes like {@link #publishQuery}.
   *
   * @throws NullPointerException if {@code event} is null
   */
  Future<Void> publishFeedback(FeedbackEvent event);

  /**
   * Publishes an answer event ({@link #ANSWERS_TOPIC}, key = queryId); completes like {@link
   * #publishQuery}.
   *
   * @throws NullPointerException if {@code event} is null
   */
  Future<Void> publishAnswer(AnswerEvent event);

  /**
   * Events accepted but not published: dropped because events are disabled, rejected, or failed.
   * For monitoring; 0 unless an implementation counts.
   */
  default long dropped() {
    return 0;
  }

  /**
   * Sends what is still buffered (within an implementation-defined timeout) and releases resources;
   * later publishes fail. May block: call it off the event loop. Idempotent.
   */
  void close();

  /**
   * Events disabled, for a gateway without Kafka: every publish succeeds at once without sending
   * anything and is counted in {@link #dropped()}. Logs once, at the first dropped event.
   */
  static GatewayEvents none() {
    return new DisabledGatewayEvents();
  }
}
