package io.ragstream.cli.beir;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragstream.core.json.Json;
import io.ragstream.core.store.Fusion;
import io.ragstream.core.store.SearchMode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A blocking client of the gateway's {@code POST /v1/search} for evaluation: sends {@code {"query",
 * "k", "mode", "collapse": true}} and reads {@code hits[].documentId} and {@code timings.totalMs}.
 *
 * <p>Thread-safe (one JDK {@link HttpClient}); calls block the calling thread for at most the
 * request timeout.
 */
public final class GatewaySearchClient {
  private static final int MAX_BODY_IN_MESSAGE = 2_000;

  private final HttpClient http;
  private final URI searchUri;
  private final Duration timeout;
  private final Map<String, String> headers;
  private final ObjectMapper mapper = Json.mapper();

  /**
   * @param gateway the gateway base URL, for example {@code http://127.0.0.1:8080}; {@code
   *     /v1/search} is appended to its path
   * @param timeout per-request timeout
   * @param headers extra request headers (for example {@code Authorization}); may be empty
   * @throws IllegalArgumentException if {@code gateway} is not an absolute http(s) URL
   */
  public GatewaySearchClient(URI gateway, Duration timeout, Map<String, String> headers) {
    Objects.requireNonNull(gateway, "gateway");
    String scheme = gateway.getScheme() == null ? "" : gateway.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || gateway.getHost() == null) {
      throw new IllegalArgumentException(
          "gateway must be an http(s) URL such as http://127.0.0.1:8080, was " + gateway);
    }
    String base = gateway.toString();
    while (base.endsWith("/")) base = base.substring(0, base.length() - 1);
    this.searchUri = URI.create(base + "/v1/search");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.headers = Map.copyOf(headers);
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** The URL searches are posted to. */
  public URI searchUri() {
    return searchUri;
  }

  /**
   * Runs one search.
   *
   * @param query the query text
   * @param k number of documents to fetch
   * @param mode retrieval mode, sent in lower case
   * @return the hits' document ids in rank order, the gateway's reported time and the client-side
   *     latency (request sent to response body received)
   * @throws GatewayException on a non-200 status (with the status and body), an unreachable gateway
   *     or a response without {@code hits[].documentId}
   * @throws InterruptedException if the calling thread is interrupted while waiting
   */
  public SearchResult search(String query, int k, SearchMode mode) throws InterruptedException {
    return search(query, k, mode, null);
  }

  /**
   * Runs one search with an explicit HYBRID fusion ({@code null}: the gateway's default); see
   * {@link #search(String, int, SearchMode)}.
   */
  public SearchResult search(String query, int k, SearchMode mode, Fusion fusion)
      throws InterruptedException {
    ObjectNode body = mapper.createObjectNode();
    body.put("query", query);
    body.put("k", k);
    body.put("mode", mode.name().toLowerCase(Locale.ROOT));
    body.put("collapse", true);
    if (fusion instanceof Fusion.Rrf rrf) {
      body.putObject("fusion").put("method", "rrf").put("k", rrf.k());
    } else if (fusion instanceof Fusion.Convex convex) {
      body.putObject("fusion").put("method", "convex").put("alpha", convex.alpha());
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(searchUri)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    headers.forEach(request::header);

    long start = System.nanoTime();
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new GatewayException(
          0, "cannot reach the gateway at " + searchUri + ": " + describe(e), e);
    }
    double clientMs = (System.nanoTime() - start) / 1e6;

    if (response.statusCode() != 200) {
      throw new GatewayException(
          response.statusCode(),
          "gateway answered HTTP "
              + response.statusCode()
              + " to POST "
              + searchUri
              + ": "
              + abbreviate(response.body()),
          null);
    }
    return parse(response.body(), clientMs);
  }

  /**
   * Posts one relevance judgement to the gateway's {@code POST /v1/feedback} (docs/chat.md).
   *
   * @param queryId the {@link SearchResult#queryId()} of the search judged
   * @param documentId the source-qualified document id judged
   * @param relevant whether the document is relevant to the query
   * @throws GatewayException on a non-2xx status (with the status and body) or an unreachable
   *     gateway
   * @throws InterruptedException if the calling thread is interrupted while waiting
   */
  public void feedback(String queryId, String documentId, boolean relevant)
      throws InterruptedException {
    ObjectNode body = mapper.createObjectNode();
    body.put("queryId", queryId);
    body.put("documentId", documentId);
    body.put("relevant", relevant);
    URI uri = searchUri.resolve("feedback");
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    headers.forEach(request::header);
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new GatewayException(0, "cannot reach the gateway at " + uri + ": " + describe(e), e);
    }
    if (response.statusCode() / 100 != 2) {
      throw new GatewayException(
          response.statusCode(),
          "gateway answered HTTP "
              + response.statusCode()
              + " to POST "
              + uri
              + ": "
              + abbreviate(response.body()),
          null);
    }
  }

  private SearchResult parse(String body, double clientMs) {
    JsonNode root;
    try {
      root = mapper.readTree(body);
    } catch (JsonProcessingException e) {
      throw new GatewayException(0, "gateway response is not JSON: " + abbreviate(body), e);
    }
    JsonNode hits = root == null ? null : root.get("hits");
    if (hits == null || !hits.isArray()) {
      throw new GatewayException(
          0, "gateway response has no hits array: " + abbreviate(body), null);
    }
    List<String> documentIds = new ArrayList<>(hits.size());
    for (JsonNode hit : hits) {
      JsonNode id = hit.get("documentId");
      if (id == null || !id.isTextual()) {
        throw new GatewayException(
            0, "gateway hit without a string documentId: " + abbreviate(hit.toString()), null);
      }
      documentIds.add(id.textValue());
    }
    JsonNode total = root.path("timings").path("totalMs");
    Double serverMs = total.isNumber() ? total.doubleValue() : null;
    return new SearchResult(
        documentIds,
        serverMs,
        clientMs,
        text(root, "embedder"),
        text(root, "fusion"),
        text(root, "queryId"),
        text(root, "adapter"));
  }

  private static String text(JsonNode root, String field) {
    JsonNode node = root.get(field);
    return node != null && node.isTextual() ? node.textValue() : null;
  }

  /**
   * The exception's class and the first message in its cause chain (JDK connect errors have none).
   */
  private static String describe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return e.getClass().getSimpleName() + ": " + t.getMessage();
      }
    }
    return e.getClass().getSimpleName();
  }

  private static String abbreviate(String text) {
    if (text == null) return "";
    return text.length() <= MAX_BODY_IN_MESSAGE
        ? text
        : text.substring(0, MAX_BODY_IN_MESSAGE) + "...";
  }

  /**
   * One search's outcome.
   *
   * @param documentIds the hits' source-qualified document ids, best first
   * @param serverMs the gateway's {@code timings.totalMs}, or null when it did not report it
   * @param clientMs client-side latency in milliseconds
   * @param embedder the gateway's query embedder id, null when not reported (bm25)
   * @param fusion the fusion the gateway applied, null unless hybrid
   * @param queryId the gateway's id of this search (for {@code POST /v1/feedback}), null when not
   *     reported
   * @param adapter the query adapter the gateway applied ({@code base} = none), null when not
   *     reported
   */
  public record SearchResult(
      List<String> documentIds,
      Double serverMs,
      double clientMs,
      String embedder,
      String fusion,
      String queryId,
      String adapter) {
    public SearchResult {
      documentIds = List.copyOf(documentIds);
    }
  }
}
