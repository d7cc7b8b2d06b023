package io.ragstream.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.cli.beir.BeirDataset;
import io.ragstream.cli.beir.BeirQuery;
import io.ragstream.cli.options.GatewayOptions;
import io.ragstream.core.eval.Percentiles;
import io.ragstream.core.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Chat load: {@code --idle} WebSocket connections to {@code /v1/chat} that stay open and silent
 * (they only answer the server's pings) plus {@code --active} connections that ask questions in a
 * closed loop ({@link ChatLoad}), for {@code --warmup} and then {@code --duration}. Prints the
 * connections still open, answers per second, time to first token (TTFT) p50/p90/p99/max and the
 * whole-answer latency measured by the client from the moment the {@code ask} is written, the
 * gateway's own timings from {@code done}, and the gateway's memory from {@code GET /metrics}:
 * before connecting, once the idle connections are open, and the peak and last values sampled
 * during the run.
 *
 * <p>Exit code 0 when answers were recorded and no connection was refused or closed early and no
 * error or timeout occurred; 1 otherwise, and 1 with a message when the gateway cannot be reached.
 */
@Command(
    name = "chat",
    mixinStandardHelpOptions = true,
    description =
        "Hold idle WebSocket chat connections and drive active chats; print time to first token"
            + " and the gateway's memory.")
public final class ChatBench implements Callable<Integer> {
  /** Asked when no {@code --questions} are given (claims in the style of SciFact's queries). */
  static final List<String> BUILT_IN_QUESTIONS =
      List.of(
          "How does aspirin affect platelet aggregation?",
          "What causes antibiotic resistance in bacteria?",
          "Is vitamin D deficiency associated with depression?",
          "How do statins lower cholesterol?",
          "What is the role of the microbiome in obesity?",
          "Does smoking increase the risk of tuberculosis?",
          "How do T cells recognize infected cells?",
          "What is the effect of exercise on insulin sensitivity?",
          "Which genes are mutated in colorectal cancer?",
          "How does sleep deprivation affect memory?",
          "What regulates stem cell differentiation?",
          "Are microRNAs involved in heart disease?");

  private static final double MIB = 1024.0 * 1024.0;

  @Mixin GatewayOptions gatewayOptions;
  @Spec CommandSpec spec;

  @Option(
      names = "--idle",
      defaultValue = "200",
      description = "Idle connections held open (default ${DEFAULT-VALUE}).")
  int idle;

  @Option(
      names = "--active",
      defaultValue = "20",
      description = "Connections asking questions in a closed loop (default ${DEFAULT-VALUE}).")
  int active;

  @Option(
      names = "--duration",
      defaultValue = "PT60S",
      description = "Measured time (default ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--warmup",
      defaultValue = "PT10S",
      description = "Unmeasured warm-up of the active chats (default ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(
      names = "--questions",
      paramLabel = "FILE|DIR",
      description =
          "A BEIR dataset directory (its queries.jsonl), a .jsonl file of {\"text\": ...} lines, or"
              + " a text file with one question per line. Default: a built-in list of 12.")
  Path questionsSource;

  @Option(
      names = "--k",
      defaultValue = "5",
      description = "Passages per answer (default ${DEFAULT-VALUE}).")
  int k;

  @Option(
      names = "--api-key",
      description = "Sent as X-API-Key on every handshake (default: the anonymous caller).")
  String apiKey;

  @Option(
      names = "--answer-timeout",
      defaultValue = "PT30S",
      description =
          "An answer not done by then is cancelled and counted (default ${DEFAULT-VALUE}).")
  Duration answerTimeout;

  @Option(
      names = "--sample-interval",
      defaultValue = "PT1S",
      description = "How often /metrics is scraped during the run (default ${DEFAULT-VALUE}).")
  Duration sampleInterval;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
  Path jsonFile;

  @Override
  public Integer call() throws Exception {
    validate();
    List<String> questions = loadQuestions(questionsSource);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String url = gatewayOptions.url();
    GatewayProbe probe = new GatewayProbe(url);
    Optional<GatewayMemory> before;
    try {
      before = probe.memory();
    } catch (IOException e) {
      err.println(
          "ragstream: the gateway at "
              + url
              + " is unreachable ("
              + e
              + "); start it with ./ragstream local or pass --gateway URL");
      err.flush();
      return 1;
    }
    if (before.isEmpty()) {
      err.println("ragstream: " + url + " has no /metrics; the memory figures are left out");
    }

    ChatLoad.Snapshot s;
    Optional<GatewayMemory> idleOpen;
    MemorySampler sampler = new MemorySampler(probe, before.isPresent());
    double seconds;
    try (ChatLoad load =
        new ChatLoad(URI.create(url), apiKey, questions, k, idle + active, answerTimeout)) {
      load.openIdle(idle);
      idleOpen = before.isPresent() ? scrape(probe, err) : Optional.empty();
      sampler.start(sampleInterval);
      try {
        load.runActive(active, warmup, duration);
        s = load.snapshot();
        seconds = load.measuredSeconds();
      } finally {
        sampler.stop(); // with a last sample while the connections are still open
      }
    }

    Map<String, Object> result = figures(url, questions.size(), seconds, s);
    Map<String, Object> memory = new LinkedHashMap<>();
    memory.put("before", memoryFigures(before));
    memory.put("idleOpen", memoryFigures(idleOpen));
    memory.put("peak", memoryFigures(sampler.peak()));
    memory.put("last", memoryFigures(sampler.last()));
    memory.put("samples", sampler.samples());
    memory.put("sampleFailures", sampler.failures());
    memory.put("perIdleConnectionBytes", perIdleConnection(before, idleOpen));
    result.put("memory", memory);

    print(out, result, s, before, idleOpen, sampler);
    if (jsonFile != null) {
      Files.writeString(jsonFile, Json.write(result) + "\n", StandardCharsets.UTF_8);
    }
    boolean clean =
        !s.ttftMs().isEmpty()
            && s.refused().isEmpty()
            && s.closedEarly().isEmpty()
            && s.errors().isEmpty()
            && s.timeouts() == 0;
    if (s.errors().containsKey("rate_limited") || s.refused().containsKey("HTTP 429")) {
      err.println(
          "ragstream: the gateway's rate limit refused requests; for this benchmark raise"
              + " gateway.rate-limit.per-second and gateway.rate-limit.burst");
    }
    err.flush();
    return clean ? 0 : 1;
  }

  /** One scrape outside the sampler; a failure is reported and gives no figures. */
  private static Optional<GatewayMemory> scrape(GatewayProbe probe, PrintWriter err)
      throws InterruptedException {
    try {
      return probe.memory();
    } catch (IOException e) {
      err.println("ragstream: GET /metrics failed: " + e);
      return Optional.empty();
    }
  }

  private void validate() {
    if (idle < 0 || idle > 20_000) {
      throw new IllegalArgumentException("--idle must be in 0..20000, was " + idle);
    }
    if (active < 1 || active > 1_000) {
      throw new IllegalArgumentException("--active must be in 1..1000, was " + active);
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("--duration must be positive, was " + duration);
    }
    if (warmup.isNegative()) {
      throw new IllegalArgumentException("--warmup must not be negative, was " + warmup);
    }
    if (k < 1 || k > 20) throw new IllegalArgumentException("--k must be in 1..20, was " + k);
    if (answerTimeout.toMillis() < 1 || sampleInterval.toMillis() < 10) {
      throw new IllegalArgumentException(
          "--answer-timeout must be positive and --sample-interval at least 10 ms");
    }
  }

  /**
   * The questions of {@code source}: a BEIR directory's queries in file order, the {@code text} of
   * each line of a {@code .jsonl} file, or each non-blank line of another file; {@link
   * #BUILT_IN_QUESTIONS} when {@code source} is null.
   *
   * @throws IllegalArgumentException when the source holds no question or a line is bad
   */
  static List<String> loadQuestions(Path source) throws IOException {
    if (source == null) return BUILT_IN_QUESTIONS;
    List<String> questions = new ArrayList<>();
    if (Files.isDirectory(source)) {
      for (BeirQuery q : BeirDataset.open(source).queries().values()) questions.add(q.text());
    } else {
      boolean jsonLines = source.getFileName().toString().endsWith(".jsonl");
      int lineNumber = 0;
      for (String line : Files.readAllLines(source, StandardCharsets.UTF_8)) {
        lineNumber++;
        if (line.isBlank()) continue;
        if (!jsonLines) {
          questions.add(line.strip());
          continue;
        }
        JsonNode text = Json.mapper().readTree(line).path("text");
        if (!text.isTextual() || text.asText().isBlank()) {
          throw new IllegalArgumentException(
              source + ":" + lineNumber + ": expected an object with a non-blank \"text\"");
        }
        questions.add(text.asText());
      }
    }
    if (questions.isEmpty()) throw new IllegalArgumentException("no questions in " + source);
    return questions;
  }

  private Map<String, Object> figures(
      String url, int questionCount, double seconds, ChatLoad.Snapshot s) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("gateway", url);
    result.put("idle", idle);
    result.put("active", active);
    result.put("warmupSeconds", BenchFigures.round1(warmup.toMillis() / 1000.0));
    result.put("seconds", BenchFigures.round1(seconds));
    result.put("k", k);
    result.put("questions", questionCount);
    result.put("conversation", "one conversationId per active connection");

    Map<String, Object> connections = new LinkedHashMap<>();
    connections.put("idleOpened", s.idleOpened());
    connections.put("idleOpenAtEnd", s.idleOpen());
    connections.put("activeOpened", s.activeOpened());
    connections.put("activeOpenAtEnd", s.activeOpen());
    connections.put("refused", s.refused());
    connections.put("closedEarly", s.closedEarly());
    result.put("connections", connections);

    Map<String, Object> answers = new LinkedHashMap<>();
    answers.put("completed", s.answerMs().size());
    answers.put("perSecond", BenchFigures.round1(s.answerMs().size() / seconds));
    answers.put("withoutToken", s.answersWithoutToken());
    answers.put("errors", s.errors());
    answers.put("timeouts", s.timeouts());
    result.put("answers", answers);

    result.put("ttftMs", summary(s.ttftMs()));
    result.put("answerMs", summary(s.answerMs()));
    Map<String, Object> server = new LinkedHashMap<>();
    server.put("retrievalMsP50", p50(s.serverRetrievalMs()));
    server.put("firstTokenMsP50", p50(s.serverFirstTokenMs()));
    server.put("totalMsP50", p50(s.serverTotalMs()));
    result.put("server", server);
    return result;
  }

  private static Map<String, Double> summary(List<Double> values) {
    return values.isEmpty() ? null : BenchFigures.percentiles(Percentiles.of(values), 50, 90, 99);
  }

  private static Double p50(List<Double> values) {
    return values.isEmpty() ? null : BenchFigures.round1(Percentiles.of(values).p50());
  }

  private static Map<String, Object> memoryFigures(Optional<GatewayMemory> m) {
    if (m.isEmpty()) return null;
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("heapUsedBytes", finiteOrNull(m.get().heapUsedBytes()));
    f.put("residentBytes", finiteOrNull(m.get().residentBytes()));
    f.put("websocketConnections", finiteOrNull(m.get().websocketConnections()));
    return f;
  }

  /** (after − before) / idle of heap and RSS: approximate, since garbage comes and goes. */
  private Map<String, Object> perIdleConnection(
      Optional<GatewayMemory> before, Optional<GatewayMemory> after) {
    if (idle == 0 || before.isEmpty() || after.isEmpty()) return null;
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("heap", perConnection(after.get().heapUsedBytes() - before.get().heapUsedBytes()));
    f.put("resident", perConnection(after.get().residentBytes() - before.get().residentBytes()));
    f.put("approximate", true);
    return f;
  }

  private Long perConnection(double deltaBytes) {
    return Double.isFinite(deltaBytes) ? Math.round(deltaBytes / idle) : null;
  }

  private static Double finiteOrNull(double v) {
    return Double.isFinite(v) ? v : null;
  }

  private void print(
      PrintWriter out,
      Map<String, Object> result,
      ChatLoad.Snapshot s,
      Optional<GatewayMemory> before,
      Optional<GatewayMemory> idleOpen,
      MemorySampler sampler) {
    out.printf(
        "bench chat: %s, %d idle + %d active connections, warm-up %s s, measured %s s, k=%d,"
            + " %d questions (one conversation per active connection)%n",
        result.get("gateway"),
        idle,
        active,
        result.get("warmupSeconds"),
        result.get("seconds"),
        k,
        result.get("questions"));
    out.printf(
        "connections   idle %d/%d opened, %d open at end; active %d/%d opened, %d open at end;"
            + " refused %s; closed early %s%n",
        s.idleOpened(),
        s.idleRequested(),
        s.idleOpen(),
        s.activeOpened(),
        s.activeRequested(),
        s.activeOpen(),
        tally(s.refused()),
        tally(s.closedEarly()));
    out.printf(
        "answers       %d completed, %s/s; errors %s; timeouts %d; without a token %d%n",
        s.answerMs().size(),
        ((Map<?, ?>) result.get("answers")).get("perSecond"),
        tally(s.errors()),
        s.timeouts(),
        s.answersWithoutToken());
    out.printf("%-24s %9s %9s %9s %9s%n", "client latency (ms)", "p50", "p90", "p99", "max");
    printLatency(out, "time to first token", s.ttftMs());
    printLatency(out, "whole answer", s.answerMs());
    Map<?, ?> server = (Map<?, ?>) result.get("server");
    out.printf(
        "gateway timings (done, p50 ms): retrieval %s, first token %s, total %s%n",
        server.get("retrievalMsP50"), server.get("firstTokenMsP50"), server.get("totalMsP50"));
    if (before.isEmpty()) {
      out.println("gateway memory: not available (no /metrics)");
      out.flush();
      return;
    }
    out.printf(
        "%-24s %12s %16s %12s%n", "gateway memory", "heap used", "resident (RSS)", "websockets");
    printMemory(out, "before connecting", before);
    printMemory(out, "idle connections open", idleOpen);
    printMemory(out, "peak during run", sampler.peak());
    printMemory(out, "last (end of run)", sampler.last());
    out.printf("  (%d samples, %d failed)%n", sampler.samples(), sampler.failures());
    if (idle > 0 && idleOpen.isPresent()) {
      out.printf(
          "memory per idle connection, approximate ((idle open - before) / %d; garbage collection"
              + " moves it): heap %s, RSS %s%n",
          idle,
          kib((idleOpen.get().heapUsedBytes() - before.get().heapUsedBytes()) / idle),
          kib((idleOpen.get().residentBytes() - before.get().residentBytes()) / idle));
    }
    out.flush();
  }

  private static void printLatency(PrintWriter out, String label, List<Double> values) {
    if (values.isEmpty()) {
      out.printf("%-24s %9s%n", label, "none");
      return;
    }
    Percentiles p = Percentiles.of(values);
    out.printf(
        "%-24s %9.1f %9.1f %9.1f %9.1f%n", label, p.p50(), p.percentile(90), p.p99(), p.max());
  }

  private static void printMemory(PrintWriter out, String label, Optional<GatewayMemory> m) {
    if (m.isEmpty()) {
      out.printf("  %-22s %12s%n", label, "n/a");
      return;
    }
    out.printf(
        "  %-22s %12s %16s %12s%n",
        label,
        mib(m.get().heapUsedBytes()),
        mib(m.get().residentBytes()),
        Double.isFinite(m.get().websocketConnections())
            ? String.format("%.0f", m.get().websocketConnections())
            : "n/a");
  }

  private static String mib(double bytes) {
    return Double.isFinite(bytes) ? String.format("%.1f MiB", bytes / MIB) : "n/a";
  }

  private static String kib(double bytes) {
    return Double.isFinite(bytes) ? String.format("%.1f KiB", bytes / 1024.0) : "n/a";
  }

  private static String tally(Map<String, Long> counts) {
    if (counts.isEmpty()) return "none";
    StringBuilder sb = new StringBuilder();
    counts.forEach(
        (key, n) -> sb.append(sb.length() == 0 ? "" : ", ").append(key).append(" x").append(n));
    return sb.toString();
  }

  /**
   * Scrapes {@code /metrics} on a background thread and keeps the last sample and the peak of each
   * figure (peaks may come from different samples).
   */
  private static final class MemorySampler {
    private final GatewayProbe probe;
    private final boolean enabled;
    private ScheduledExecutorService timer;
    private GatewayMemory peak;
    private GatewayMemory last;
    private int samples;
    private int failures;

    MemorySampler(GatewayProbe probe, boolean enabled) {
      this.probe = probe;
      this.enabled = enabled;
    }

    void start(Duration interval) {
      if (!enabled) return;
      timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "bench-chat-metrics");
                t.setDaemon(true);
                return t;
              });
      timer.scheduleWithFixedDelay(
          () -> {
            try {
              sampleNow();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          },
          0,
          interval.toMillis(),
          TimeUnit.MILLISECONDS);
    }

    /** Takes one sample now (the last one when called after {@link #stop()}). */
    Optional<GatewayMemory> sampleNow() throws InterruptedException {
      try {
        Optional<GatewayMemory> m = probe.memory();
        m.ifPresent(this::record);
        return m;
      } catch (IOException e) {
        synchronized (this) {
          failures++;
        }
        return Optional.empty();
      }
    }

    void stop() throws InterruptedException {
      if (timer == null) return;
      timer.shutdownNow();
      timer.awaitTermination(30, TimeUnit.SECONDS);
      sampleNow();
    }

    private synchronized void record(GatewayMemory m) {
      samples++;
      last = m;
      peak =
          peak == null
              ? m
              : new GatewayMemory(
                  max(peak.heapUsedBytes(), m.heapUsedBytes()),
                  max(peak.residentBytes(), m.residentBytes()),
                  max(peak.websocketConnections(), m.websocketConnections()));
    }

    private static double max(double a, double b) {
      return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
    }

    synchronized Optional<GatewayMemory> peak() {
      return Optional.ofNullable(peak);
    }

    synchronized Optional<GatewayMemory> last() {
      return Optional.ofNullable(last);
    }

    synchronized int samples() {
      return samples;
    }

    synchronized int failures() {
      return failures;
    }
  }
}
