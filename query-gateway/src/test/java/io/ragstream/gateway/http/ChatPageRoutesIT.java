package io.ragstream.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.json.Json;
import io.ragstream.core.port.Embedder;
import io.ragstream.embedding.Embedders;
import io.ragstream.gateway.GatewayConfig;
import io.ragstream.gateway.GatewayFeatures;
import io.ragstream.gateway.GatewayVerticle;
import io.ragstream.gateway.auth.ApiKey;
import io.ragstream.gateway.auth.AuthSettings;
import io.ragstream.gateway.auth.Caller;
import io.ragstream.store.lucene.LuceneVectorStore;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chat page's routes over a real socket, on a gateway that requires an API key: the page and
 * its assets are served without one, with the security headers; everything else keeps the JSON
 * errors and the authentication. The page itself is tested in a browser by {@code ChatPageIT}.
 */
class ChatPageRoutesIT {
  @TempDir static Path indexDir;
  static Embedder embedder;
  static LuceneVectorStore store;
  static Vertx vertx;
  static WebClient client;

  @BeforeAll
  static void start() {
    embedder = Embedders.createDefault();
    store = LuceneVectorStore.open(indexDir);
    vertx = Vertx.vertx();
    AuthSettings auth =
        new AuthSettings(
            List.of(
                ApiKey.of(
                    "alice-key-0123456789", new Caller("alice", "acme", Set.of(), "api-key"))),
            null,
            null);
    GatewayVerticle gateway =
        new GatewayVerticle(
            GatewayConfig.defaults().withPort(0),
            GatewayFeatures.defaults().withAuth(auth),
            embedder,
            store,
            () -> true);
    vertx.deployVerticle(gateway).await();
    client =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setDefaultHost("127.0.0.1")
                .setDefaultPort(gateway.actualPort()));
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    store.close();
    embedder.close();
  }

  @Test
  void servesThePageWithoutCredentialsAndWithSecurityHeaders() {
    HttpResponse<Buffer> page = send(HttpMethod.GET, "/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    assertThat(page.getHeader("Content-Security-Policy"))
        .isEqualTo(ChatPage.CONTENT_SECURITY_POLICY)
        .contains("script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'");
    assertThat(page.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(page.bodyAsString())
        .contains("<script src=\"/assets/chat.js\" defer></script>")
        .contains("<link rel=\"stylesheet\" href=\"/assets/chat.css\">")
        .doesNotContain("http://", "https://");

    assertThat(send(HttpMethod.HEAD, "/").statusCode()).isEqualTo(200);
  }

  @Test
  void servesTheAssetsWithTheirTypes() {
    HttpResponse<Buffer> script = send(HttpMethod.GET, "/assets/chat.js");
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.getHeader("Content-Type")).contains("javascript");
    assertThat(script.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(script.bodyAsString()).contains("/v1/chat").doesNotContain("innerHTML");

    HttpResponse<Buffer> css = send(HttpMethod.GET, "/assets/chat.css");
    assertThat(css.statusCode()).isEqualTo(200);
    assertThat(css.getHeader("Content-Type")).startsWith("text/css");
    assertThat(css.bodyAsString()).doesNotContain("url(", "@import");

    assertThat(send(HttpMethod.GET, "/assets/favicon.svg").getHeader("Content-Type"))
        .startsWith("image/svg+xml");
  }

  @Test
  void keepsJsonErrorsAndAuthenticationElsewhere() throws Exception {
    assertError(send(HttpMethod.GET, "/assets/nothing.js"), 404, "not_found");
    assertError(send(HttpMethod.GET, "/index.html"), 404, "not_found");
    assertError(send(HttpMethod.GET, "/assets/%2e%2e/%2e%2e/logback-test.xml"), 404, "not_found");
    assertError(send(HttpMethod.POST, "/"), 405, "method_not_allowed");
    assertError(send(HttpMethod.GET, "/v1/nothing"), 404, "not_found");
    assertError(send(HttpMethod.GET, "/v1/search"), 405, "method_not_allowed");
    assertError(
        client
            .post("/v1/search")
            .putHeader("Content-Type", "application/json")
            .sendBuffer(Buffer.buffer("{\"query\":\"bees\"}"))
            .await(),
        401,
        "unauthorized");
  }

  private static HttpResponse<Buffer> send(HttpMethod method, String path) {
    return client.request(method, path).send().await();
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String code)
      throws Exception {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).startsWith("application/json");
    JsonNode error = Json.mapper().readTree(response.bodyAsString()).get("error");
    assertThat(error.get("code").asText()).isEqualTo(code);
  }
}
