package io.ragstream.cli;

import io.ragstream.cli.adapters.AdaptersCommand;
import io.ragstream.cli.beir.EvalBeirCommand;
import io.ragstream.cli.beir.LoadBeirCommand;
import io.ragstream.cli.bench.BenchCommand;
import io.ragstream.cli.distributed.GatewayCommand;
import io.ragstream.cli.distributed.IngestCommand;
import io.ragstream.cli.distributed.TrainerCommand;
import io.ragstream.cli.dlq.DlqCommand;
import io.ragstream.cli.keys.KeysCommand;
import io.ragstream.cli.local.LocalCommand;
import io.ragstream.cli.reconcile.ReconcileCommand;
import io.ragstream.cli.reindex.ReindexCommand;
import io.ragstream.cli.status.StatusCommand;
import io.ragstream.cli.teardown.TeardownCommand;
import io.ragstream.core.error.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code ./ragstream} launcher: wires the subcommands and runs one. */
@Command(
    name = "ragstream",
    mixinStandardHelpOptions = true,
    version = "ragstream 0.1.0-SNAPSHOT",
    description =
        "Event-driven streaming RAG: PostgreSQL CDC -> Kafka -> Flink -> vector index -> search.",
    subcommands = {
      LocalCommand.class,
      IngestCommand.class,
      GatewayCommand.class,
      TrainerCommand.class,
      RagstreamMain.Load.class,
      RagstreamMain.Eval.class,
      BenchCommand.class,
      KeysCommand.class,
      DlqCommand.class,
      AdaptersCommand.class,
      ReconcileCommand.class,
      TeardownCommand.class,
      StatusCommand.class,
      ReindexCommand.class,
      CommandLine.HelpCommand.class
    })
public final class RagstreamMain {

  /** {@code ragstream load ...}. */
  @Command(
      name = "load",
      description = "Load a dataset into the source database.",
      mixinStandardHelpOptions = true,
      subcommands = LoadBeirCommand.class)
  static final class Load {}

  /** {@code ragstream eval ...}. */
  @Command(
      name = "eval",
      description = "Evaluate retrieval through the gateway.",
      mixinStandardHelpOptions = true,
      subcommands = EvalBeirCommand.class)
  static final class Eval {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line (also used by tests). */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new RagstreamMain());
    cl.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof ConfigException || e instanceof IllegalArgumentException) {
            cmd.getErr().println("ragstream: " + e.getMessage());
            return 2;
          }
          throw e;
        });
    return cl;
  }
}
