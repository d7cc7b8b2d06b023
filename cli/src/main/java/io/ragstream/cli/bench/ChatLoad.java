package io.ragstream.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragstream.core.json.Json;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The clients of {@code bench chat}: WebSocket connections to the gateway's {@code /v1/chat} on one
 * Vert.x instance (docs/chat.md has the protocol).
 *
 * <ul>
 *   <li><b>Idle</b> connections ({@link #openIdle}) wait for {@code ready} and then send nothing;
 *       Vert.x answers the server's pings with pongs, which keeps them open past the server's idle
 *       timeout.
 *   <li><b>Active</b> connections ({@link #runActive}) each run a closed loop: send {@code ask},
 *       note the time to the first {@code token} (from just before the {@code ask} is written),
 *       wait for {@code done}, ask the next question. Each active connection is one conversation:
 *       it sends the same {@code conversationId} with every question, so the gateway's conversation
 *       memory is in use as it is for a chat session. Questions are taken round robin from one list
 *       shared by all connections.
 * </ul>
 *
 * <p>Connections closed by the server, refused handshakes and {@code error} messages are counted by
 * close code, HTTP status and error code. After {@code rate_limited} a client waits {@link
 * #RATE_LIMITED_PAUSE} before its next question; an answer not done within the answer timeout is
 * cancelled and counted as a timeout. Thread-safe: handlers run on Vert.x event loops and record
 * into concurrent collections; {@link #snapshot()} may be called from any thread.
 */
final class ChatLoad implements AutoCloseable {
  /** Pause of a client after an {@code error} with code {@code rate_limited}. */
  static final Duration RATE_LIMITED_PAUSE = Duration.ofMillis(100);

  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(30);

  private final List<String> questions;
  private final int k;
  private final Duration answerTimeout;
  private final Vertx vertx;
  private final WebSocketClient client;
  private final WebSocketConnectOptions connectOptions;
  private final AtomicLong nextQuestion = new AtomicLong();

  private final List<Connection> idle = new ArrayList<>();
  private final List<Chatter> active = new ArrayList<>();
  private volatile boolean closing;

  private final Tally refused = new Tally();
  private final Tally closedEarly = new Tally();
  private final Tally errors = new Tally();
  private final LongAdder timeouts = new LongAdder();
  private final LongAdder answersWithoutToken = new LongAdder();
  private final ConcurrentLinkedQueue<Double> ttftMs = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Double> answerMs = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Double> serverRetrievalMs = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Double> serverFirstTokenMs = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Double> serverTotalMs = new ConcurrentLinkedQueue<>();
  private volatile long measureFrom = Long.MAX_VALUE;
  private volatile long stopAt = Long.MAX_VALUE;

  /**
   * @param gateway base URL of the gateway ({@code http://host:port} or {@code https://...})
   * @param apiKey sent as {@code X-API-Key} on every handshake, or null for the anonymous caller
   * @param questions asked round robin; not empty
   * @param k passages per answer (1..20)
   * @param maxConnections idle plus active connections this load will open
   * @param answerTimeout an answer not done by then is cancelled and counted as a timeout
   */
  ChatLoad(
      URI gateway,
      String apiKey,
      List<String> questions,
      int k,
      int maxConnections,
      Duration answerTimeout) {
    this.questions = List.copyOf(questions);
    if (this.questions.isEmpty()) throw new IllegalArgumentException("no questions");
    this.k = k;
    this.answerTimeout = Objects.requireNonNull(answerTimeout, "answerTimeout");
    boolean tls = "https".equalsIgnoreCase(gateway.getScheme());
    int port = gateway.getPort() >= 0 ? gateway.getPort() : tls ? 443 : 80;
    String path = gateway.getPath() == null ? "" : gateway.getPath().replaceAll("/+$", "");
    connectOptions =
        new WebSocketConnectOptions()
            .setHost(gateway.getHost())
            .setPort(port)
            .setSsl(tls)
            .setURI(path + "/v1/chat")
            .setTimeout(HANDSHAKE_TIMEOUT.toMillis());
    if (apiKey != null) connectOptions.putHeader("X-API-Key", apiKey);
    vertx = Vertx.vertx();
    client =
        vertx.createWebSocketClient(
            new WebSocketClientOptions()
                .setMaxConnections(Math.max(1, maxConnections))
                .setConnectTimeout((int) HANDSHAKE_TIMEOUT.toMillis())
                .setMaxFrameSize(1 << 20)
                .setMaxMessageSize(1 << 22));
  }

  /**
   * Opens {@code n} idle connections at once and waits until each has received {@code ready} or
   * failed.
   *
   * @return how many are open
   */
  int openIdle(int n) {
    List<Future<Boolean>> opened = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Connection c = new Connection();
      synchronized (idle) {
        idle.add(c);
      }
      opened.add(c.open());
    }
    return settle(opened);
  }

  /**
   * Opens {@code m} active connections, runs their question loops for {@code warmup} (not recorded)
   * and then {@code duration} (recorded: answers whose {@code ask} was sent in that window), and
   * waits for the answers still running at the end, at most the answer timeout.
   *
   * @return how many active connections opened
   */
  int runActive(int m, Duration warmup, Duration duration) {
    List<Future<Boolean>> opened = new ArrayList<>();
    for (int i = 0; i < m; i++) {
      Chatter c = new Chatter(i);
      active.add(c);
      opened.add(c.open());
    }
    int open = settle(opened);
    long start = System.nanoTime();
    measureFrom = start + warmup.toNanos();
    stopAt = measureFrom + duration.toNanos();
    List<Future<Void>> finished = new ArrayList<>();
    for (Chatter c : active) {
      if (c.isOpen()) finished.add(c.start());
    }
    try {
      Future.join(finished)
          .await(
              warmup.plus(duration).plus(answerTimeout).plusSeconds(5).toMillis(),
              TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // The loops complete only successfully; those still running are seen in the snapshot.
    }
    return open;
  }

  /** Seconds of the recorded window of {@link #runActive}. */
  double measuredSeconds() {
    return (stopAt - measureFrom) / 1e9;
  }

  /** What the clients saw so far. */
  Snapshot snapshot() {
    int idleRequested;
    int idleOpened = 0;
    int idleOpen = 0;
    synchronized (idle) {
      idleRequested = idle.size();
      for (Connection c : idle) {
        if (c.wasOpened) idleOpened++;
        if (c.isOpen()) idleOpen++;
      }
    }
    int activeOpened = 0;
    int activeOpen = 0;
    for (Chatter c : active) {
      if (c.wasOpened) activeOpened++;
      if (c.isOpen()) activeOpen++;
    }
    return new Snapshot(
        idleRequested,
        idleOpened,
        idleOpen,
        active.size(),
        activeOpened,
        activeOpen,
        refused.snapshot(),
        closedEarly.snapshot(),
        errors.snapshot(),
        timeouts.sum(),
        answersWithoutToken.sum(),
        List.copyOf(ttftMs),
        List.copyOf(answerMs),
        List.copyOf(serverRetrievalMs),
        List.copyOf(serverFirstTokenMs),
        List.copyOf(serverTotalMs));
  }

  /** Closes every connection (not counted as closed early) and the Vert.x instance. */
  @Override
  public void close() {
    closing = true;
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      // The process ends anyway; nothing to release beyond the event loops.
    }
  }

  /**
   * The state of the clients.
   *
   * @param idleRequested idle connections attempted
   * @param idleOpened idle connections that received {@code ready}
   * @param idleOpen idle connections open now
   * @param activeRequested active connections attempted
   * @param activeOpened active connections that received {@code ready}
   * @param activeOpen active connections open now
   * @param refused failed handshakes by HTTP status, or by exception class when there was none
   * @param closedEarly connections the server closed (or lost) before the end, by close code
   * @param errors {@code error} messages received by active clients, by code
   * @param timeouts answers cancelled after the answer timeout (recorded window)
   * @param answersWithoutToken recorded answers that were done without any {@code token} (empty)
   * @param ttftMs per recorded answer: {@code ask} written → first {@code token}, milliseconds
   * @param answerMs per recorded answer: {@code ask} written → {@code done}, milliseconds
   * @param serverRetrievalMs {@code done.timings.retrievalMs} of the recorded answers
   * @param serverFirstTokenMs {@code done.timings.firstTokenMs} of the recorded answers (non-empty)
   * @param serverTotalMs {@code done.timings.totalMs} of the recorded answers
   */
  record Snapshot(
      int idleRequested,
      int idleOpened,
      int idleOpen,
      int activeRequested,
      int activeOpened,
      int activeOpen,
      Map<String, Long> refused,
      Map<String, Long> closedEarly,
      Map<String, Long> errors,
      long timeouts,
      long answersWithoutToken,
      List<Double> ttftMs,
      List<Double> answerMs,
      List<Double> serverRetrievalMs,
      List<Double> serverFirstTokenMs,
      List<Double> serverTotalMs) {}

  /** Waits for every future (each true when its connection opened); returns how many opened. */
  private static int settle(List<Future<Boolean>> opened) {
    try {
      Future.join(opened).await(HANDSHAKE_TIMEOUT.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // The futures complete only successfully (false on failure); count what opened so far.
    }
    int n = 0;
    for (Future<Boolean> f : opened) {
      if (f.succeeded() && f.result()) n++;
    }
    return n;
  }

  /** A chat connection that counts its refusal or early close; subclasses read its messages. */
  private class Connection {
    final ClientWebSocket ws = client.webSocket();
    final Promise<Boolean> ready = Promise.promise();

    /** The context the connection's handlers run on (known once {@code ready} arrived). */
    volatile Context context;

    volatile boolean wasOpened;
    volatile boolean closed;

    Future<Boolean> open() {
      ws.textMessageHandler(this::onText);
      ws.closeHandler(
          v -> {
            closed = true;
            if (!closing) {
              Short code = ws.closeStatusCode();
              closedEarly.add(code == null ? "no close frame" : code.toString());
            }
            ready.tryComplete(false);
            onClosed();
          });
      ws.connect(new WebSocketConnectOptions(connectOptions))
          .onFailure(
              e -> {
                refused.add(
                    e instanceof UpgradeRejectedException r
                        ? "HTTP " + r.getStatus()
                        : e.getClass().getSimpleName());
                ready.tryComplete(false);
              });
      return ready.future();
    }

    boolean isOpen() {
      return wasOpened && !closed;
    }

    void onText(String text) {
      JsonNode m;
      try {
        m = Json.mapper().readTree(text);
      } catch (Exception e) {
        errors.add("unparsable message");
        return;
      }
      String type = m.path("type").asText();
      if (type.equals("ready")) {
        context = Vertx.currentContext();
        wasOpened = true;
        ready.tryComplete(true);
        return;
      }
      onMessage(type, m);
    }

    void onMessage(String type, JsonNode m) {}

    void onClosed() {}
  }

  /** An active connection: one question at a time, in a closed loop. */
  private final class Chatter extends Connection {
    private final int index;
    private final String conversationId;
    private final Promise<Void> finished = Promise.promise();
    private int asked;
    private String currentId;
    private boolean recorded;
    private long sentAt;
    private long firstTokenAt;
    private long timer = -1;

    Chatter(int index) {
      this.index = index;
      this.conversationId = "bench-chat-" + index + "-" + Long.toString(System.nanoTime(), 36);
    }

    /**
     * Starts the loop on the connection's context, where every handler of the connection runs, so
     * its state needs no locking; completes when the loop stops.
     */
    Future<Void> start() {
      context.runOnContext(v -> askNext());
      return finished.future();
    }

    private void askNext() {
      if (closed || System.nanoTime() >= stopAt) {
        finished.tryComplete();
        return;
      }
      String question =
          questions.get((int) Math.floorMod(nextQuestion.getAndIncrement(), questions.size()));
      currentId = "a" + index + "-" + ++asked;
      ObjectNode ask = Json.mapper().createObjectNode();
      ask.put("type", "ask")
          .put("id", currentId)
          .put("question", question)
          .put("conversationId", conversationId)
          .put("k", k);
      firstTokenAt = 0;
      sentAt = System.nanoTime();
      recorded = sentAt >= measureFrom;
      ws.writeTextMessage(ask.toString());
      String id = currentId;
      timer = vertx.setTimer(answerTimeout.toMillis(), t -> onTimeout(id));
    }

    @Override
    void onMessage(String type, JsonNode m) {
      String id = m.path("id").asText(null);
      if (currentId == null || !currentId.equals(id)) return; // late reply to a cancelled ask
      switch (type) {
        case "token" -> {
          if (firstTokenAt == 0) firstTokenAt = System.nanoTime();
        }
        case "done" -> {
          long now = System.nanoTime();
          endAsk();
          if (recorded) {
            answerMs.add((now - sentAt) / 1e6);
            if (firstTokenAt == 0) {
              answersWithoutToken.increment();
            } else {
              ttftMs.add((firstTokenAt - sentAt) / 1e6);
            }
            JsonNode timings = m.path("timings");
            serverRetrievalMs.add(timings.path("retrievalMs").asDouble());
            long serverFirst = timings.path("firstTokenMs").asLong(-1);
            if (serverFirst >= 0) serverFirstTokenMs.add((double) serverFirst);
            serverTotalMs.add(timings.path("totalMs").asDouble());
          }
          askNext();
        }
        case "error" -> {
          String code = m.path("code").asText("unknown");
          endAsk();
          errors.add(code);
          if (code.equals("rate_limited")) {
            vertx.setTimer(RATE_LIMITED_PAUSE.toMillis(), t -> askNext());
          } else {
            askNext();
          }
        }
        default -> {
          // citations, cancelled: nothing to record
        }
      }
    }

    private void onTimeout(String id) {
      if (!id.equals(currentId)) return;
      if (recorded) timeouts.increment();
      endAsk();
      ws.writeTextMessage("{\"type\":\"cancel\",\"id\":\"" + id + "\"}");
      askNext();
    }

    private void endAsk() {
      currentId = null;
      if (timer >= 0) vertx.cancelTimer(timer);
      timer = -1;
    }

    @Override
    void onClosed() {
      finished.tryComplete();
    }
  }

  /** Counts by key, thread-safe. */
  private static final class Tally {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    void add(String key) {
      counts.computeIfAbsent(key, x -> new LongAdder()).increment();
    }

    Map<String, Long> snapshot() {
      Map<String, Long> m = new TreeMap<>();
      counts.forEach((key, n) -> m.put(key, n.sum()));
      return m;
    }
  }
}
