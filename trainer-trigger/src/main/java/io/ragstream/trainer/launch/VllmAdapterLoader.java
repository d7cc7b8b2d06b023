package io.ragstream.trainer.launch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import io.ragstream.core.error.RetriableException;
import io.ragstream.core.json.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads trained LoRA adapters into a running vLLM server, and unloads them, through vLLM's runtime
 * LoRA endpoints (vLLM docs, "LoRA Adapters", dynamically serving LoRA adapters; the server needs
 * {@code --enable-lora} and {@code VLLM_ALLOW_RUNTIME_LORA_UPDATING=True}):
 *
 * <ul>
 *   <li>{@code POST {base}/load_lora_adapter} with {@code {"lora_name": ..., "lora_path": ...}}:
 *       200 and a text such as {@code Success: LoRA adapter 'x' added successfully.}; 400 when the
 *       name is already loaded or the adapter cannot be loaded, 404 when no adapter is at the path;
 *   <li>{@code POST {base}/unload_lora_adapter} with {@code {"lora_name": ...}}: 200 and a text;
 *       404 when the name is not loaded;
 *   <li>{@code GET {base}/models}: the base model and every loaded adapter, an adapter with {@code
 *       "root"} = its path and {@code "parent"} = the base model.
 * </ul>
 *
 * <p><b>Names are never reused.</b> vLLM caches an adapter's weights under its name: loading other
 * weights under a name it has served can keep answering with the old ones. So an adapter is served
 * as {@link #servedName}{@code (prefix, adapterId)}, and {@link #load} refuses a name that {@code
 * GET /models} already lists.
 *
 * <p><b>Errors.</b> A 4xx status is a {@link VllmException} (not retried); a 5xx status, a 429, a
 * refused or broken connection or no answer within the request timeout is a {@link
 * RetriableException}, retried up to {@code max-attempts} times with exponential backoff and 25 %
 * jitter (Failsafe); the last one is thrown. The API key is sent as {@code Authorization: Bearer}
 * and never logged.
 *
 * <p>Blocking: call it from a worker thread, never from a Vert.x event loop. Thread-safe.
 */
