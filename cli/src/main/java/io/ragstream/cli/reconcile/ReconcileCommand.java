package io.ragstream.cli.reconcile;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.cli.local.LocalRuntime;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.Topics;
import io.ragstream.ingest.reconcile.Difference;
import io.ragstream.ingest.reconcile.KafkaRepairSink;
import io.ragstream.ingest.reconcile.ReconcileReport;
import io.ragstream.ingest.reconcile.Reconciler;
import io.ragstream.ingest.reconcile.RepairSink;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ragstream reconcile}: compares the source tables of a {@code ragstream local}
 * configuration with its index ({@link Reconciler}) and prints a summary; with {@code --repair} it
 * writes the changes that fix the index to {@code ragstream.changes} of the running platform and
 * then re-runs the comparison until the index equals the source or {@code --verify-timeout} passes.
 *
 * <p>The index is opened read-only ({@code LuceneVectorStore.openReadOnly}), so this runs beside a
 * running platform and sees its last checkpoint's commit. Exit code: 0 when the index equals the
 * source (after the repair, with {@code --repair}), 1 when differences remain, 2 on a usage error.
 */
@Command(
    name = "reconcile",
    mixinStandardHelpOptions = true,
    description =
        "Compare the source tables with the index (missing documents, stale versions, orphan"
            + " chunks, chunks of deleted documents, wrong ACLs); --repair re-emits the changes"
            + " that fix them through the running pipeline. Exit code 0 = no differences.")
public final class ReconcileCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--config", description = "YAML configuration file of ragstream local.")
  Path configFile;

  @Option(names = "--data-dir", description = "Data directory (default ./data; key data-dir).")
  Path dataDir;

  @Option(
      names = "--repair",
      description = "Write the changes that fix the differences to the running platform.")
  boolean repair;

  @Option(
      names = "--settle",
      defaultValue = "PT5S",
      description =
          "Wait this long and re-check the differences before reporting them, so changes the"
              + " pipeline is still indexing are not reported (ISO-8601, default ${DEFAULT-VALUE}).")
  Duration settle;

  @Option(
      names = "--wait-for-transactions",
      defaultValue = "PT60S",
      description =
          "How long to wait for transactions running at the start (default ${DEFAULT-VALUE}).")
  Duration waitForTransactions;

  @Option(
      names = "--verify-timeout",
      defaultValue = "PT120S",
      description =
          "With --repair: how long to re-check until the index equals the source (default"
              + " ${DEFAULT-VALUE}; PT0S = do not verify).")
  Duration verifyTimeout;

  @Option(
      names = "--limit",
      defaultValue = "50",
      description = "Print at most this many differences (default ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--json", description = "Print differences and the summary as JSON lines.")
  boolean json;

  @Option(
      names = "--page-size",
      defaultValue = "1000",
      description = "Index documents per page and ids per source lookup.")
  int pageSize;

  @Override
  public Integer call() throws Exception {
    if (limit < 0 || pageSize < 1 || settle.isNegative() || verifyTimeout.isNegative()) {
      throw new ParameterException(
          spec.commandLine(), "--limit >= 0, --page-size >= 1 and non-negative durations only");
    }
    LocalConfig config =
        LocalConfig.from(
            Settings.load(
                configFile, System.getenv(), LocalConfig.flags(dataDir, null), LocalConfig.KEYS));
    PrintStream out = System.out;
    Reconciler.Options options = Reconciliation.options(config, repair, settle, pageSize);
    String bootstrap = repair ? repairBootstrapServers(config) : null;

    ReconcileReport report;
    try (RepairSink sink = repair ? new KafkaRepairSink(bootstrap, Topics.CHANGES) : null) {
      report = run(config, options, sink, true);
    }
    if (!repair || report.clean()) {
      return report.clean() ? 0 : 1;
    }
    out.printf("repair: %d changes written to %s%n", report.changesEmitted(), Topics.CHANGES);
    if (verifyTimeout.isZero()) {
      return 1;
    }
    long deadline = System.nanoTime() + verifyTimeout.toNanos();
    Reconciler.Options check =
        new Reconciler.Options(
            options.chunkerSettingsId(),
            options.embedderId(),
            false,
            settle,
            pageSize,
            options.maxHeld());
    while (true) {
      ReconcileReport after = run(config, check, null, false);
      if (after.clean()) {
        out.printf("verified: the index equals the source%n");
        return 0;
      }
      if (System.nanoTime() > deadline) {
        out.printf(
            "not verified: %d differences remain after %s%n",
            after.totalDifferences(), verifyTimeout);
        run(config, check, null, true);
        return 1;
      }
      Thread.sleep(1_000); // the pipeline applies the repair asynchronously
    }
  }

  private ReconcileReport run(
      LocalConfig config, Reconciler.Options options, RepairSink sink, boolean print)
      throws InterruptedException {
    PrintStream out = System.out;
    long[] printed = {0};
    ReconcileReport report =
        Reconciliation.run(
            config,
            options,
            sink,
            d -> {
              if (print && printed[0]++ < limit) {
                out.println(
                    json
                        ? Json.write(d)
                        : String.format("  %-18s %s  %s", d.kind(), d.documentId(), d.detail()));
              }
            },
            waitForTransactions);
    if (print) {
      if (printed[0] > limit) {
        out.printf("  ... %d more differences not printed (--limit)%n", printed[0] - limit);
      }
      printSummary(out, report);
    }
    return report;
  }

  private void printSummary(PrintStream out, ReconcileReport report) {
    if (json) {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("rowsChecked", report.rowsChecked());
      summary.put("documentsChecked", report.documentsChecked());
      summary.put("inFlight", report.inFlight());
      summary.put("differences", report.differences());
      summary.put("totalDifferences", report.totalDifferences());
      summary.put("changesEmitted", report.changesEmitted());
      summary.put("elapsedMs", report.elapsed().toMillis());
      out.println(Json.write(Map.of("summary", summary)));
      return;
    }
    out.printf(
        "reconcile: %,d source rows and %,d index documents checked in %.1f s; %,d in flight%n",
        report.rowsChecked(),
        report.documentsChecked(),
        report.elapsed().toMillis() / 1000.0,
        report.inFlight());
    for (Difference.Kind k : Difference.Kind.values()) {
      out.printf("  %-18s %,d%n", k, report.differences().get(k));
    }
    out.printf(
        "%s%n",
        report.clean()
            ? "no differences: the index holds exactly what the source holds"
            : report.totalDifferences() + " differences");
  }

  /** The platform's Kafka: the configured one, else the running local platform's. */
  private String repairBootstrapServers(LocalConfig config) {
    if (config.kafkaBootstrapServers() != null) {
      return config.kafkaBootstrapServers();
    }
    Optional<LocalRuntime> runtime = LocalRuntime.read(config.dataDir());
    if (runtime.isEmpty() || !runtime.get().alive()) {
      throw new ParameterException(
          spec.commandLine(),
          "--repair writes to the platform's Kafka, but ragstream local is not running on "
              + config.dataDir()
              + " (no live "
              + LocalRuntime.FILE_NAME
              + ") and kafka.bootstrap-servers is not set");
    }
    return runtime.get().kafkaBootstrapServers();
  }
}
