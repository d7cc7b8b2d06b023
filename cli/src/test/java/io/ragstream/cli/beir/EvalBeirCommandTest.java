package io.ragstream.cli.beir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.ragstream.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class EvalBeirCommandTest {
  @TempDir Path dir;

  private HttpServer server;
  private String gateway;

  /** Canned /v1/search answers by query text: status and body. */
  private final Map<String, Map.Entry<Integer, String>> answers = new ConcurrentHashMap<>();

  private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void startGatewayAndWriteDataset() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/v1/search",
        exchange -> {
          try (InputStream in = exchange.getRequestBody();
              OutputStream body = exchange.getResponseBody()) {
            JsonNode request = Json.mapper().readTree(in);
            requests.add(request);
            Map.Entry<Integer, String> answer =
                answers.getOrDefault(
                    request.path("query").asText(), Map.entry(200, "{\"hits\": []}"));
            byte[] bytes = answer.getValue().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.getKey(), bytes.length);
            body.write(bytes);
          }
        });
    server.start();
    gateway = "http://127.0.0.1:" + server.getAddress().getPort();

    Files.writeString(dir.resolve("corpus.jsonl"), "{\"_id\": \"d1\", \"text\": \"x\"}\n");
    Files.writeString(
        dir.resolve("queries.jsonl"),
        "{\"_id\": \"q1\", \"text\": \"first query\"}\n"
            + "{\"_id\": \"q2\", \"text\": \"second query\"}\n"
            + "{\"_id\": \"q3\", \"text\": \"unjudged query\"}\n");
    Files.createDirectories(dir.resolve("qrels"));
    Files.writeString(
        dir.resolve("qrels/test.tsv"),
        "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t1\nq2\td3\t1\n");

    // q1: grade-1 d2 before grade-2 d1: nDCG@10 = (1 + 2/log2 3) / (2 + 1/log2 3) =
    // 0.8597186998521972,
    //     Recall@100 = 2/2, MRR@10 = 1.
    answer("first query", 200, hits(4.0, "d2", "d1"));
    // q2: d3 at rank 3 after two unjudged hits: nDCG@10 = 1/log2(4) = 0.5, Recall@100 = 1, MRR@10 =
    // 1/3.
    answer("second query", 200, hits(6.0, "x1", "x2", "d3"));
  }

  @AfterEach
  void stopGateway() {
    server.stop(0);
  }

  @Test
  void computesBeirMetricsEndToEndAndPrintsJson() {
    int exit = run("--json");

    assertThat(exit).as(err.toString()).isZero();
    JsonNode report = parse(out.toString());
    // Means over q1 and q2 (q3 has no judgements and is never sent):
    // nDCG@10 = (0.8597186998521972 + 0.5) / 2; Recall@100 = (1 + 1) / 2; MRR@10 = (1 + 1/3) / 2.
    assertThat(report.path("queries").asInt()).isEqualTo(2);
    assertThat(report.path("ndcgAt10").asDouble())
        .isCloseTo((0.8597186998521972 + 0.5) / 2, within(1e-12));
    assertThat(report.path("recallAt100").asDouble()).isCloseTo(1.0, within(1e-12));
    assertThat(report.path("mrrAt10").asDouble()).isCloseTo((1 + 1.0 / 3) / 2, within(1e-12));
    assertThat(report.path("latencyMs").path("p50").asDouble()).isPositive();
    assertThat(report.path("latencyMs").path("p99").asDouble())
        .isGreaterThanOrEqualTo(report.path("latencyMs").path("p50").asDouble());
    // nearest rank over {4, 6}: p50 = 4, p99 = 6
    assertThat(report.path("gatewayLatencyMs").path("p50").asDouble()).isEqualTo(4.0);
    assertThat(report.path("gatewayLatencyMs").path("p99").asDouble()).isEqualTo(6.0);
    assertThat(report.path("mode").asText()).isEqualTo("hybrid");
    assertThat(report.path("k").asInt()).isEqualTo(100);
    assertThat(report.path("split").asText()).isEqualTo("test");
    assertThat(report.path("gateway").asText()).isEqualTo(gateway);
    assertThat(report.path("dataset").asText()).isEqualTo(dir.getFileName().toString());

    assertThat(requests).hasSize(2);
    assertThat(requests.stream().map(r -> r.path("query").asText()))
        .containsExactlyInAnyOrder("first query", "second query");
    JsonNode first = requests.get(0);
    assertThat(first.path("k").asInt()).isEqualTo(100);
    assertThat(first.path("mode").asText()).isEqualTo("hybrid");
    assertThat(first.path("collapse").asBoolean()).isTrue();
  }

  @Test
  void printsTextWithSettingsAndHonoursModeKAndConcurrency() {
    int exit = run("--mode", "BM25", "--k", "20", "--concurrency", "2");

    assertThat(exit).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("queries       2")
        .contains("nDCG@10       0.6799")
        .contains("Recall@100    1.0000")
        .contains("MRR@10        0.6667")
        .contains("mode          bm25")
        .contains("k             20")
        .contains("split         test")
        .contains("gateway       " + gateway)
        .containsPattern("latency p50 +[0-9.]+ ms \\(client-side; gateway 4\\.0 ms\\)")
        .containsPattern("latency p99 +[0-9.]+ ms \\(client-side; gateway 6\\.0 ms\\)");
    assertThat(requests)
        .allSatisfy(
            r -> {
              assertThat(r.path("mode").asText()).isEqualTo("bm25");
              assertThat(r.path("k").asInt()).isEqualTo(20);
            });
  }

  @Test
  void failsWithStatusAndBodyWhenTheGatewayAnswers500() {
    answer(
        "second query",
        500,
        "{\"error\": {\"code\": \"internal\", \"message\": \"index closed\"}}");

    int exit = run("--json");

    assertThat(exit).isEqualTo(1);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString()).contains("query q2").contains("HTTP 500").contains("index closed");
  }

  @Test
  void failsWhenTheGatewayIsUnreachable() {
    server.stop(0);

    int exit = run();

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString()).contains("cannot reach the gateway at " + gateway + "/v1/search");
  }

  @Test
  void ignoreIdenticalIdsDropsTheQueryItself() {
    // q2 retrieves itself first: kept, d3 falls to rank 4 (MRR 1/4); dropped, rank 3 (MRR 1/3).
    answer("second query", 200, hits(null, "q2", "x1", "x2", "d3"));

    assertThat(run("--json")).isZero();
    double kept = parse(out.toString()).path("mrrAt10").asDouble();
    out.getBuffer().setLength(0);
    assertThat(run("--json", "--ignore-identical-ids")).isZero();
    double dropped = parse(out.toString()).path("mrrAt10").asDouble();

    assertThat(kept).isCloseTo((1 + 1.0 / 4) / 2, within(1e-12));
    assertThat(dropped).isCloseTo((1 + 1.0 / 3) / 2, within(1e-12));
  }

  @Test
  void writesPerQueryMetrics() throws IOException {
    Path tsv = dir.resolve("per-query.tsv");
    Path jsonl = dir.resolve("per-query.jsonl");

    assertThat(run("--per-query", tsv.toString())).isZero();
    assertThat(run("--per-query", jsonl.toString())).isZero();

    List<String> rows = Files.readAllLines(tsv);
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0))
        .startsWith(
            "query-id\tndcg@10\tndcg@100\trecall@10\trecall@100\tmrr@10\tretrieved\trelevant");
    assertThat(rows.get(1)).startsWith("q1\t0.859719\t");
    assertThat(rows.get(2)).startsWith("q2\t0.500000\t");
    List<String> lines = Files.readAllLines(jsonl);
    assertThat(lines).hasSize(2);
    JsonNode q2 = parse(lines.get(1));
    assertThat(q2.path("queryId").asText()).isEqualTo("q2");
    assertThat(q2.path("mrrAt10").asDouble()).isCloseTo(1.0 / 3, within(1e-12));
    assertThat(q2.path("retrieved").asInt()).isEqualTo(3);
    assertThat(q2.path("gatewayMs").asDouble()).isEqualTo(6.0);
  }

  @Test
  void rejectsBadOptionsWithUsageExitCode() {
    assertThat(run("--mode", "sparse")).isEqualTo(2);
    assertThat(err.toString()).contains("'sparse' is not a mode");
    assertThat(run("--k", "0")).isEqualTo(2);
    assertThat(run("--gateway", "ftp://x")).isEqualTo(2);
    assertThat(requests).isEmpty();
  }

  @Test
  void mapsSourceQualifiedIdsToBeirIds() {
    assertThat(EvalBeirCommand.beirId("pg:public.documents:MED-10")).isEqualTo("MED-10");
    assertThat(EvalBeirCommand.beirId("pg:public.documents:Star_Wars:_Episode_IV"))
        .isEqualTo("Star_Wars:_Episode_IV");
    assertThat(EvalBeirCommand.beirId("plain-id")).isEqualTo("plain-id");
  }

  private int run(String... options) {
    CommandLine cli = new CommandLine(new EvalBeirCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> args = new ArrayList<>(List.of(dir.toString()));
    if (!List.of(options).contains("--gateway")) args.addAll(List.of("--gateway", gateway));
    args.addAll(List.of(options));
    return cli.execute(args.toArray(String[]::new));
  }

  private void answer(String query, int status, String body) {
    answers.put(query, Map.entry(status, body));
  }

  /** A search response with hits pg:public.documents:ID and, unless null, timings.totalMs. */
  private static String hits(Double totalMs, String... beirIds) {
    StringBuilder json = new StringBuilder("{\"queryId\": \"x\", \"hits\": [");
    for (int i = 0; i < beirIds.length; i++) {
      if (i > 0) json.append(", ");
      json.append("{\"documentId\": \"pg:public.documents:")
          .append(beirIds[i])
          .append("\", \"score\": ")
          .append(1.0 / (i + 1))
          .append('}');
    }
    json.append(']');
    if (totalMs != null) json.append(", \"timings\": {\"totalMs\": ").append(totalMs).append('}');
    return json.append('}').toString();
  }

  private static JsonNode parse(String json) {
    try {
      return Json.mapper().readTree(json);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }
}
