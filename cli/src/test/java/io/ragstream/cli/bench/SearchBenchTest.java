package io.ragstream.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.ragstream.cli.RagstreamMain;
import io.ragstream.core.json.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SearchBenchTest {
  @TempDir Path dir;
  private HttpServer server;
  private final AtomicInteger served = new AtomicInteger();

  private String start(int status) throws Exception {
    Files.writeString(dir.resolve("corpus.jsonl"), "");
    Files.writeString(
        dir.resolve("queries.jsonl"),
        "{\"_id\": \"q1\", \"text\": \"first query\", \"metadata\": {}}\n"
            + "{\"_id\": \"q2\", \"text\": \"second query\", \"metadata\": {}}\n");
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/v1/search",
        exchange -> {
          served.incrementAndGet();
          byte[] body =
              (status == 200
                      ? "{\"hits\":[{\"documentId\":\"pg:public.documents:1\"}],\"timings\":{\"totalMs\":1.0}}"
                      : "{\"error\":{\"code\":\"internal_error\",\"message\":\"boom\"}}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    if (server != null) server.stop(0);
  }

  @Test
  void countsEveryRequestAndReportsLatency() throws Exception {
    String gateway = start(200);
    StringWriter out = new StringWriter();
    CommandLine cl = RagstreamMain.commandLine();
    cl.setOut(new PrintWriter(out));
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    int code =
        cl.execute(
            "bench",
            "search",
            dir.toString(),
            "--gateway",
            gateway,
            "--duration",
            "PT1S",
            "--warmup",
            "PT0S",
            "--concurrency",
            "2",
            "--json");
    assertThat(code).as(err.toString()).isZero();
    JsonNode result = Json.mapper().readTree(out.toString());
    assertThat(result.get("requests").asInt()).isPositive().isEqualTo(served.get());
    assertThat(result.get("errors").asInt()).isZero();
    assertThat(result.get("latencyMs").get("p99").asDouble())
        .isGreaterThanOrEqualTo(result.get("latencyMs").get("p50").asDouble());
  }

  @Test
  void failedRequestsAreErrorsAndFailTheCommand() throws Exception {
    String gateway = start(500);
    StringWriter out = new StringWriter();
    CommandLine cl = RagstreamMain.commandLine();
    cl.setOut(new PrintWriter(out));
    int code =
        cl.execute(
            "bench",
            "search",
            dir.toString(),
            "--gateway",
            gateway,
            "--duration",
            "PT0.5S",
            "--warmup",
            "PT0S",
            "--json");
    assertThat(code).isEqualTo(1);
    assertThat(Json.mapper().readTree(out.toString()).get("errors").asInt())
        .isEqualTo(served.get())
        .isPositive();
  }
}
