package io.ragstream.cli.status;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.cli.local.LocalRuntime;
import io.ragstream.core.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ragstream status}: reads a running platform's {@code GET /metrics}, {@code /health} and
 * {@code /ready} and prints readiness, consumer lag, backlog, replication-slot lag, the freshness
 * p50/p99 of the last minutes per table, index size and dead letters. The gateway is found through
 * the data directory's {@value LocalRuntime#FILE_NAME}, or given with {@code --url}.
 *
 * <p>Exit code 0 when the platform is ready, 1 when it answers but is not ready (catching up), 2
 * when it cannot be reached.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Show the running platform's readiness, lag, backlog and freshness (p50/p99 of the last"
            + " minutes). Exit 0 ready, 1 catching up, 2 unreachable.")
public final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--config", description = "YAML configuration file (as for ragstream local).")
  Path configFile;

  @Option(names = "--data-dir", description = "Data directory (key data-dir, default ./data).")
  Path dataDir;

  @Option(names = "--url", description = "Gateway URL; default: the platform on the data dir.")
  String url;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String gateway = url;
    if (gateway == null) {
      Map<String, String> flags = new HashMap<>(LocalConfig.flags(dataDir, null));
      LocalConfig config =
          LocalConfig.from(Settings.load(configFile, System.getenv(), flags, LocalConfig.KEYS));
      Optional<LocalRuntime> runtime = LocalRuntime.read(config.dataDir());
      if (runtime.isEmpty() || !runtime.get().alive()) {
        err.println(
            "ragstream local is not running on "
                + config.dataDir()
                + " (no live "
                + LocalRuntime.FILE_NAME
                + "); pass --data-dir or --url");
        return 2;
      }
      gateway = runtime.get().gatewayUrl();
    }
    gateway = gateway.replaceAll("/+$", "");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    PlatformStatus status;
    try {
      boolean live = get(http, gateway + "/health").statusCode() == 200;
      boolean ready = get(http, gateway + "/ready").statusCode() == 200;
      HttpResponse<String> metrics = get(http, gateway + "/metrics");
      if (metrics.statusCode() != 200) {
        err.println("GET " + gateway + "/metrics answered " + metrics.statusCode());
        return 2;
      }
      status = PlatformStatus.from(gateway, live, ready, PrometheusText.parse(metrics.body()));
    } catch (IOException e) {
      err.println("cannot reach " + gateway + ": " + e);
      return 2;
    }
    if (json) {
      out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(status));
    } else {
      print(out, status);
    }
    out.flush();
    return status.ready() ? 0 : 1;
  }

  private static HttpResponse<String> get(HttpClient http, String uri)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The human-readable report. */
  static void print(PrintWriter out, PlatformStatus s) {
    out.printf(
        "ragstream at %s: %s%n",
        s.url(), !s.live() ? "NOT LIVE" : s.ready() ? "ready" : "catching up (not ready)");
    out.printf(
        "backlog       %d changes not yet indexed (consumer lag), replication slot lag %s%n",
        s.backlogRecords(), bytes(s.slotLagBytes()));
    s.lags()
        .forEach(
            (group, topics) ->
                topics.forEach(
                    (topic, lag) -> out.printf("  lag %-28s %-36s %d%n", group, topic, lag)));
    out.println("freshness     commit → searchable, last 5 minutes:");
    if (s.freshness().isEmpty()) out.println("  (no table)");
    for (PlatformStatus.TableFreshness f : s.freshness()) {
      out.printf(
          "  %-32s p50 %s  p99 %s  max %s  (%d changes since start)%n",
          f.table(),
          seconds(f.p50Seconds()),
          seconds(f.p99Seconds()),
          seconds(f.maxSeconds()),
          f.changes());
    }
    out.printf(
        "index         %s documents, %s points, newest commit applied %s ago%n",
        count(s.documents()), count(s.points()), seconds(s.lastCommittedAgeSeconds()));
    out.printf("dead letters  %s%n", s.deadLetters().isEmpty() ? "-" : deadLetters(s));
  }

  private static String deadLetters(PlatformStatus s) {
    StringBuilder b = new StringBuilder();
    s.deadLetters()
        .forEach((stage, n) -> b.append(stage).append(' ').append(count(n)).append("  "));
    return b.toString().strip();
  }

  private static String seconds(double v) {
    if (Double.isNaN(v)) return "-";
    return v < 1
        ? String.format(Locale.ROOT, "%.0f ms", v * 1000)
        : String.format(Locale.ROOT, "%.2f s", v);
  }

  private static String count(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
  }

  private static String bytes(double v) {
    if (Double.isNaN(v)) return "-";
    if (v < 1024) return String.format(Locale.ROOT, "%.0f B", v);
    if (v < 1024 * 1024) return String.format(Locale.ROOT, "%.1f KiB", v / 1024);
    return String.format(Locale.ROOT, "%.1f MiB", v / (1024 * 1024));
  }
}
