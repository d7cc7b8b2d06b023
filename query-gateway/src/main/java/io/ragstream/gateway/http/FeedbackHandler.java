package io.ragstream.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.gateway.auth.Caller;
import io.ragstream.gateway.events.QueryRecorder;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/feedback}: a caller's judgement of one hit of an earlier search or answer,
 * published as a {@link FeedbackEvent} on {@code ragstream.feedback} (docs/chat.md).
 *
 * <p>Body: {@code {"queryId": string (the queryId of the search or answer), "documentId": string,
 * "relevant": boolean, "comment": string (optional, at most 1,000 characters)}}. Answers 202 {@code
 * {"status":"accepted","queryId":...,"documentId":...}} once the event log has acknowledged the
 * event (with gateway events disabled, at once: the event is dropped by configuration).
 *
 * <p>Errors: 400 for a malformed body, an unknown or missing field or a bad value (the message
 * names the field); 404 when the query id was not served to this caller by this gateway within the
 * retention; 422 when the document was not among that query's hits. The last two only when {@link
 * QueryRecorder} checks feedback ({@code gateway.feedback.require-known-query}, default true); 503
 * with {@code Retry-After: 1} when the event log did not take the event (broker unreachable, or the
 * publisher's queue full): nothing was kept and the client sends it again.
 */
final class FeedbackHandler implements Handler<RoutingContext> {
  private static final List<String> FIELDS =
      List.of("queryId", "documentId", "relevant", "comment");

  private final QueryRecorder recorder;

  FeedbackHandler(QueryRecorder recorder) {
    this.recorder = recorder;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Caller caller = AuthHandler.caller(ctx);
    FeedbackEvent event;
    try {
      Buffer body = ctx.body().buffer();
      event = parse(SearchQuery.readTree(body == null ? new byte[0] : body.getBytes()), caller);
    } catch (HttpException e) {
      ctx.fail(e);
      return;
    }
    switch (recorder.check(caller, event.queryId(), event.documentId())) {
      case UNKNOWN_QUERY -> {
        ctx.fail(
            new HttpException(
                404,
                "queryId "
                    + event.queryId()
                    + " was not served to this caller by this gateway (unknown or expired)"));
        return;
      }
      case UNKNOWN_DOCUMENT -> {
        ctx.fail(
            new HttpException(
                422,
                "documentId '"
                    + SearchQuery.echo(event.documentId())
                    + "' was not among the hits of query "
                    + event.queryId()));
        return;
      }
      case ACCEPTED -> {}
    }
    // Feedback is training data: answer 202 only once the event log has it, so that a client is
    // never told "accepted" for a judgement that was dropped (a full publisher queue or a broker
    // outage answers 503 and the client sends it again).
    FeedbackEvent accepted = event;
    recorder
        .events()
        .publishFeedback(event)
        .onComplete(
            published -> {
              if (ctx.response().ended() || ctx.response().closed()) {
                return;
              }
              if (published.failed()) {
                ctx.response().putHeader("Retry-After", "1");
                ctx.fail(
                    new HttpException(
                        503,
                        "feedback not recorded: the event log did not take it ("
                            + published.cause().getMessage()
                            + "); nothing was kept, send it again"));
                return;
              }
              Map<String, Object> out = new LinkedHashMap<>();
              out.put("status", "accepted");
              out.put("queryId", accepted.queryId());
              out.put("documentId", accepted.documentId());
              Responses.json(ctx, 202, out);
            });
  }

  private static FeedbackEvent parse(JsonNode root, Caller caller) {
    if (root == null || root.isMissingNode() || !root.isObject()) {
      throw SearchQuery.badRequest("request body must be a JSON object");
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw SearchQuery.badRequest(
            "unknown field '"
                + SearchQuery.echo(name)
                + "'; known fields: "
                + String.join(", ", FIELDS));
      }
    }
    String queryId = text(root, "queryId", true);
    String documentId = text(root, "documentId", true);
    JsonNode relevant = root.get("relevant");
    if (relevant == null || !relevant.isBoolean()) {
      throw SearchQuery.badRequest("relevant is required and must be true or false");
    }
    String comment = text(root, "comment", false);
    try {
      return new FeedbackEvent(
          queryId,
          documentId,
          relevant.booleanValue(),
          caller.tenant(),
          caller.subject(),
          System.currentTimeMillis(),
          comment);
    } catch (IllegalArgumentException e) {
      throw SearchQuery.badRequest(e.getMessage());
    }
  }

  private static String text(JsonNode root, String field, boolean required) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      if (required) throw SearchQuery.badRequest(field + " is required");
      return null;
    }
    if (!n.isTextual()) throw SearchQuery.badRequest(field + " must be a string");
    return n.textValue();
  }
}
