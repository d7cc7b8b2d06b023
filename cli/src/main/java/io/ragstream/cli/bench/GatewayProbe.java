package io.ragstream.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A small blocking client of the gateway for benchmarks: search hits with text, /ready stats and
 * the memory figures of /metrics.
 */
final class GatewayProbe {
  /** A chunk hit. */
  record Hit(String documentId, String text) {}

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  GatewayProbe(String base) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }

  /** Chunk-level hits (collapse off) of a search. */
  List<Hit> search(String query, int k, String mode) throws IOException, InterruptedException {
    String body = Json.write(Map.of("query", query, "k", k, "mode", mode, "collapse", false));
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/search"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("POST /v1/search returned " + r.statusCode() + ": " + r.body());
    }
    List<Hit> hits = new ArrayList<>();
    for (JsonNode h : Json.mapper().readTree(r.body()).path("hits")) {
      hits.add(new Hit(h.path("documentId").asText(), h.path("text").asText()));
    }
    return hits;
  }

  /** The {@code documents} count reported by {@code GET /ready} (whatever the status code). */
  long indexedDocuments() throws IOException, InterruptedException {
    HttpResponse<String> r = get("/ready");
    JsonNode n = Json.mapper().readTree(r.body()).path("documents");
    if (!n.isNumber()) {
      throw new IOException("GET /ready has no numeric 'documents': " + r.body());
    }
    return n.asLong();
  }

  /**
   * The gateway's memory from {@code GET /metrics}, or empty when the gateway has no such endpoint
   * (404).
   *
   * @throws IOException when the gateway cannot be reached or answers another error
   */
  Optional<GatewayMemory> memory() throws IOException, InterruptedException {
    HttpResponse<String> r = get("/metrics");
    if (r.statusCode() == 404) return Optional.empty();
    if (r.statusCode() != 200) {
      throw new IOException("GET /metrics returned " + r.statusCode() + ": " + r.body());
    }
    return Optional.of(GatewayMemory.parse(r.body()));
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
