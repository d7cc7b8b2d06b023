package io.ragstream.trainer.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.RetriableException;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link VllmAdapterLoader} against {@link FakeVllmServer}, a local HTTP server with vLLM's
 * semantics for the runtime LoRA endpoints (no vLLM can run on this machine).
 */
class VllmAdapterLoaderIT {
  private static final String BASE = "meta-llama/Llama-3.2-1B-Instruct";
  private static Vertx vertx;

  @TempDir Path dir;
  private FakeVllmServer server;
  private VllmAdapterLoader loader;
  private Path adapter;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    vertx.close();
  }

  @BeforeEach
  void setUp() throws Exception {
    server = new FakeVllmServer(vertx, BASE, "s3cret-key");
    loader = new VllmAdapterLoader(vertx, config(server.baseUrl(), "s3cret-key", 3));
    adapter = Files.createDirectories(dir.resolve("llm-20261123-213000-3f2a9c1b"));
    Files.writeString(adapter.resolve(PeftAdapterFiles.CONFIG), "{}");
    Files.write(adapter.resolve(PeftAdapterFiles.WEIGHTS), new byte[] {1});
  }

  @AfterEach
  void tearDown() throws Exception {
    loader.close();
    server.close();
  }

  /**
   * A request timeout far above any answer time of the fake server: a timeout is retried, and the
   * tests count requests, so on a loaded machine a 5 s timeout could turn one request into two.
   */
  private static LlmLoraConfig.Vllm config(String url, String key, int attempts) {
    return new LlmLoraConfig.Vllm(
        url, key, "rag-llama", null, Duration.ofSeconds(30), attempts, Duration.ofMillis(10));
  }

  @Test
  void loadsAnAdapterThatThenServesAsAModelOfTheBase() {
    String name = VllmAdapterLoader.servedName("rag-llama", "llm-20261123-213000-3f2a9c1b");

    String answer = loader.load(name, adapter.toString());

    assertThat(name).isEqualTo("rag-llama-llm-20261123-213000-3f2a9c1b");
    assertThat(answer).isEqualTo("Success: LoRA adapter '" + name + "' added successfully.");
    assertThat(loader.models())
        .contains(new VllmAdapterLoader.ServedModel(name, adapter.toString(), BASE))
        .contains(new VllmAdapterLoader.ServedModel(BASE, BASE, null));
  }

  @Test
  void refusesToReuseANameVllmAlreadyServes() {
    loader.load("rag-llama-a1", adapter.toString());
    int posts = server.requests.size();

    assertThatThrownBy(() -> loader.load("rag-llama-a1", adapter.toString()))
        .isInstanceOf(VllmException.class)
        .hasMessageContaining("already serves 'rag-llama-a1'")
        .hasMessageContaining("never reused");
    assertThat(server.requests.subList(posts, server.requests.size()))
        .containsExactly("GET /v1/models"); // checked, not posted
  }

  @Test
  void aMissingAdapterIsA4xxThatIsNotRetried() {
    assertThatThrownBy(() -> loader.load("rag-llama-a2", dir.resolve("nothing").toString()))
        .isInstanceOfSatisfying(VllmException.class, e -> assertThat(e.status()).isEqualTo(404))
        .hasMessageContaining("No adapter found for");
    assertThat(server.requests).filteredOn(r -> r.startsWith("POST")).hasSize(1);
  }

  @Test
  void retries5xxWithBackoffUntilItLoads() {
    server.failNext.set(2); // GET /models answers 503 twice, then works

    loader.load("rag-llama-a3", adapter.toString());

    assertThat(server.loras).containsKey("rag-llama-a3");
    assertThat(server.requests).filteredOn(r -> r.equals("GET /v1/models")).hasSize(3);
  }

  @Test
  void aLoadWhoseAnswerWasLostIsRecognisedOnTheRetry() {
    server.loseNextLoadAnswers.set(1); // loaded, but the answer is a 500: the retry gets 400

    String answer = loader.load("rag-llama-a4", adapter.toString());

    assertThat(answer).contains("earlier try");
    assertThat(server.requests).filteredOn(r -> r.startsWith("POST /v1/load")).hasSize(2);
  }

  @Test
  void givesUpAfterMaxAttemptsWithARetriableError() {
    server.failNext.set(10);

    assertThatThrownBy(() -> loader.load("rag-llama-a5", adapter.toString()))
        .isInstanceOf(RetriableException.class)
        .hasMessageContaining("HTTP 503");
    assertThat(server.requests).hasSize(3);
  }

  @Test
  void anUnreachableServerIsRetriable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (VllmAdapterLoader unreachable =
        new VllmAdapterLoader(vertx, config("http://127.0.0.1:" + port + "/v1", null, 2))) {
      assertThatThrownBy(unreachable::models).isInstanceOf(RetriableException.class);
    }
  }

  @Test
  void aWrongApiKeyIsRefusedWithoutRetry() {
    try (VllmAdapterLoader wrong =
        new VllmAdapterLoader(vertx, config(server.baseUrl(), "wrong-key", 3))) {
      assertThatThrownBy(wrong::models)
          .isInstanceOfSatisfying(VllmException.class, e -> assertThat(e.status()).isEqualTo(401))
          .hasMessageContaining("Unauthorized");
      assertThat(server.requests).hasSize(1);
      assertThat(wrong.toString()).doesNotContain("wrong-key").contains("apiKey=***");
    }
  }

  @Test
  void unloadsAndReportsAnUnknownNameAs404() {
    loader.load("rag-llama-a6", adapter.toString());

    assertThat(loader.unload("rag-llama-a6")).contains("removed successfully");
    assertThat(server.loras).doesNotContainKey("rag-llama-a6");
    assertThatThrownBy(() -> loader.unload("rag-llama-a6"))
        .isInstanceOfSatisfying(VllmException.class, e -> assertThat(e.status()).isEqualTo(404))
        .hasMessageContaining("cannot be found");
  }

  @Test
  void rejectsNamesThatCannotBeAnOpenAiModelField() {
    assertThatThrownBy(() -> loader.load("bad name", adapter.toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad name");
    assertThat(server.requests).isEmpty();
  }
}
