package io.ragstream.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.ragstream.core.event.QueryEvent;
import io.ragstream.core.json.Json;
import io.ragstream.gateway.answer.Generation;
import io.ragstream.gateway.auth.Caller;
import io.ragstream.gateway.auth.RateLimiter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code /v1/chat} connection: the JSON protocol of docs/chat.md on a {@link ServerWebSocket}
 * whose caller was authenticated before the upgrade. Runs on the connection's event loop; nothing
 * here blocks.
 */
final class ChatSocket {
  private static final Logger LOG = LoggerFactory.getLogger(ChatSocket.class);

  /** Slow consumer: the outgoing queue passed its bound. */
  static final short CLOSE_SLOW_CONSUMER = 4008;

  /** Too many messages over the rate limit in a row. */
  static final short CLOSE_TOO_MANY = 4029;

  static final int MAX_ID_CHARS = 64;
  private static final int MAX_REJECTED_IN_A_ROW = 10;

  private final Vertx vertx;
  private final ServerWebSocket ws;
  private final Caller caller;
  private final AnswerService answers;
  private final RateLimiter limiter;
  private final ChatSettings settings;
  private final ChatConnectionListener connections;
  private final long pingTimer;
  private long lastHeard = System.nanoTime();
  private boolean closed;
  private String runningId;
  private Generation running;
  private int rejectedInARow;

  ChatSocket(
      Vertx vertx,
      ServerWebSocket ws,
      Caller caller,
      AnswerService answers,
      RateLimiter limiter,
      ChatSettings settings,
      ChatConnectionListener connections) {
    this.vertx = vertx;
    this.ws = ws;
    this.caller = caller;
    this.answers = answers;
    this.limiter = limiter;
    this.settings = settings;
    this.connections = connections;
    connections.opened();
    ws.setWriteQueueMaxSize(settings.maxQueuedBytes());
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(b -> close((short) 1003, "binary frames are not supported"));
    ws.pongHandler(b -> lastHeard = System.nanoTime());
    ws.exceptionHandler(
        e -> {
          if (e instanceof CorruptedWebSocketFrameException corrupted) {
            // Netty's decoder: a frame over the size limit (1009) or a protocol error (1002).
            close((short) corrupted.closeStatus().code(), corrupted.closeStatus().reasonText());
          } else {
            LOG.debug("chat connection error: {}", e.toString());
          }
        });
    ws.closeHandler(v -> onClosed());
    pingTimer = vertx.setPeriodic(settings.pingInterval().toMillis(), id -> heartbeat());
    ObjectNode ready = message("ready", null);
    ready.putObject("caller").put("subject", caller.subject()).put("tenant", caller.tenant());
    ready.put("generator", answers.generatorId());
    ready
        .putObject("limits")
        .put("maxMessageBytes", settings.maxMessageBytes())
        .put("maxK", settings.maxK())
        .put("maxQuestionChars", AskParser.MAX_QUESTION_CHARS);
    send(ready);
  }

  private void onText(String text) {
    lastHeard = System.nanoTime();
    if (text.length() > settings.maxMessageBytes()
        || text.getBytes(StandardCharsets.UTF_8).length > settings.maxMessageBytes()) {
      close((short) 1009, "message over " + settings.maxMessageBytes() + " bytes");
      return;
    }
    JsonNode node;
    try {
      node = Json.mapper().readTree(text);
    } catch (Exception e) {
      error(null, "bad_request", "message is not valid JSON");
      return;
    }
    if (node == null || !node.isObject()) {
      error(null, "bad_request", "message must be a JSON object");
      return;
    }
    JsonNode type = node.get("type");
    String id =
        node.hasNonNull("id") && node.get("id").isTextual() ? node.get("id").asText() : null;
    if (id != null && (id.isBlank() || id.length() > MAX_ID_CHARS)) {
      error(null, "bad_request", "id must be 1.." + MAX_ID_CHARS + " characters");
      return;
    }
    if (type == null || !type.isTextual()) {
      error(id, "bad_request", "type is missing; expected ask, cancel or ping");
      return;
    }
    switch (type.asText()) {
      case "ask" -> ask(id, node);
      case "cancel" -> cancel(id);
      case "ping" -> send(message("pong", id));
      default ->
          error(
              id,
              "bad_request",
              "unknown type '" + AskParser.echo(type.asText()) + "'; expected ask, cancel or ping");
    }
  }

