package io.ragstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Dense searches whose relevant document is known, as a client sees them, for the reindex tests
 * (ReindexIT, DistributedReindexIT): a query vector from another model than the index's would miss
 * the relevant document.
 */
final class SearchProbe {
  /** One search as seen by a client. */
  record Observed(
      long sentNanos,
      long doneNanos,
      int status,
      int hits,
      int generation,
      String indexEmbedder,
      String queryEmbedder,
      boolean relevantInTop3,
      String error) {}

  private final HttpClient http = HttpClient.newHttpClient();
  private final Supplier<String> gatewayUrl;
  private final Function<String, String> documentId;

  /**
   * @param gatewayUrl the gateway's base URL
   * @param documentId the document id of a corpus key
   */
  SearchProbe(Supplier<String> gatewayUrl, Function<String, String> documentId) {
    this.gatewayUrl = gatewayUrl;
    this.documentId = documentId;
  }

  /** {@code POST /v1/search} (dense, k 3); never throws: a failure is an observation. */
  Observed search(String query, String relevantKey) {
    long sent = System.nanoTime();
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(gatewayUrl.get() + "/v1/search"))
                  .header("Content-Type", "application/json")
                  .timeout(Duration.ofSeconds(30))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          Json.write(Map.of("query", query, "k", 3, "mode", "dense"))))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return new Observed(
            sent, System.nanoTime(), r.statusCode(), 0, 0, null, null, false, r.body());
      }
      JsonNode body = Json.mapper().readTree(r.body());
      boolean relevant = false;
      for (JsonNode h : body.path("hits")) {
        relevant |= h.path("documentId").asText().equals(documentId.apply(relevantKey));
      }
      return new Observed(
          sent,
          System.nanoTime(),
          200,
          body.path("hits").size(),
          body.path("index").path("generation").asInt(),
          body.path("index").path("embedder").asText(),
          body.path("embedder").asText(),
          relevant,
          null);
    } catch (Exception e) {
      return new Observed(sent, System.nanoTime(), 0, 0, 0, null, null, false, e.toString());
    }
  }

  /**
   * Starts {@code threads} clients that search {@code queries} ({query, relevant key}) round-robin,
   * back to back, until {@link Load#stop()}.
   */
  Load load(int threads, String[][] queries) {
    return new Load(threads, queries);
  }

  /** Concurrent clients and what they observed. */
  final class Load implements AutoCloseable {
    private final List<Observed> observed = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final List<Thread> clients = new ArrayList<>();

    private Load(int threads, String[][] queries) {
      AtomicLong round = new AtomicLong();
      for (int t = 0; t < threads; t++) {
        Thread c =
            new Thread(
                () -> {
                  while (!stopped.get()) {
                    String[] q = queries[(int) (round.getAndIncrement() % queries.length)];
                    observed.add(search(q[0], q[1]));
                  }
                },
                "search-probe-" + t);
        c.start();
        clients.add(c);
      }
    }

    /** Searches observed so far. */
    int size() {
      return observed.size();
    }

    /** Stops the clients, waits for their last search, and returns every observation in order. */
    List<Observed> stop() throws InterruptedException {
      stopped.set(true);
      for (Thread c : clients) c.join();
      return List.copyOf(observed);
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }
  }

  /** How many of {@code queries} ({query, relevant key}) find their document in the top 3. */
  int countRelevant(String[][] queries) {
    int n = 0;
    for (String[] q : queries) {
      Observed o = search(q[0], q[1]);
      if (o.status() == 200 && o.relevantInTop3()) n++;
    }
    return n;
  }

  /**
   * Every search answered 200 with hits and the relevant document in its top 3, its query embedded
   * by the model of the generation that answered ({@code embedders}: generation number → name).
   */
  static void assertEverySearchConsistent(List<Observed> all, Map<Integer, String> embedders) {
    assertThat(all.stream().filter(o -> o.error() != null).map(Observed::error).limit(5)).isEmpty();
    assertThat(all.stream().filter(o -> o.status() != 200).count()).as("failed").isZero();
    assertThat(all.stream().filter(o -> o.hits() == 0).count()).as("empty").isZero();
    for (Observed o : all) {
      assertThat(embedders).containsKey(o.generation());
      assertThat(o.indexEmbedder()).startsWith(embedders.get(o.generation()) + "@");
      assertThat(o.queryEmbedder()).isEqualTo(o.indexEmbedder());
    }
    assertThat(all.stream().filter(o -> !o.relevantInTop3()).count())
        .as("without the relevant document in the top 3")
        .isZero();
  }
}
