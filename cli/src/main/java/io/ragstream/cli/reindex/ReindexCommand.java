package io.ragstream.cli.reindex;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.ServiceSettings;
import io.ragstream.cli.config.Settings;
import io.ragstream.cli.distributed.ServiceRun;
import io.ragstream.cli.local.LocalRuntime;
import io.ragstream.core.json.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
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

  @ArgGroup(exclusive = true, multiplicity = "0..1")
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

  @Option(
      names = "--distributed",
      description =
          "Distributed mode: record the generations on ragstream.generations of"
              + " kafka.bootstrap-servers (from --config) for every gateway to follow, instead of"
              + " calling a running ragstream local. With --embedder, prints the new generation's"
              + " indexing-job options to submit to the Flink cluster, then waits for its switch.")
  boolean distributed;

  @Option(
      names = "--resume",
      description =
          "With --distributed: wait for the generation being built (e.g. after --no-wait) and"
              + " switch to it once it caught up.")
  boolean resume;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if ((action == null) == !resume) {
      err.println(
          "reindex: give one of --embedder NAME, --rollback, --retire, --status"
              + (distributed ? ", --resume" : ""));
      return 2;
    }
    if (distributed) {
      return distributed(out, err);
    }
    if (resume) {
      err.println("reindex: --resume needs --distributed (ragstream local switches by itself)");
      return 2;
    }
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

  /** {@code --distributed}: the generations on {@code ragstream.generations}. */
  private int distributed(PrintWriter out, PrintWriter err) throws Exception {
    Settings s = ServiceRun.settings(configFile, dataDir, Map.of());
    LocalConfig config = LocalConfig.from(s);
    String bootstrap = ServiceSettings.requireKafka(config, "ragstream reindex --distributed");
    ServiceSettings services = ServiceSettings.from(s);
    try (DistributedReindex reindex =
        new DistributedReindex(config, bootstrap, services.indexerGroup(), Clock.systemUTC())) {
      try {
        if (resume) {
          Optional<IndexGeneration> building = reindex.generations().building();
          if (building.isEmpty()) {
            err.println("reindex: no generation is being built");
            return 1;
          }
          return awaitAndComplete(reindex, building.get(), out, err);
        }
        if (action.embedder != null) {
          IndexGeneration g = reindex.begin(action.embedder);
          IndexGeneration serving = reindex.generations().serving();
          out.printf(
              "building generation %d with %s into %s while generation %d (%s) serves%n",
              g.number(), g.embedder(), reindex.location(g), serving.number(), serving.embedder());
          out.println(
              "submit its indexing job to the Flink cluster with these program arguments (plus the"
                  + " tuning options of the serving job):");
          out.println("job arguments: " + reindex.jobArguments(g));
          out.flush();
          if (noWait) {
            out.println("then run: ragstream reindex --distributed --resume (waits and switches)");
            printDistributed(reindex, out);
            return 0;
          }
          return awaitAndComplete(reindex, g, out, err);
        }
        if (action.rollback) {
          IndexGeneration serving = reindex.rollback();
          out.printf(
              "generation %d (%s) serves again; gateways switch as they read"
                  + " ragstream.generations%n",
              serving.number(), serving.embedder());
        } else if (action.retire) {
          IndexGeneration retired = reindex.retire();
          out.printf(
              "retired generation %d (%s); its %s was deleted. Cancel its Flink job (consumer"
                  + " group %s) if it still runs.%n",
              retired.number(),
              retired.embedder(),
              reindex.location(retired),
              reindex.consumerGroup(retired));
        }
        printDistributed(reindex, out);
        return 0;
      } catch (IllegalStateException | IllegalArgumentException e) {
        err.println("reindex: " + e.getMessage());
        return 1;
      }
    }
  }

  private int awaitAndComplete(
      DistributedReindex reindex, IndexGeneration g, PrintWriter out, PrintWriter err)
      throws Exception {
    out.printf(
        "waiting for consumer group %s to catch up on ragstream.changes (timeout %s)%n",
        reindex.consumerGroup(g), timeout);
    out.flush();
    boolean caughtUp =
        reindex.awaitCaughtUp(
            g.number(),
            timeout,
            Duration.ofSeconds(1),
            lag -> {
              out.printf("  %d changes left to index%n", lag);
              out.flush();
            });
    if (!caughtUp) {
      err.printf(
          "reindex: generation %d has not caught up within %s; it stays BUILDING (run"
              + " ragstream reindex --distributed --resume later)%n",
          g.number(), timeout);
      return 1;
    }
    IndexGeneration serving = reindex.complete(g.number());
    out.printf(
        "switched: generation %d serves; gateways switch as they read ragstream.generations%n",
        serving.number());
    printDistributed(reindex, out);
    return 0;
  }

  private void printDistributed(DistributedReindex reindex, PrintWriter out) throws Exception {
    List<IndexGeneration> list = reindex.generations().list();
    if (json) {
      out.println(Json.write(Map.of("generations", list)));
      out.flush();
      return;
    }
    out.printf(
        "%-4s %-22s %-9s %-32s %s%n", "gen", "embedder", "state", "consumer group", "reason");
    for (IndexGeneration g : list) {
      out.printf(
          "%-4d %-22s %-9s %-32s %s%n",
          g.number(),
          g.embedder(),
          g.state(),
          reindex.consumerGroup(g),
          g.reason() == null ? "" : g.reason());
    }
    out.flush();
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
