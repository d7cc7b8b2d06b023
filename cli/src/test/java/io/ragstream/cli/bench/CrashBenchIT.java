package io.ragstream.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.cli.RagstreamMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short run of the crash harness ({@code ./ragstream bench crash}): a child {@code ragstream
 * local} JVM is killed with SIGKILL three times (once while starting) under a random workload, and
 * the index must still end equal to the table. The full run (10,000 operations, 10 kills, a
 * PostgreSQL restart) is a benchmark; this keeps the harness itself working in CI without
 * restarting the shared PostgreSQL server.
 */
class CrashBenchIT {

  @Test
  void indexEqualsTheTableAfterKillsUnderLoad(@TempDir Path dataDir) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    PrintStream out = System.out;
    int exit;
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      exit =
          RagstreamMain.commandLine()
              .execute(
                  "bench",
                  "crash",
                  "--operations",
                  "400",
                  "--kills",
                  "3",
                  "--rows",
                  "100",
                  "--ids",
                  "300",
                  "--rate",
                  "40",
                  "--seed",
                  "20261123",
                  "--skip-postgres-restart",
                  "--child-heap",
                  "1500m",
                  "--converge-timeout",
                  "PT6M",
                  "--data-dir",
                  dataDir.toString());
    } finally {
      System.setOut(out);
    }
    String report = o.toString(StandardCharsets.UTF_8);
    out.println(report);
    assertThat(report).contains("SIGKILL 3:").contains("seed 20261123: PASS");
    assertThat(exit).isZero();
  }
}
