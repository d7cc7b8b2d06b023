package io.ragstream.cli.adapters;

import io.ragstream.cli.options.KafkaOptions;
import io.ragstream.core.adapter.FileAdapterRegistry;
import io.ragstream.core.adapter.RegisteredAdapter;
import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.model.Topics;
import io.ragstream.trainer.promote.AdapterLog;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ragstream adapters list | promote | rollback}: the query adapter registry ({@code
 * trainer.registry-dir}) and which adapter serves, which is the latest promotion on {@code
 * ragstream.adapters} (docs/query-adapter.md). Promote and rollback publish a {@code PROMOTED}
 * event; every gateway following the topic swaps within a second.
 */
@Command(
    name = "adapters",
    mixinStandardHelpOptions = true,
    description = "List, promote and roll back query adapters.",
    subcommands = {
      AdaptersCommand.ListCommand.class,
      AdaptersCommand.PromoteCommand.class,
      AdaptersCommand.RollbackCommand.class
    })
public final class AdaptersCommand {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static String key(String embedder) {
    return AdapterKind.QUERY_ADAPTER + ":" + embedder;
  }

  /** {@code ragstream adapters list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Registered query adapters, oldest first; * marks the serving one.")
  public static final class ListCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin KafkaOptions kafka;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      FileAdapterRegistry registry =
          FileAdapterRegistry.open(kafka.config().retraining().registryDir());
      List<AdapterEvent> history;
      try (AdapterLog log = new AdapterLog(kafka.bootstrapServers(), Topics.ADAPTERS, TIMEOUT)) {
        history = log.history();
      }
      out.printf(
          Locale.ROOT,
          "%-2s %-40s %-24s %9s %9s %-40s%n",
          "",
          "adapter",
          "created",
          "nDCG@10",
          "baseline",
          "parent");
      for (RegisteredAdapter a : registry.list()) {
        boolean serving =
            AdapterLog.serving(history, key(a.embedder()))
                .map(e -> e.adapterId().equals(a.adapterId()))
                .orElse(false);
        out.printf(
            Locale.ROOT,
            "%-2s %-40s %-24s %9s %9s %-40s%n",
            serving ? "*" : "",
            a.adapterId(),
            Instant.ofEpochMilli(a.createdAt()),
            figure(a.metrics(), "ndcg@10"),
            figure(a.metrics(), "baseline.ndcg@10"),
            a.parent() == null ? "-" : a.parent());
      }
      for (String k : new TreeSet<>(history.stream().map(AdapterEvent::key).toList())) {
        AdapterLog.serving(history, k)
            .filter(e -> AdapterEvent.BASE.equals(e.adapterId()))
            .ifPresent(e -> out.printf(Locale.ROOT, "%s serves the base model%n", k));
      }
      return 0;
    }

    private static String figure(Map<String, Double> metrics, String name) {
      Double v = metrics.get(name);
      return v == null ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }
  }

  /** {@code ragstream adapters promote ID}. */
  @Command(
      name = "promote",
      mixinStandardHelpOptions = true,
      description = "Serve a registered adapter now, whatever the gate said.")
  public static final class PromoteCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin KafkaOptions kafka;

    @Parameters(index = "0", description = "Adapter id (see adapters list).")
    String adapterId;

    @Override
    public Integer call() {
      FileAdapterRegistry registry =
          FileAdapterRegistry.open(kafka.config().retraining().registryDir());
      Optional<RegisteredAdapter> adapter = registry.get(adapterId);
      if (adapter.isEmpty()) {
        spec.commandLine().getErr().printf("no adapter %s in %s%n", adapterId, registry.root());
        return 2;
      }
      RegisteredAdapter a = adapter.get();
      try (AdapterLog log = new AdapterLog(kafka.bootstrapServers(), Topics.ADAPTERS, TIMEOUT)) {
        String serving =
            AdapterLog.serving(log.history(), key(a.embedder()))
                .map(AdapterEvent::adapterId)
                .orElse(AdapterEvent.BASE);
        log.publish(
            new AdapterEvent(
                a.adapterId(),
                AdapterKind.QUERY_ADAPTER,
                a.embedder(),
                a.uri().toString(),
                AdapterEvent.Status.PROMOTED,
                a.metrics(),
                serving,
                null,
                "promoted by hand (was " + serving + ")",
                System.currentTimeMillis()));
      }
      spec.commandLine().getOut().printf("promoted %s%n", a.adapterId());
      return 0;
    }
  }

  /** {@code ragstream adapters rollback}. */
  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description =
          "Serve the serving adapter's parent again (the adapter that served when it was trained;"
              + " the base model for the first one).")
  public static final class RollbackCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin KafkaOptions kafka;

    @Option(
        names = "--embedder",
        description =
            "Embedder id (prefix) whose adapter to roll back; needed only when several"
                + " embedders have adapters.")
    String embedder;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      FileAdapterRegistry registry =
          FileAdapterRegistry.open(kafka.config().retraining().registryDir());
      try (AdapterLog log = new AdapterLog(kafka.bootstrapServers(), Topics.ADAPTERS, TIMEOUT)) {
        List<AdapterEvent> history = log.history();
        List<String> keys =
            new TreeSet<>(
                    history.stream()
                        .filter(e -> e.kind() == AdapterKind.QUERY_ADAPTER)
                        .filter(e -> embedder == null || e.embedder().startsWith(embedder))
                        .map(AdapterEvent::key)
                        .toList())
                .stream().toList();
        if (keys.size() != 1) {
          err.printf(
              "%s; pass --embedder%n",
              keys.isEmpty() ? "no query adapter was ever promoted" : "several embedders: " + keys);
          return 2;
        }
        Optional<AdapterEvent> serving = AdapterLog.serving(history, keys.get(0));
        if (serving.isEmpty() || AdapterEvent.BASE.equals(serving.get().adapterId())) {
          err.println("the base model serves: nothing to roll back");
          return 2;
        }
        AdapterEvent current = serving.get();
        String parent =
            registry.get(current.adapterId()).map(RegisteredAdapter::parent).orElse(null);
        Optional<RegisteredAdapter> target =
            parent == null || AdapterEvent.BASE.equals(parent)
                ? Optional.empty()
                : registry.get(parent);
        log.publish(
            new AdapterEvent(
                target.map(RegisteredAdapter::adapterId).orElse(AdapterEvent.BASE),
                AdapterKind.QUERY_ADAPTER,
                current.embedder(),
                target.map(t -> t.uri().toString()).orElse(null),
                AdapterEvent.Status.PROMOTED,
                target.map(RegisteredAdapter::metrics).orElse(Map.of()),
                current.adapterId(),
                null,
                "rollback from " + current.adapterId(),
                System.currentTimeMillis()));
        spec.commandLine()
            .getOut()
            .printf(
                "rolled back %s -> %s%n",
                current.adapterId(),
                target.map(RegisteredAdapter::adapterId).orElse(AdapterEvent.BASE));
      }
      return 0;
    }
  }
}