public final class VllmAdapterLoader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VllmAdapterLoader.class);

  /** Longest part of an error body kept in a message, in characters. */
  static final int MAX_ERROR_CHARS = 300;

  private final LlmLoraConfig.Vllm config;
  private final HttpClientAgent client;
  private final RetryPolicy<Object> retry;

  /**
   * @param vertx runs the HTTP client
   * @param config server, key, naming and retry settings
   */
  public VllmAdapterLoader(Vertx vertx, LlmLoraConfig.Vllm config) {
    this.config = Objects.requireNonNull(config, "config");
    this.client =
        vertx
            .httpClientBuilder()
            .with(
                new HttpClientOptions()
                    .setConnectTimeout((int) config.requestTimeout().toMillis())
                    .setKeepAliveTimeout(4))
            .build();
    Duration initial = config.initialBackoff();
    this.retry =
        RetryPolicy.builder()
            .handle(RetriableException.class)
            .withMaxAttempts(config.maxAttempts())
            .withBackoff(initial, initial.multipliedBy(30))
            .withJitter(0.25)
            .onRetry(
                e ->
                    LOG.warn(
                        "vLLM call failed (attempt {}), retrying: {}",
                        e.getAttemptCount(),
                        e.getLastException().getMessage()))
            .build();
  }

  /**
   * The name an adapter is served under: {@code <prefix>-<adapterId>}, e.g. {@code
   * rag-llama-llm-20261123-213000-3f2a9c1b}.
   *
   * @throws IllegalArgumentException when the result is not a valid name ({@link
   *     LlmLoraConfig.Vllm#NAME})
   */
  public static String servedName(String prefix, String adapterId) {
    String name = prefix + "-" + adapterId;
    if (!LlmLoraConfig.Vllm.NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "served adapter name '" + name + "' must match " + LlmLoraConfig.Vllm.NAME.pattern());
    }
    return name;
  }

  /**
   * What vLLM serves now ({@code GET {base}/models}).
   *
   * @throws VllmException on a 4xx status or an answer without a {@code data} array
   * @throws RetriableException when vLLM is unreachable or failing after the retries
   */
  public List<ServedModel> models() {
    JsonNode body = parse(call(HttpMethod.GET, "/models", null));
    JsonNode data = body.get("data");
    if (data == null || !data.isArray()) {
      throw new VllmException(0, "GET /models answered without a data array");
    }
    List<ServedModel> models = new ArrayList<>();
    for (JsonNode m : data) {
      models.add(new ServedModel(text(m, "id"), text(m, "root"), text(m, "parent")));
    }
    return models;
  }

  /**
   * Loads the adapter at {@code loraPath} (a directory the vLLM server can read) as {@code
   * loraName}.
   *
   * @return vLLM's answer text
   * @throws IllegalArgumentException when {@code loraName} is not a valid name
   * @throws VllmException when vLLM already serves {@code loraName} (names are never reused) or
   *     refuses the adapter (4xx, with vLLM's message)
   * @throws RetriableException when vLLM is unreachable or failing after the retries
   */
  public String load(String loraName, String loraPath) {
    requireName(loraName);
    Objects.requireNonNull(loraPath, "loraPath");
    if (models().stream().anyMatch(m -> m.id().equals(loraName))) {
      throw new VllmException(
          0,
          "vLLM already serves '"
              + loraName
              + "'; adapter names are never reused (vLLM would keep the cached weights)");
    }
    ObjectNode body = Json.mapper().createObjectNode();
    body.put("lora_name", loraName);
    body.put("lora_path", loraPath);
    try {
      String text = call(HttpMethod.POST, "/load_lora_adapter", body);
      LOG.info("vLLM loaded adapter {} from {}", loraName, loraPath);
      return text;
    } catch (VllmException e) {
      // A retried load whose first try did succeed answers 400 "already loaded": check.
      if (e.status() == 400
          && models().stream()
              .anyMatch(m -> m.id().equals(loraName) && loraPath.equals(m.root()))) {
        LOG.info("vLLM loaded adapter {} from {} (on an earlier try)", loraName, loraPath);
        return "Success: LoRA adapter '" + loraName + "' was loaded by an earlier try.";
      }
      throw e;
    }
  }

  /**
   * Unloads {@code loraName}.
   *
   * @return vLLM's answer text
   * @throws VllmException when vLLM does not serve it (404) or refuses (4xx)
   * @throws RetriableException when vLLM is unreachable or failing after the retries
   */
  public String unload(String loraName) {
    requireName(loraName);
    ObjectNode body = Json.mapper().createObjectNode();
    body.put("lora_name", loraName);
    String text = call(HttpMethod.POST, "/unload_lora_adapter", body);
    LOG.info("vLLM unloaded adapter {}", loraName);
    return text;
  }

  private static void requireName(String name) {
    if (name == null || !LlmLoraConfig.Vllm.NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "adapter name must match " + LlmLoraConfig.Vllm.NAME.pattern() + ", was '" + name + "'");
    }
  }

  private String call(HttpMethod method, String path, JsonNode json) {
    try {
      return Failsafe.with(retry).get(() -> once(method, path, json));
    } catch (FailsafeException e) {
      if (e.getCause() instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        throw new RetriableException("interrupted while calling vLLM " + path, e.getCause());
      }
      throw e;
    }
  }

  private String once(HttpMethod method, String path, JsonNode json) throws InterruptedException {
    String url = config.baseUrl() + path;
    RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(url);
    options.putHeader(HttpHeaders.ACCEPT, "application/json, text/plain");
    if (config.apiKey() != null) {
      options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + config.apiKey());
    }
    Buffer payload = json == null ? null : Buffer.buffer(Json.write(json));
    if (payload != null) {
      options.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    }
    Response response;
    try {
      response =
          client
              .request(options)
              .compose(req -> payload == null ? req.send() : req.send(payload))
              .compose(res -> res.body().map(b -> new Response(res.statusCode(), b.toString())))
              .toCompletionStage()
              .toCompletableFuture()
              .get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new RetriableException(
          method + " " + url + ": no answer within " + config.requestTimeout(), e);
    } catch (ExecutionException e) {
      throw new RetriableException(method + " " + url + ": " + e.getCause(), e.getCause());
    }
    return classify(method + " " + url, response.status(), response.body());
  }

  /**
   * The body of a 2xx answer; otherwise the exception for the status (the remote-system
   * classifier): 429 and 5xx retriable, other statuses not.
   */
  static String classify(String what, int status, String body) {
    if (status >= 200 && status < 300) {
      return body;
    }
    String message = what + " answered HTTP " + status + ": " + errorMessage(body);
    if (status == 429 || status >= 500) {
      throw new RetriableException(message, null);
    }
    throw new VllmException(status, message);
  }

  /**
   * vLLM's error message: {@code message} or {@code error.message} of a JSON body, else the text.
   */
  static String errorMessage(String body) {
    String text = body == null ? "" : body.strip();
    try {
      JsonNode node = Json.mapper().readTree(text);
      if (node != null && node.isObject()) {
        JsonNode error = node.get("error");
        if (error != null && error.isObject() && error.hasNonNull("message")) {
          text = error.get("message").asText();
        } else if (error != null && error.isTextual()) {
          text = error.asText();
        } else if (node.hasNonNull("message")) {
          text = node.get("message").asText();
        }
      }
    } catch (IOException e) {
      // not JSON: keep the text
    }
    return text.length() > MAX_ERROR_CHARS ? text.substring(0, MAX_ERROR_CHARS) + "..." : text;
  }

  private static JsonNode parse(String body) {
    try {
      return Json.mapper().readTree(body);
    } catch (IOException e) {
      throw new VllmException(0, "vLLM answered with malformed JSON: " + e.getMessage());
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  @Override
  public void close() {
    client.close();
  }

  /** Settings without the API key. */
  @Override
  public String toString() {
    return "VllmAdapterLoader[" + config + "]";
  }

  /**
   * One entry of {@code GET /models}.
   *
   * @param id the name requests use as {@code model}
   * @param root the base model's path or an adapter's {@code lora_path}
   * @param parent the base model for an adapter; {@code null} for a base model
   */
  public record ServedModel(String id, String root, String parent) {}

  private record Response(int status, String body) {}
}
