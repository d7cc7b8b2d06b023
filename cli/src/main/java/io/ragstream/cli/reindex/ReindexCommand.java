package io.ragstream.cli.reindex;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.cli.local.LocalRuntime;
import io.ragstream.core.json.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ragstream reindex --embedder NAME | --rollback | --retire | --status}: changes the model
 * of a running {@code ragstream local} without a window in which search returns nothing
 * (docs/reindex.md). Reaches the platform through its gateway's {@code /admin/index} endpoint,
 * found in the data directory ({@link LocalRuntime}, {@link AdminToken}).
 *
 * <p>Exit codes: 0 done, 1 refused or failed (the reason is printed), 2 usage or unreachable.
 */
@Command(
    name = "reindex",
    mixinStandardHelpOptions = true,
    description =
        "Rebuild the index with another embedder while the current one serves, then switch"
            + " atomically; roll back, retire the previous index, or show the generations.")
public final class ReindexCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", description = "YAML configuration file (as for ragstream local).")
  Path configFile;

  @Option(names = "--data-dir", description = "Data directory (key data-dir, default ./data).")
  Path dataDir;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Action action;

  static final class Action {
    @Option(names = "--embedder", description = "Build a new generation with this embedder.")
    String embedder;

    @Option(names = "--rollback", description = "Serve the previous generation again.")
    boolean rollback;

    @Option(names = "--retire", description = "Stop and delete the previous generation.")
    boolean retire;

    @Option(names = "--status", description = "Show the generations.")
    boolean status;
  }

  @Option(
      names = "--no-wait",
      description = "With --embedder: return once the build started instead of after the switch.")
  boolean noWait;

  @Option(
      names = "--timeout",
      description = "With --embedder: how long to wait for the switch (ISO-8601, default PT2H).")
  Duration timeout = Duration.ofHours(2);

  @Option(names = "--json", description = "Print the generations as JSON.")
  boolean json;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    IndexAdminClient client;
    try {
      client = client();
    } catch (RuntimeException e) {
      err.println("reindex: " + e.getMessage());
      return 2;
    }
    try {
      JsonNode status;
      if (action.embedder != null) {
        status = client.reindex(action.embedder);
        int number = status.path("building").path("number").asInt();
        out.printf(
            "building generation %d with %s while generation %d (%s) serves%n",
            number,
            action.embedder,
            status.path("serving").path("number").asInt(),
            status.path("serving").path("embedder").asText());
        out.flush();
        if (!noWait) {
          status = awaitSwitch(client, number, out);
          if (status == null) return 1;
        }
      } else if (action.rollback) {
        status = client.rollback();
        out.printf(
            "generation %d (%s) serves again%n",
            status.path("serving").path("number").asInt(),
            status.path("serving").path("embedder").asText());
      } else if (action.retire) {
        JsonNode before = client.status();
        status = client.retire();
        out.printf(
            "retired generation %d (%s)%n",
            before.path("standby").path("number").asInt(),
            before.path("standby").path("embedder").asText());
      } else {
        status = client.status();
      }
      print(status, out);
      return 0;
    } catch (IndexAdminClient.AdminException e) {
      err.println("reindex: " + e.getMessage());
      return e.status() == 0 || e.status() == 401 ? 2 : 1;
    }
  }

  /** Polls until generation {@code number} serves (the status) or failed (null, reason printed). */
  private JsonNode awaitSwitch(IndexAdminClient client, int number, PrintWriter out)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long lastLag = -1;
    while (System.nanoTime() < deadline) {
      JsonNode status = client.status();
      if (status.path("serving").path("number").asInt() == number) {
        out.printf("switched: generation %d serves%n", number);
        return status;
      }
      for (JsonNode g : status.path("generations")) {
        if (g.path("number").asInt() == number && "FAILED".equals(g.path("state").asText())) {
          spec.commandLine()
              .getErr()
              .println("reindex: generation " + number + " failed: " + g.path("reason").asText());
          return null;
        }
      }
      JsonNode lag = status.path("buildingLag");
      if (lag.isNumber() && lag.asLong() != lastLag) {
        lastLag = lag.asLong();
        out.printf("  %d changes left to index%n", lastLag);
        out.flush();
      }
      Thread.sleep(1_000); // polling a remote state; there is nothing local to wait on
    }
    spec.commandLine()
        .getErr()
        .println("reindex: generation " + number + " has not caught up within " + timeout);
    return null;
  }

  private void print(JsonNode status, PrintWriter out) {
    if (json) {
      out.println(Json.write(status));
      return;
    }
    out.printf("%-4s %-22s %-9s %s%n", "gen", "embedder", "state", "reason");
    for (JsonNode g : status.path("generations")) {
      out.printf(
          "%-4d %-22s %-9s %s%n",
          g.path("number").asInt(),
          g.path("embedder").asText(),
          g.path("state").asText(),
          g.path("reason").asText(""));
    }
  }

  private IndexAdminClient client() {
    Map<String, String> flags = new HashMap<>(LocalConfig.flags(dataDir, null));
    LocalConfig config =
        LocalConfig.from(Settings.load(configFile, System.getenv(), flags, LocalConfig.KEYS));
    Optional<LocalRuntime> runtime = LocalRuntime.read(config.dataDir());
    if (runtime.isEmpty() || !runtime.get().alive()) {
      throw new IllegalStateException(
          "ragstream local is not running on " + config.dataDir() + "; start it first");
    }
    return new IndexAdminClient(runtime.get().gatewayUrl(), AdminToken.read(config.dataDir()));
  }
}
