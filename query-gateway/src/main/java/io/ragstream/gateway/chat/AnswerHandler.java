package io.ragstream.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.event.QueryEvent;
import io.ragstream.core.json.Json;
import io.ragstream.gateway.auth.Caller;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code POST /v1/answer}: the whole answer as one JSON response (docs/chat.md). The caller comes
 * from the authentication handler before this one. 400 for a bad body (the message names the
 * field), 502 with {@code llm_error} or {@code llm_unavailable} and 504 with {@code llm_timeout}
 * when the LLM server fails.
 */
public final class AnswerHandler implements Handler<RoutingContext> {

  private final AnswerService answers;
  private final ChatSettings settings;
  private final Function<RoutingContext, Caller> callers;

  public AnswerHandler(
      AnswerService answers, ChatSettings settings, Function<RoutingContext, Caller> callers) {
    this.answers = answers;
    this.settings = settings;
    this.callers = callers;
  }

  @Override
  public void handle(RoutingContext ctx) {
    AnswerService.Ask ask;
    try {
      Buffer body = ctx.body().buffer();
      JsonNode node = Json.mapper().readTree(body == null ? new byte[0] : body.getBytes());
      ask = AskParser.parse(node, settings.maxK(), Set.of());
    } catch (IllegalArgumentException e) {
      ctx.fail(new HttpException(400, e.getMessage()));
      return;
    } catch (Exception e) {
      ctx.fail(new HttpException(400, "body is not valid JSON"));
      return;
    }
    Caller caller = callers.apply(ctx);
    List<AnswerService.Cited> passages = new ArrayList<>();
    String[] query = {ask.question()};
    io.ragstream.gateway.answer.Generation generation =
        answers.answer(
            QueryEvent.ANSWER,
            caller,
            ask,
            new AnswerSink() {
              @Override
              public void retrieved(String queryId, String q, List<AnswerService.Cited> retrieved) {
                passages.addAll(retrieved);
                query[0] = q;
              }

              @Override
              public void token(String text) {}

              @Override
              public void done(AnswerService.Result r) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("queryId", r.queryId());
                out.put("question", ask.question());
                out.put("query", r.query());
                out.put("answer", r.answer());
                out.put(
                    "citations", passages.stream().filter(p -> r.cited().contains(p.n())).toList());
                out.put("generator", answers.generatorId());
                out.put("timings", r.timings());
                out.put("asOf", r.asOfInstant());
                ctx.response()
                    .setStatusCode(200)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(Json.write(out));
              }

              @Override
              public void failed(String code, String message) {
                int status =
                    switch (code) {
                      case "llm_timeout" -> 504;
                      case "llm_error", "llm_unavailable" -> 502;
                      default -> 500;
                    };
                Map<String, Object> error = new LinkedHashMap<>();
                error.put("code", code);
                error.put("message", message);
                ctx.response()
                    .setStatusCode(status)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(Json.write(Map.of("error", error)));
              }
            });
    // A client that goes away stops the answer (and the LLM request behind it).
    ctx.response().closeHandler(v -> generation.cancel());
  }
}
