package io.ragstream.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.cli.RagstreamMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RetrainBenchTest {

  @Test
  void splitsSourceQualifiedIdsAfterTheSecondColon() {
    assertThat(RetrainBench.prefix("pg:public.documents:MED-10")).isEqualTo("pg:public.documents:");
    assertThat(RetrainBench.beirId("pg:public.documents:MED-10")).isEqualTo("MED-10");
    assertThat(RetrainBench.beirId("pg:public.documents:a:b")).isEqualTo("a:b");
    assertThat(RetrainBench.prefix("plain")).isEmpty();
    assertThat(RetrainBench.beirId("plain")).isEqualTo("plain");
  }

  @Test
  void anUnknownModeIsABadOptionNamingIt() {
    CommandLine cl = RagstreamMain.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err, true));
    int code =
        cl.execute("bench", "retrain", "--dataset", "/nonexistent", "--eval-mode", "dense,fancy");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--eval-mode").contains("fancy");
  }
}
