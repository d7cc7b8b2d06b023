package io.ragstream.cli.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.cli.RagstreamMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StatusCommandTest {
  @TempDir Path dataDir;

  private static int run(StringWriter err, String... args) {
    CommandLine cli = RagstreamMain.commandLine();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    return cli.execute(args);
  }

  @Test
  void exitsWithTwoWhenNoPlatformRunsOnTheDataDir() {
    StringWriter err = new StringWriter();
    assertThat(run(err, "status", "--data-dir", dataDir.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("not running on").contains("ragstream-local.json");
  }

  @Test
  void exitsWithTwoWhenTheGatewayCannotBeReached() {
    StringWriter err = new StringWriter();
    assertThat(run(err, "status", "--url", "http://127.0.0.1:1")).isEqualTo(2);
    assertThat(err.toString()).contains("cannot reach http://127.0.0.1:1");
  }
}
