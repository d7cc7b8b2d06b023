package io.ragstream.gateway.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragstream.core.json.Json;
import io.ragstream.gateway.answer.AnswerGenerator;
import io.ragstream.gateway.answer.Generation;
import io.ragstream.gateway.answer.GenerationException;
import io.ragstream.gateway.answer.GenerationListener;
import io.ragstream.gateway.answer.GenerationRequest;
import io.ragstream.gateway.answer.Turn;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ClientSSLOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AnswerGenerator} on an OpenAI-compatible chat-completions server (vLLM, Ollama, llama.cpp
 * server, OpenAI), over Vert.x's non-blocking {@code HttpClient}.
 *
 * <p><b>Request.</b> {@code POST {baseUrl}/chat/completions} with {@code Content-Type:
 * application/json}, {@code Authorization: Bearer <apiKey>} when a key is configured, and the body
 * {@code {"model": ..., "messages": [...], "stream": true, "temperature": ..., "max_tokens": ...}}
 * ({@code max_tokens} only when configured). The model is the request's or, when the request names
 * none, the default model: {@link LlmConfig#model()}, or the promoted LLM adapter that {@link
 * LlmAdapterRoute} follows. Messages come from {@link PromptBuilder}.
 *
 * <p><b>Streaming.</b> With {@code Accept: text/event-stream} the server answers with Server-Sent
 * Events: {@code data: {json chunk}} events ending with {@code data: [DONE]} (OpenAI Chat
 * Completions API, streaming: https://platform.openai.com/docs/api-reference/chat-streaming; the
 * event-stream format: https://html.spec.whatwg.org/multipage/server-sent-events.html). The body is
 * decoded as its bytes arrive; each non-empty {@code choices[0].delta.content} goes to {@link
 * GenerationListener#onToken}; {@code [DONE]}, or the end of the response after a chunk with a
 * {@code finish_reason}, completes the answer.
 *
 * <p><b>Errors</b> go to {@link GenerationListener#onError} as a {@link GenerationException}:
 *
 * <ul>
 *   <li>{@code llm_unavailable}: no connection (refused, unknown host, {@link
 *       LlmConfig#connectTimeout()} passed)
 *   <li>{@code llm_error}: a non-2xx status (the message names the status and the server's {@code
 *       error.message}, cut to {@value #MAX_ERROR_MESSAGE_CHARS} characters), an error event or a
 *       malformed JSON chunk in the stream, a stream that ends before {@code [DONE]} or a
 *       connection that breaks mid-stream
 *   <li>{@code llm_timeout}: no token within {@link LlmConfig#firstTokenTimeout()} of the start, no
 *       data for {@link LlmConfig#idleTimeout()} after the first token, or no complete answer
 *       within {@link LlmConfig#totalTimeout()}; the HTTP request is reset (its connection closed),
 *       so the server stops generating
 * </ul>
 *
 * <p>Every listener call happens on the Vert.x context that called {@link #generate} (never
 * synchronously inside it), with exactly one of {@code onComplete} and {@code onError} at the end.
 * {@link Generation#cancel()} resets the HTTP request (closing its connection), cancels the timers
 * and suppresses every later callback.
 *
 * <p>The client keeps up to {@value #MAX_CONNECTIONS} pooled HTTP/1.1 connections (one per running
 * generation) and drops idle ones after {@value #KEEP_ALIVE_TIMEOUT_SECONDS} s, before servers such
 * as vLLM (uvicorn, 5 s) close them. {@link #close()} it when done.
 */
public final class OpenAiChatGenerator implements AnswerGenerator {
  private static final Logger LOG = LoggerFactory.getLogger(OpenAiChatGenerator.class);

  /** Error code: the server could not be reached. */
  static final String LLM_UNAVAILABLE = "llm_unavailable";

  /** Error code: error status, malformed or broken stream. */
  static final String LLM_ERROR = "llm_error";

  /** Error code: a timeout passed. */
  static final String LLM_TIMEOUT = "llm_timeout";

  /** Largest number of concurrent connections (and so of concurrent generations) to the server. */
  public static final int MAX_CONNECTIONS = 32;

  /** Idle pooled connections are closed after this many seconds. */
  public static final int KEEP_ALIVE_TIMEOUT_SECONDS = 4;

  /** Longest server error message kept in a {@link GenerationException}, in characters. */
  public static final int MAX_ERROR_MESSAGE_CHARS = 300;

  /** Bytes of an error response body read to find its message; the rest is discarded. */
  static final int MAX_ERROR_BODY_BYTES = 64 * 1024;

  /** Largest non-streamed response body, in bytes. */
  static final int MAX_RESPONSE_BYTES = 1024 * 1024;

  /** Largest event-stream line or event, in bytes. */
  static final int MAX_EVENT_BYTES = 1024 * 1024;

  /**
   * After {@code [DONE]}, how long the rest of the response may take before the request is reset;
   * in milliseconds.
   */
  static final long LINGER_MILLIS = 5_000;

  private static final ObjectMapper MAPPER = Json.mapper();
  private static final Pattern THINK_BLOCK = Pattern.compile("(?s)^\\s*<think>.*?</think>");
  private static final Pattern QUERY_LABEL =
      Pattern.compile("(?i)^(standalone\\s+)?(search\\s+)?query\\s*:\\s*");

  private final Vertx vertx;
  private final LlmConfig config;
  private final PromptBuilder prompts;
  private final java.util.function.Supplier<String> defaultModel;
  private final HttpClientAgent client;
  private final String url;

  /** A generator with the default {@link PromptBuilder}. */
  public OpenAiChatGenerator(Vertx vertx, LlmConfig config) {
    this(vertx, config, new PromptBuilder());
  }

  /**
   * @param vertx runs the HTTP client and the timers
   * @param config server, model, key and timeouts
   * @param prompts builds the messages
   */
  public OpenAiChatGenerator(Vertx vertx, LlmConfig config, PromptBuilder prompts) {
    this(vertx, config, prompts, config::model);
  }

  /**
   * A generator whose default model (for requests that name none) is asked of {@code defaultModel}
   * on every generation, e.g. {@link LlmAdapterRoute#model()}.
   */
  public OpenAiChatGenerator(
      Vertx vertx,
      LlmConfig config,
      PromptBuilder prompts,
      java.util.function.Supplier<String> defaultModel) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.config = Objects.requireNonNull(config, "config");
    this.prompts = Objects.requireNonNull(prompts, "prompts");
    this.defaultModel = Objects.requireNonNull(defaultModel, "defaultModel");
    this.url = config.chatCompletionsUrl();
    HttpClientOptions options =
        new HttpClientOptions()
            .setConnectTimeout((int) config.connectTimeout().toMillis())
            .setKeepAliveTimeout(KEEP_ALIVE_TIMEOUT_SECONDS)
            .setVerifyHost(true);
    this.client =
        vertx
            .httpClientBuilder()
            .with(options)
            .with(new ClientSSLOptions().setHostnameVerificationAlgorithm("HTTPS"))
            .with(new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS))
            .build();
  }

  /** {@code openai:} and the current default model, e.g. {@code openai:llama3.2}. */
  @Override
  public String id() {
    return "openai:" + defaultModel.get();
  }

  /** The configuration this generator uses. */
  public LlmConfig config() {
    return config;
  }

  @Override
  public Generation generate(GenerationRequest request, GenerationListener listener) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(listener, "listener");
    Context context = vertx.getOrCreateContext();
    String model = modelFor(request.model());
    Buffer body = requestBody(model, prompts.answerMessages(request), true);
    StreamingCall call = new StreamingCall(context, model, body, listener);
    LOG.debug(
        "generation started: model={}, passages={}, turns={}",
        model,
        request.passages().size(),
        request.history().size());
    context.runOnContext(v -> call.start());
    return call;
  }

  /**
   * Asks the server (not streamed, {@code "stream": false}) to rewrite {@code followUp} into a
   * standalone query, within {@link LlmConfig#totalTimeout()}. The answer is {@code
   * choices[0].message.content} without surrounding whitespace and quotes (and without a leading
   * {@code <think>...</think>} block of a reasoning model); when that is empty, {@code followUp}.
   * With an empty history, {@code followUp} is returned without a call. Fails with a {@link
   * GenerationException} coded as for {@link #generate}.
   */
  @Override
  public Future<String> standaloneQuery(String followUp, List<Turn> history, String model) {
    Objects.requireNonNull(followUp, "followUp");
    Objects.requireNonNull(history, "history");
    if (history.isEmpty()) return Future.succeededFuture(followUp);
    Context context = vertx.getOrCreateContext();
    String chosen = modelFor(model);
    Buffer body = requestBody(chosen, prompts.standaloneQueryMessages(followUp, history), false);
    Promise<String> promise = Promise.promise();
    context.runOnContext(v -> new QueryCall(chosen, body, followUp, promise).start());
    return promise.future();
  }

  /** Closes the HTTP client; running generations fail. */
  public Future<Void> close() {
    return client.close();
  }

  @Override
  public List<ChatMessage> prompt(GenerationRequest request) {
    return prompts.answerMessages(request);
  }

  @Override
  public String model(String requested) {
    return modelFor(requested);
  }

  private String modelFor(String requested) {
    return requested == null || requested.isBlank() ? defaultModel.get() : requested;
  }

  private RequestOptions requestOptions(boolean stream) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setAbsoluteURI(url)
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .putHeader(HttpHeaders.ACCEPT, stream ? "text/event-stream" : "application/json");
    if (config.apiKey() != null) {
      options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + config.apiKey());
    }
    return options;
  }

  private Buffer requestBody(String model, List<ChatMessage> messages, boolean stream) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("model", model);
    ArrayNode array = root.putArray("messages");
    for (ChatMessage message : messages) {
      array.addObject().put("role", message.role()).put("content", message.content());
    }
    root.put("stream", stream);
    root.put("temperature", config.temperature());
    if (config.maxTokens() != null) root.put("max_tokens", config.maxTokens().intValue());
    try {
      return Buffer.buffer(MAPPER.writeValueAsBytes(root));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a chat-completions request", e);
    }
  }

  private String server(String model) {
    return "LLM server " + config.baseUrl() + " (model " + model + ")";
  }

  private GenerationException unavailable(String model, Throwable cause) {
    return new GenerationException(
        LLM_UNAVAILABLE, "cannot reach the " + server(model) + ": " + describe(cause), cause);
  }

  private GenerationException requestFailed(String model, Throwable cause) {
    return new GenerationException(
        LLM_ERROR,
        "the request to the " + server(model) + " failed before a response: " + describe(cause),
        cause);
  }

  private GenerationException httpError(String model, HttpClientResponse response, Buffer body) {
    String detail = errorBodyMessage(body);
    String message =
        "the "
            + server(model)
            + " answered HTTP "
            + response.statusCode()
            + (response.statusMessage() == null || response.statusMessage().isBlank()
                ? ""
                : " " + clean(response.statusMessage(), 60))
            + (detail == null ? "" : ": " + detail);
    return new GenerationException(LLM_ERROR, message);
  }

  /** The server's message in an error body, cut and cleaned, or null when there is none. */
  static String errorBodyMessage(Buffer body) {
    if (body == null || body.length() == 0) return null;
    try {
      JsonNode node = MAPPER.readTree(body.getBytes());
      if (node != null && node.isObject()) {
        String message = errorMessage(node);
        if (message == null && node.path("message").isTextual()) {
          message = node.path("message").textValue();
        }
        if (message == null && node.path("detail").isTextual()) {
          message = node.path("detail").textValue();
        }
        if (message != null) return clean(message, MAX_ERROR_MESSAGE_CHARS);
      }
    } catch (IOException e) {
      // not JSON: fall through to the raw text
    }
    String text = clean(body.toString(StandardCharsets.UTF_8), MAX_ERROR_MESSAGE_CHARS);
    return text.isEmpty() ? null : text;
  }

  /**
   * The message of an error object ({@code {"error": {"message": ...}}}, {@code {"error": "..."}}
   * or vLLM's {@code {"object": "error", "message": ...}}), or null when {@code node} is none.
   */
  static String errorMessage(JsonNode node) {
    JsonNode error = node.get("error");
    if (error != null && !error.isNull()) {
      if (error.isTextual()) return error.textValue();
      JsonNode message = error.path("message");
      return message.isTextual() ? message.textValue() : error.toString();
    }
    if ("error".equals(node.path("object").asText(null))) {
      JsonNode message = node.path("message");
      return message.isTextual() ? message.textValue() : node.toString();
    }
    return null;
  }

  /** {@code text} on one line without control characters, cut to {@code max} characters. */
  static String clean(String text, int max) {
    String oneLine = text.replaceAll("[\\p{Cntrl}\\s]+", " ").strip();
    return oneLine.length() <= max ? oneLine : oneLine.substring(0, max - 3) + "...";
  }

  private static String describe(Throwable error) {
    String message = error.getMessage();
    return message == null || message.isBlank()
        ? error.getClass().getSimpleName()
        : clean(message, MAX_ERROR_MESSAGE_CHARS);
  }

  /** The query in a rewrite answer: first line, without think block, label and quotes. */
  static String cleanQuery(String content) {
    String text = THINK_BLOCK.matcher(content).replaceFirst("").strip();
    int newline = text.indexOf('\n');
    if (newline >= 0) text = text.substring(0, newline).strip();
    text = QUERY_LABEL.matcher(text).replaceFirst("").strip();
    boolean changed = true;
    while (changed && text.length() >= 2) {
      changed = false;
      char first = text.charAt(0);
      char last = text.charAt(text.length() - 1);
      if ((first == '"' && last == '"')
          || (first == '\'' && last == '\'')
          || (first == '`' && last == '`')
          || (first == '\u201C' && last == '\u201D')
          || (first == '\u2018' && last == '\u2019')
          || (first == '\u00AB' && last == '\u00BB')) {
        text = text.substring(1, text.length() - 1).strip();
        changed = true;
      }
    }
    return text;
  }

  /**
   * Reads {@code response}'s body into one buffer of at most {@code maxBytes}: the excess is
   * discarded when {@code truncate}, else it fails the read.
   */
  private static void readBody(
      HttpClientResponse response,
      int maxBytes,
      boolean truncate,
      Handler<Buffer> onBody,
      Handler<Throwable> onFailure) {
    Buffer body = Buffer.buffer();
    AtomicBoolean over = new AtomicBoolean();
    response.exceptionHandler(onFailure);
    response.handler(
        chunk -> {
          if (over.get()) return;
          int room = maxBytes - body.length();
          if (chunk.length() <= room) {
            body.appendBuffer(chunk);
          } else if (truncate) {
            body.appendBuffer(chunk, 0, room);
            over.set(true);
          } else {
            over.set(true);
            onFailure.handle(
                new GenerationException(
                    LLM_ERROR, "the response body is larger than " + maxBytes + " bytes"));
          }
        });
    response.endHandler(
        v -> {
          if (!over.get() || truncate) onBody.handle(body);
        });
  }

  private enum Deadline {
    FIRST_TOKEN,
    IDLE,
    TOTAL
  }

  /** One streamed generation; every method but {@link #cancel()} runs on {@link #context}. */
  private final class StreamingCall implements Generation {
    private final Context context;
    private final String model;
    private final Buffer body;
    private final GenerationListener listener;
    private final AtomicBoolean done = new AtomicBoolean();
    private final SseDecoder decoder = new SseDecoder(MAX_EVENT_BYTES, this::onEvent);
    private HttpClientRequest request;
    private boolean responseEnded;
    private boolean firstTokenSeen;
    private boolean finishSeen;
    private String contentType;
    private int tokens;
    private long startNanos;
    private long lastChunkNanos;
    private long totalTimer = -1;
    private long firstTokenTimer = -1;
    private long idleTimer = -1;
    private long lingerTimer = -1;

    StreamingCall(Context context, String model, Buffer body, GenerationListener listener) {
      this.context = context;
      this.model = model;
      this.body = body;
      this.listener = listener;
    }

    void start() {
      if (done.get()) return;
      startNanos = System.nanoTime();
      totalTimer =
          vertx.setTimer(
              config.totalTimeout().toMillis(),
              id -> {
                totalTimer = -1;
                onDeadline(Deadline.TOTAL);
              });
      firstTokenTimer =
          vertx.setTimer(
              config.firstTokenTimeout().toMillis(),
              id -> {
                firstTokenTimer = -1;
                onDeadline(Deadline.FIRST_TOKEN);
              });
      client
          .request(requestOptions(true))
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  fail(unavailable(model, ar.cause()));
                  return;
                }
                HttpClientRequest req = ar.result();
                if (done.get()) {
                  req.reset();
                  return;
                }
                request = req;
                req.exceptionHandler(this::onBroken);
                req.send(body)
                    .onComplete(
                        sent -> {
                          if (sent.failed()) {
                            fail(requestFailed(model, sent.cause()));
                          } else {
                            onResponse(sent.result());
                          }
                        });
              });
    }

    private void onResponse(HttpClientResponse response) {
      if (done.get()) return;
      int status = response.statusCode();
      if (status < 200 || status > 299) {
        readBody(
            response,
            MAX_ERROR_BODY_BYTES,
            true,
            errorBody -> {
              responseEnded = true;
              fail(httpError(model, response, errorBody));
            },
            e -> fail(httpError(model, response, Buffer.buffer())));
        return;
      }
      contentType = response.getHeader(HttpHeaders.CONTENT_TYPE);
      response.exceptionHandler(this::onBroken);
      response.endHandler(v -> onEnd());
      response.handler(this::onChunk);
    }

    private void onChunk(Buffer chunk) {
      if (done.get()) return;
      lastChunkNanos = System.nanoTime();
      try {
        decoder.feed(chunk.getBytes());
      } catch (SseDecoder.TooLongException e) {
        fail(
            new GenerationException(LLM_ERROR, "the " + server(model) + " sent " + e.getMessage()));
      }
    }

    /** One event's data; false stops the decoder. */
    private boolean onEvent(String data) {
      if (done.get()) return false;
      if (data.equals("[DONE]")) {
        complete();
        return false;
      }
      if (data.isBlank()) return true;
      JsonNode node;
      try {
        node = MAPPER.readTree(data);
      } catch (JsonProcessingException e) {
        node = null;
      }
      if (node == null || !node.isObject()) {
        fail(
            new GenerationException(
                LLM_ERROR,
                "the "
                    + server(model)
                    + " sent a malformed stream chunk (not a JSON object): "
                    + clean(data, 100)));
        return false;
      }
      String error = errorMessage(node);
      if (error != null) {
        fail(
            new GenerationException(
                LLM_ERROR,
                "the "
                    + server(model)
                    + " reported an error mid-stream: "
                    + clean(error, MAX_ERROR_MESSAGE_CHARS)));
        return false;
      }
      JsonNode choice = node.path("choices").path(0);
      JsonNode content = choice.path("delta").path("content");
      if (content.isTextual() && !content.textValue().isEmpty()) {
        onToken(content.textValue());
      }
      JsonNode finish = choice.path("finish_reason");
      if (!finish.isMissingNode() && !finish.isNull()) {
        finishSeen = true;
        LOG.debug("finish_reason {} from model {}", finish, model);
      }
      return !done.get();
    }

    private void onToken(String text) {
      if (!firstTokenSeen) {
        firstTokenSeen = true;
        cancelTimer(firstTokenTimer);
        firstTokenTimer = -1;
        scheduleIdleCheck(config.idleTimeout().toMillis());
      }
      tokens++;
      try {
        listener.onToken(text);
      } catch (RuntimeException e) {
        LOG.warn("the generation listener failed on a token; stopping the generation", e);
        fail(e);
      }
    }

    private void scheduleIdleCheck(long delayMillis) {
      idleTimer =
          vertx.setTimer(
              Math.max(1, delayMillis),
              id -> {
                idleTimer = -1;
                if (done.get()) return;
                long idleNanos = config.idleTimeout().toNanos();
                long quiet = System.nanoTime() - lastChunkNanos;
                if (quiet >= idleNanos) {
                  onDeadline(Deadline.IDLE);
                } else {
                  scheduleIdleCheck(TimeUnit.NANOSECONDS.toMillis(idleNanos - quiet + 999_999));
                }
              });
    }

    private void onDeadline(Deadline deadline) {
      if (done.get()) return;
      if (finishSeen) {
        // The answer is whole; only the end of the stream is missing.
        complete();
        return;
      }
      String message =
          switch (deadline) {
            case FIRST_TOKEN ->
                "no token from the "
                    + server(model)
                    + " within "
                    + config.firstTokenTimeout().toMillis()
                    + " ms ("
                    + LlmConfig.KEY_FIRST_TOKEN_TIMEOUT
                    + ")";
            case IDLE ->
                "the "
                    + server(model)
                    + " sent nothing for "
                    + config.idleTimeout().toMillis()
                    + " ms after "
                    + tokens
                    + " tokens ("
                    + LlmConfig.KEY_IDLE_TIMEOUT
                    + ")";
            case TOTAL ->
                "the answer from the "
                    + server(model)
                    + " was not complete within "
                    + config.totalTimeout().toMillis()
                    + " ms ("
                    + LlmConfig.KEY_TOTAL_TIMEOUT
                    + ")";
          };
      fail(new GenerationException(LLM_TIMEOUT, message));
    }

    private void onBroken(Throwable error) {
      if (done.get()) return;
      fail(
          new GenerationException(
              LLM_ERROR,
              "the stream from the "
                  + server(model)
                  + " broke off after "
                  + tokens
                  + " tokens: "
                  + describe(error),
              error));
    }

    private void onEnd() {
      responseEnded = true;
      cancelTimer(lingerTimer);
      lingerTimer = -1;
      if (done.get()) return;
      decoder.end();
      if (done.get()) return;
      if (finishSeen) {
        complete();
        return;
      }
      String hint =
          contentType == null || contentType.toLowerCase(Locale.ROOT).contains("text/event-stream")
              ? ""
              : " (response Content-Type " + clean(contentType, 60) + ", not text/event-stream)";
      fail(
          new GenerationException(
              LLM_ERROR,
              "the stream from the "
                  + server(model)
                  + " ended after "
                  + tokens
                  + " tokens without [DONE] or a finish_reason"
                  + hint));
    }

    private void complete() {
      if (!done.compareAndSet(false, true)) return;
      release(false);
      LOG.debug(
          "generation complete: model={}, tokens={}, {} ms",
          model,
          tokens,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
      deliver(
          () -> {
            try {
              listener.onComplete();
            } catch (RuntimeException e) {
              LOG.warn("the generation listener failed on completion", e);
            }
          });
    }

    private void fail(Throwable error) {
      if (!done.compareAndSet(false, true)) return;
      release(true);
      if (error instanceof GenerationException ge) {
        LOG.warn("generation failed [{}]: {}", ge.code(), ge.getMessage());
      }
      deliver(
          () -> {
            try {
              listener.onError(error);
            } catch (RuntimeException e) {
              LOG.warn("the generation listener failed on an error", e);
            }
          });
    }

    @Override
    public void cancel() {
      if (!done.compareAndSet(false, true)) return;
      LOG.debug("generation cancelled: model={}, tokens so far={}", model, tokens);
      onContext(() -> release(true));
    }

    /** Cancels the timers and resets the request unless its response has ended. */
    private void release(boolean reset) {
      cancelTimer(totalTimer);
      cancelTimer(firstTokenTimer);
      cancelTimer(idleTimer);
      totalTimer = firstTokenTimer = idleTimer = -1;
      if (request == null || responseEnded) return;
      if (reset) {
        request.reset();
      } else {
        // [DONE] came before the end of the response: give it a moment, then free the connection.
        HttpClientRequest req = request;
        lingerTimer =
            vertx.setTimer(
                LINGER_MILLIS,
                id -> {
                  if (!responseEnded) req.reset();
                });
      }
    }

    private void deliver(Runnable callback) {
      onContext(callback);
    }

    private void onContext(Runnable action) {
      if (Vertx.currentContext() == context) {
        action.run();
      } else {
        context.runOnContext(v -> action.run());
      }
    }
  }

  /** One non-streamed query rewrite; runs on the context that asked for it. */
  private final class QueryCall {
    private final String model;
    private final Buffer body;
    private final String followUp;
    private final Promise<String> promise;
    private HttpClientRequest request;
    private boolean responseEnded;
    private long timer = -1;

    QueryCall(String model, Buffer body, String followUp, Promise<String> promise) {
      this.model = model;
      this.body = body;
      this.followUp = followUp;
      this.promise = promise;
    }

    void start() {
      timer =
          vertx.setTimer(
              config.totalTimeout().toMillis(),
              id -> {
                timer = -1;
                fail(
                    new GenerationException(
                        LLM_TIMEOUT,
                        "no query rewrite from the "
                            + server(model)
                            + " within "
                            + config.totalTimeout().toMillis()
                            + " ms ("
                            + LlmConfig.KEY_TOTAL_TIMEOUT
                            + ")"));
              });
      client
          .request(requestOptions(false))
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  fail(unavailable(model, ar.cause()));
                  return;
                }
                HttpClientRequest req = ar.result();
                if (promise.future().isComplete()) {
                  req.reset();
                  return;
                }
                request = req;
                req.send(body)
                    .onComplete(
                        sent -> {
                          if (sent.failed()) {
                            fail(requestFailed(model, sent.cause()));
                          } else {
                            onResponse(sent.result());
                          }
                        });
              });
    }

    private void onResponse(HttpClientResponse response) {
      if (promise.future().isComplete()) return;
      int status = response.statusCode();
      Handler<Throwable> broken =
          e ->
              fail(
                  e instanceof GenerationException ge
                      ? ge
                      : new GenerationException(
                          LLM_ERROR,
                          "the response from the " + server(model) + " broke off: " + describe(e),
                          e));
      if (status < 200 || status > 299) {
        readBody(
            response,
            MAX_ERROR_BODY_BYTES,
            true,
            errorBody -> {
              responseEnded = true;
              fail(httpError(model, response, errorBody));
            },
            broken);
        return;
      }
      readBody(
          response,
          MAX_RESPONSE_BYTES,
          false,
          answer -> {
            responseEnded = true;
            onAnswer(answer);
          },
          broken);
    }

    private void onAnswer(Buffer answer) {
      JsonNode node;
      try {
        node = MAPPER.readTree(answer.getBytes());
      } catch (IOException e) {
        node = null;
      }
      if (node == null || !node.isObject()) {
        fail(
            new GenerationException(
                LLM_ERROR,
                "the "
                    + server(model)
                    + " answered with malformed JSON: "
                    + clean(answer.toString(StandardCharsets.UTF_8), 100)));
        return;
      }
      String error = errorMessage(node);
      if (error != null) {
        fail(
            new GenerationException(
                LLM_ERROR,
                "the "
                    + server(model)
                    + " reported an error: "
                    + clean(error, MAX_ERROR_MESSAGE_CHARS)));
        return;
      }
      JsonNode content = node.path("choices").path(0).path("message").path("content");
      if (!content.isTextual()) {
        fail(
            new GenerationException(
                LLM_ERROR,
                "the answer of the " + server(model) + " has no choices[0].message.content"));
        return;
      }
      String query = cleanQuery(content.textValue());
      if (query.isEmpty()) {
        LOG.debug("empty query rewrite from model {}; keeping the follow-up", model);
        query = followUp;
      }
      succeed(query);
    }

    private void succeed(String query) {
      cancelTimer(timer);
      timer = -1;
      promise.tryComplete(query);
    }

    private void fail(GenerationException error) {
      cancelTimer(timer);
      timer = -1;
      if (!promise.tryFail(error)) return;
      LOG.warn("query rewrite failed [{}]: {}", error.code(), error.getMessage());
      if (request != null && !responseEnded) request.reset();
    }
  }

  private void cancelTimer(long id) {
    if (id >= 0) vertx.cancelTimer(id);
  }
}
