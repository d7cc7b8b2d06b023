package io.ragstream.cli.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.ragstream.gateway.metrics.GatewayMetrics;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OpsEndpointsTest {
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesMetricsHealthAndReadinessUntilClosed() throws Exception {
    AtomicBoolean healthy = new AtomicBoolean(true);
    AtomicBoolean ready = new AtomicBoolean(false);
    String url;
    try (GatewayMetrics metrics = GatewayMetrics.create()) {
      Counter.builder("ragstream.test.things").register(metrics.registry()).increment(3);
      try (OpsEndpoints ops =
          OpsEndpoints.start("127.0.0.1", 0, metrics, healthy::get, ready::get)) {
        url = ops.url();
        assertThat(ops.port()).isPositive();
        assertThat(url).isEqualTo("http://127.0.0.1:" + ops.port());

        HttpResponse<String> m = get(url + "/metrics");
        assertThat(m.statusCode()).isEqualTo(200);
        assertThat(m.headers().firstValue("content-type")).hasValue(GatewayMetrics.CONTENT_TYPE);
        assertThat(m.body())
            .contains("ragstream_test_things_total 3.0")
            .contains("jvm_memory_used_bytes");

        assertThat(get(url + "/health").statusCode()).isEqualTo(200);
        assertThat(get(url + "/health").body()).isEqualTo("{\"status\":\"UP\"}");
        assertThat(get(url + "/ready").statusCode()).isEqualTo(503);
        assertThat(get(url + "/ready").body()).isEqualTo("{\"ready\":false}");

        ready.set(true);
        healthy.set(false);
        assertThat(get(url + "/ready").statusCode()).isEqualTo(200);
        assertThat(get(url + "/health").statusCode()).isEqualTo(503);
        assertThat(get(url + "/health").body()).isEqualTo("{\"status\":\"DOWN\"}");
        assertThat(get(url + "/nothing").statusCode()).isEqualTo(404);
      }
    }
    assertThatThrownBy(() -> get(url + "/health")).isInstanceOf(ConnectException.class);
  }

  @Test
  void aPortInUseFailsTheStart() throws Exception {
    try (GatewayMetrics metrics = GatewayMetrics.create();
        OpsEndpoints first = OpsEndpoints.start("127.0.0.1", 0, metrics, () -> true, () -> true)) {
      assertThatThrownBy(
              () -> OpsEndpoints.start("127.0.0.1", first.port(), metrics, () -> true, () -> true))
          .hasRootCauseInstanceOf(java.net.BindException.class);
    }
  }
}
