package io.ragstream.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.cli.RagstreamMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandTest {
  @Test
  void benchQuickParsesAsTheSuiteAndSubcommandsStillResolve() {
    CommandLine cli = RagstreamMain.commandLine();
    CommandLine.ParseResult quick = cli.parseArgs("bench", "--quick", "--out", "r");
    BenchCommand bench = quick.subcommand().commandSpec().commandLine().getCommand();
    assertThat(bench.quick).isTrue();
    assertThat(bench.out).isEqualTo(Path.of("r"));
    assertThat(bench.dataset).isNull();

    CommandLine.ParseResult search =
        RagstreamMain.commandLine().parseArgs("bench", "search", "data/scifact");
    assertThat(search.subcommand().subcommand().commandSpec().name()).isEqualTo("search");
  }

  @Test
  void benchAlonePrintsUsageInsteadOfRunningTheFullSuite() {
    CommandLine cli = RagstreamMain.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute("bench")).isEqualTo(2);
    assertThat(err.toString()).contains("report").contains("--quick");
  }

  @Test
  void benchQuickHandsOverToTheReport() {
    CommandLine cli = RagstreamMain.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    int code = cli.execute("bench", "--quick", "/nonexistent/beir-dataset");
    assertThat(code).isNotZero();
    assertThat(err.toString()).contains("/nonexistent/beir-dataset");
  }
}
