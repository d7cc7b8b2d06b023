package io.ragstream.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ragstream.core.port.Embedder;
import io.ragstream.embedding.Embedders;
import io.ragstream.gateway.GatewayConfig;
import io.ragstream.gateway.GatewayFeatures;
import io.ragstream.gateway.GatewayVerticle;
import io.ragstream.store.lucene.LuceneVectorStore;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} of a running gateway, and its WebSocket gauge as real sockets come and go.
 */
class MetricsIT {
  private static final Pattern CONNECTIONS =
      Pattern.compile("(?m)^ragstream_gateway_websocket_connections (\\S+)$");

  @TempDir static Path indexDir;
  static Embedder embedder;
  static LuceneVectorStore store;
  static Vertx vertx;
  static GatewayMetrics metrics;
  static GatewayVerticle gateway;
  static WebClient http;

  @BeforeAll
  static void start() {
    embedder = Embedders.createDefault();
    store = LuceneVectorStore.open(indexDir);
    vertx = Vertx.vertx();
    metrics = GatewayMetrics.create();
    gateway =
        new GatewayVerticle(
            GatewayConfig.defaults().withPort(0),
            GatewayFeatures.defaults().withMetrics(metrics),
            embedder,
            store,
            () -> true);
    vertx.deployVerticle(gateway).await();
    http = WebClient.create(vertx);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    metrics.close();
    store.close();
    embedder.close();
  }

  private static HttpResponse<Buffer> scrape() {
    return http.get(gateway.actualPort(), "127.0.0.1", "/metrics").send().await();
  }

  private static double openConnections() {
    Matcher m = CONNECTIONS.matcher(scrape().bodyAsString());
    assertThat(m.find()).as("ragstream_gateway_websocket_connections in /metrics").isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void servesPrometheusTextWithoutCredentials() {
    HttpResponse<Buffer> r = scrape();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("Content-Type")).startsWith("text/plain; version=0.0.4");
    assertThat(r.bodyAsString())
        .contains("# TYPE jvm_memory_used_bytes gauge")
        .contains("jvm_memory_used_bytes{area=\"heap\"")
        .contains("jvm_gc_memory_allocated_bytes_total")
        .contains("jvm_threads_live_threads")
        .contains("process_cpu_usage")
        .contains("process_uptime_seconds")
        .contains("process_resident_memory_bytes")
        .contains("ragstream_gateway_websocket_connections");
  }

  @Test
  void websocketGaugeFollowsConnectionsClosedByEitherSide() {
    WebSocketClient client =
        vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(10));
    double before = openConnections();
    WebSocket first = client.connect(gateway.actualPort(), "127.0.0.1", "/v1/chat").await();
    WebSocket second = client.connect(gateway.actualPort(), "127.0.0.1", "/v1/chat").await();
    await().atMost(Duration.ofSeconds(10)).until(() -> openConnections() == before + 2);

    first.close().await();
    await().atMost(Duration.ofSeconds(10)).until(() -> openConnections() == before + 1);

    // A binary frame makes the server close the connection (1003).
    second.writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3}));
    await().atMost(Duration.ofSeconds(10)).until(() -> openConnections() == before);
    assertThat(second.closeStatusCode()).isEqualTo((short) 1003);
    client.close().await();
  }
}
