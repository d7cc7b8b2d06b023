package io.ragstream.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatBenchTest {
  @TempDir Path dir;

  @Test
  void unreachableGatewayFailsWithAClearMessage() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    CliRun run =
        CliRun.of("bench", "chat", "--gateway", "http://127.0.0.1:" + port, "--duration", "PT1S");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("unreachable").contains("127.0.0.1:" + port);
    assertThat(run.out()).isEmpty();
  }

  @Test
  void readsQuestionsFromBeirDirectoriesJsonLinesAndTextFiles() throws Exception {
    Path beir = Files.createDirectories(dir.resolve("beir"));
    Files.writeString(beir.resolve("corpus.jsonl"), "");
    Files.writeString(
        beir.resolve("queries.jsonl"),
        "{\"_id\": \"1\", \"text\": \"first?\"}\n{\"_id\": \"2\", \"text\": \"second?\"}\n");
    assertThat(ChatBench.loadQuestions(beir)).containsExactly("first?", "second?");
    assertThat(ChatBench.loadQuestions(beir.resolve("queries.jsonl")))
        .containsExactly("first?", "second?");
    Path text = Files.writeString(dir.resolve("q.txt"), " one \n\ntwo\n");
    assertThat(ChatBench.loadQuestions(text)).containsExactly("one", "two");
    assertThat(ChatBench.loadQuestions(null)).isEqualTo(ChatBench.BUILT_IN_QUESTIONS);

    Path empty = Files.writeString(dir.resolve("empty.txt"), "\n");
    assertThatThrownBy(() -> ChatBench.loadQuestions(empty)).hasMessageContaining("no questions");
    Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"_id\": \"1\"}\n");
    assertThatThrownBy(() -> ChatBench.loadQuestions(bad)).hasMessageContaining("bad.jsonl:1");
  }

  @Test
  void rejectsOptionsOutOfRange() {
    CliRun run = CliRun.of("bench", "chat", "--active", "0");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--active");
  }
}