  private void ask(String id, JsonNode node) {
    if (id == null) {
      error(null, "bad_request", "ask needs an id (a string of 1.." + MAX_ID_CHARS + " chars)");
      return;
    }
    AnswerService.Ask ask;
    try {
      ask = AskParser.parse(node, settings.maxK(), Set.of("type", "id"));
    } catch (IllegalArgumentException e) {
      error(id, "bad_request", e.getMessage());
      return;
    }
    if (running != null) {
      error(
          id,
          "busy",
          "answer '" + AskParser.echo(runningId) + "' is still running; cancel it or wait");
      return;
    }
    if (limiter.tryAcquire(caller) > 0) {
      if (++rejectedInARow > MAX_REJECTED_IN_A_ROW) {
        close(CLOSE_TOO_MANY, "too many requests over the rate limit");
      } else {
        error(
            id,
            "rate_limited",
            "rate limit of " + limiter.perSecond() + "/s exceeded; retry later");
      }
      return;
    }
    rejectedInARow = 0;
    runningId = id;
    running = answers.answer(QueryEvent.CHAT, caller, ask, new Sink(id));
  }

  private void cancel(String id) {
    if (id == null || running == null || !id.equals(runningId)) {
      error(
          id,
          "not_found",
          "no running answer with id '" + (id == null ? "" : AskParser.echo(id)) + "'");
      return;
    }
    running.cancel();
    finished();
    send(message("cancelled", id));
  }

  private final class Sink implements AnswerSink {
    private final String id;

    Sink(String id) {
      this.id = id;
    }

    @Override
    public void retrieved(String queryId, String query, List<AnswerService.Cited> passages) {
      if (!id.equals(runningId)) return;
      ObjectNode m = message("citations", id);
      m.put("queryId", queryId).put("query", query);
      m.set("passages", Json.mapper().valueToTree(passages));
      send(m);
    }

    @Override
    public void token(String text) {
      if (!id.equals(runningId)) return;
      send(message("token", id).put("text", text));
    }

    @Override
    public void done(AnswerService.Result r) {
      if (!id.equals(runningId)) return;
      finished();
      ObjectNode m = message("done", id);
      m.put("queryId", r.queryId()).put("answer", r.answer());
      m.set("cited", Json.mapper().valueToTree(r.cited()));
      m.set("timings", Json.mapper().valueToTree(r.timings()));
      m.put("asOf", r.asOfInstant());
      send(m);
    }

    @Override
    public void failed(String code, String message) {
      if (!id.equals(runningId)) return;
      finished();
      error(id, code, message);
    }
  }

  private void finished() {
    running = null;
    runningId = null;
  }

  private void heartbeat() {
    if (closed) return;
    if (System.nanoTime() - lastHeard > settings.idleTimeout().toNanos()) {
      close((short) 1001, "idle timeout");
      return;
    }
    ws.writePing(Buffer.buffer("hb"));
  }

  private void error(String id, String code, String text) {
    ObjectNode m = message("error", id);
    m.put("code", code).put("message", text);
    send(m);
  }

  private void send(ObjectNode message) {
    if (closed) return;
    if (ws.writeQueueFull()) {
      // The client is not reading: close instead of buffering without bound.
      close(
          CLOSE_SLOW_CONSUMER,
          "slow consumer: outgoing queue over " + settings.maxQueuedBytes() + " bytes");
      return;
    }
    ws.writeTextMessage(message.toString());
  }

  private void close(short code, String reason) {
    if (closed) return;
    closed = true;
    if (running != null) running.cancel();
    finished();
    vertx.cancelTimer(pingTimer);
    ws.close(code, reason);
  }

  private void onClosed() {
    closed = true;
    connections.closed();
    vertx.cancelTimer(pingTimer);
    if (running != null) running.cancel();
    finished();
  }

  private static ObjectNode message(String type, String id) {
    ObjectNode m = Json.mapper().createObjectNode();
    m.put("type", type);
    if (id != null) m.put("id", id);
    return m;
  }
}
