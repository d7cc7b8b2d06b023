package io.ragstream.cli.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ragstream bench ...}: benchmarks that print figures; {@code ragstream bench [--quick]
 * [--out DIR] [DATASET]} alone runs the whole suite ({@link ReportBench}) and writes its report.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmarks. 'bench [--quick] [--out DIR] [DATASET]' runs the whole suite on a platform of its"
          + " own and writes a report (same as 'bench report'); the subcommands run one benchmark"
          + " against a running platform (./ragstream local).",
    },
    subcommands = {
      AdapterBench.class,
      ChatBench.class,
      CrashBench.class,
      DriftBench.class,
      ReportBench.class,
      RetrainBench.class,
      EmbedBench.class,
      FreshnessBench.class,
      IngestBench.class,
      SearchBench.class
    })
public final class BenchCommand implements Callable<Integer> {
  /** The dataset of the README's layout, relative to the repository. */
  static final String DEFAULT_DATASET = "../shared/data/beir/scifact";

  @Spec CommandSpec spec;

  @Option(names = "--quick", description = "The quick suite (a few minutes), see 'bench report'.")
  boolean quick;

  @Option(names = "--out", defaultValue = "bench-report", description = "Report directory.")
  Path out;

  @Parameters(
      index = "0",
      arity = "0..1",
      description = "BEIR dataset directory (default " + DEFAULT_DATASET + ").")
  Path dataset;

  @Override
  public Integer call() {
    if (!quick && dataset == null) {
      spec.commandLine().usage(spec.commandLine().getErr());
      return 2;
    }
    List<String> args = new ArrayList<>();
    args.add("report");
    args.add(dataset != null ? dataset.toString() : DEFAULT_DATASET);
    args.add("--out");
    args.add(out.toString());
    if (quick) args.add("--quick");
    CommandLine report = spec.commandLine();
    return report.execute(args.toArray(String[]::new));
  }
}
