package io.ragstream.cli.reindex;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A client of the gateway's {@code /admin/index} endpoint (docs/reindex.md), as used by {@code
 * ragstream reindex}. Blocking; thread-safe.
 */
public final class IndexAdminClient {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  /** The endpoint refused or failed; {@link #status()} is the HTTP status. */
  public static final class AdminException extends RuntimeException {
    private final int status;

    AdminException(int status, String message) {
      super(message);
      this.status = status;
    }

    /** The HTTP status: 400 bad argument, 401 wrong token, 409 not allowed now, 5xx failure. */
    public int status() {
      return status;
    }
  }

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String baseUrl;
  private final String token;

  /**
   * @param gatewayUrl {@code http://host:port} of the gateway
   * @param token the admin token ({@link AdminToken#read})
   */
  public IndexAdminClient(String gatewayUrl, String token) {
    this.baseUrl = Objects.requireNonNull(gatewayUrl, "gatewayUrl").replaceAll("/+$", "");
    this.token = Objects.requireNonNull(token, "token");
  }

  /** {@code GET /admin/index}: the generations ({@link ReindexController.Status} as JSON). */
  public JsonNode status() {
    return send(request("/admin/index").GET());
  }

  /** {@code POST /admin/index/reindex}: starts building a generation with {@code embedder}. */
  public JsonNode reindex(String embedder) {
    return send(
        request("/admin/index/reindex")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("embedder", embedder)))));
  }

  /** {@code POST /admin/index/rollback}. */
  public JsonNode rollback() {
    return send(request("/admin/index/rollback").POST(HttpRequest.BodyPublishers.noBody()));
  }

  /** {@code POST /admin/index/retire}. */
  public JsonNode retire() {
    return send(request("/admin/index/retire").POST(HttpRequest.BodyPublishers.noBody()));
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(TIMEOUT)
        .header("Authorization", "Bearer " + token);
  }

  private JsonNode send(HttpRequest.Builder request) {
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AdminException(0, "cannot reach the gateway at " + baseUrl + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdminException(0, "interrupted");
    }
    JsonNode body;
    try {
      body = Json.mapper().readTree(response.body());
    } catch (IOException e) {
      throw new AdminException(response.statusCode(), "not JSON: " + response.body());
    }
    if (response.statusCode() >= 300) {
      JsonNode message = body == null ? null : body.path("error").path("message");
      throw new AdminException(
          response.statusCode(),
          message == null || message.isMissingNode() ? response.body() : message.asText());
    }
    return body;
  }
}
