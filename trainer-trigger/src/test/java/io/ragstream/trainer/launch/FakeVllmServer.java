package io.ragstream.trainer.launch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragstream.core.json.Json;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local HTTP server with the semantics of vLLM's runtime LoRA endpoints (vLLM's
 * serving_models.py): {@code GET /v1/models} lists the base model and every loaded adapter ({@code
 * root} = its path, {@code parent} = the base model); {@code POST /v1/load_lora_adapter} answers
 * 400 {@code InvalidUserInput} without both fields or when the name is loaded, 404 {@code
 * NotFoundError} "No adapter found" when the path holds no {@code adapter_config.json}, else 200
 * and the text {@code Success: LoRA adapter 'x' added successfully.}; {@code POST
 * /v1/unload_lora_adapter} answers 404 when the name is not loaded, else 200 and a text. With an
 * API key, a request without {@code Authorization: Bearer <key>} gets 401. No vLLM can run here (no
 * GPU, no wheel), so this stands in for it.
 */
public final class FakeVllmServer implements AutoCloseable {
  /** The base model {@code GET /v1/models} lists. */
  public final String baseModel;

  /** Loaded adapters: served name to path. */
  public final Map<String, String> loras = new ConcurrentHashMap<>();

  /** Every request as {@code METHOD /path}, in arrival order. */
  public final List<String> requests = new CopyOnWriteArrayList<>();

  /** Answer this many next requests (any path) with 503. */
  final AtomicInteger failNext = new AtomicInteger();

  /** Load the adapter but answer this many next loads with 500 (a lost answer). */
  final AtomicInteger loseNextLoadAnswers = new AtomicInteger();

  private final Vertx vertx;
  private final HttpServer server;
  private final String apiKey;

  /**
   * Starts the server on a free port of 127.0.0.1.
   *
   * @param apiKey the key requests must carry, or {@code null} for none
   */
  public FakeVllmServer(Vertx vertx, String baseModel, String apiKey) throws Exception {
    this.vertx = vertx;
    this.baseModel = baseModel;
    this.apiKey = apiKey;
    this.server =
        vertx
            .createHttpServer()
            .requestHandler(this::handle)
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  /** {@code http://127.0.0.1:<port>/v1}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1";
  }

  private void handle(HttpServerRequest req) {
    req.body()
        .onSuccess(
            body -> {
              requests.add(req.method() + " " + req.path());
              if (apiKey != null && !("Bearer " + apiKey).equals(req.getHeader("Authorization"))) {
                reply(req, 401, "{\"error\":\"Unauthorized\"}", "application/json");
                return;
              }
              if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                reply(
                    req,
                    503,
                    error("Service Unavailable", "ServiceUnavailable", 503),
                    "application/json");
                return;
              }
              String route = req.method() + " " + req.path();
              switch (route) {
                case "GET /v1/models" -> reply(req, 200, models(), "application/json");
                case "POST /v1/load_lora_adapter" -> load(req, json(body.toString()));
                case "POST /v1/unload_lora_adapter" -> unload(req, json(body.toString()));
                default -> reply(req, 404, "{\"detail\":\"Not Found\"}", "application/json");
              }
            });
  }

  private static JsonNode json(String body) {
    try {
      return Json.mapper().readTree(body);
    } catch (java.io.IOException e) {
      return Json.mapper().createObjectNode();
    }
  }

  private void load(HttpServerRequest req, JsonNode body) {
    String name = body.path("lora_name").asText("");
    String path = body.path("lora_path").asText("");
    if (name.isEmpty() || path.isEmpty()) {
      reply(
          req,
          400,
          error("Both 'lora_name' and 'lora_path' must be provided.", "InvalidUserInput", 400),
          "application/json");
    } else if (loras.containsKey(name)) {
      reply(
          req,
          400,
          error(
              "The lora adapter '" + name + "' has already been loaded.", "InvalidUserInput", 400),
          "application/json");
    } else if (!Files.isRegularFile(Path.of(path, "adapter_config.json"))) {
      reply(
          req,
          404,
          error("No adapter found for " + path, "NotFoundError", 404),
          "application/json");
    } else {
      loras.put(name, path);
      if (loseNextLoadAnswers.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        reply(
            req,
            500,
            error("Internal Server Error", "InternalServerError", 500),
            "application/json");
        return;
      }
      reply(req, 200, "Success: LoRA adapter '" + name + "' added successfully.", "text/plain");
    }
  }

  private void unload(HttpServerRequest req, JsonNode body) {
    String name = body.path("lora_name").asText("");
    if (loras.remove(name) == null) {
      reply(
          req,
          404,
          error("The lora adapter '" + name + "' cannot be found.", "NotFoundError", 404),
          "application/json");
    } else {
      reply(req, 200, "Success: LoRA adapter '" + name + "' removed successfully.", "text/plain");
    }
  }

  private String models() {
    ObjectNode root = Json.mapper().createObjectNode().put("object", "list");
    ArrayNode data = root.putArray("data");
    data.addObject()
        .put("id", baseModel)
        .put("object", "model")
        .put("root", baseModel)
        .putNull("parent");
    loras.forEach(
        (name, path) ->
            data.addObject()
                .put("id", name)
                .put("object", "model")
                .put("root", path)
                .put("parent", baseModel));
    return Json.write(root);
  }

  private static String error(String message, String type, int code) {
    return Json.write(
        Json.mapper()
            .createObjectNode()
            .put("object", "error")
            .put("message", message)
            .put("type", type)
            .put("code", code));
  }

  private static void reply(HttpServerRequest req, int status, String body, String type) {
    req.response().setStatusCode(status).putHeader("Content-Type", type).end(body);
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
