package io.ragstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.cli.config.LlmLoraSettings;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.event.TrainingJobRequest;
import io.ragstream.core.event.TrainingJobResult;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.Topics;
import io.ragstream.ingest.cdc.PostgresTeardown;
import io.ragstream.trainer.launch.FakeVllmServer;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LLM LoRA path of issue 7 on the real platform (PostgreSQL, Debezium, in-JVM Kafka, Flink,
 * ONNX, Lucene, gateway, Kafka Streams trigger, trainer) with {@code training.llm-lora} configured:
 * answers from {@code POST /v1/answer} (the extractive answerer; no LLM runs here) and positive
 * {@code POST /v1/feedback} make the trigger request an {@code LLM_LORA} job on the labelled pairs
 * alone; the trainer exports the chat dataset, runs a real python3 process (the fake trainer of
 * trainer-trigger's tests, which reads every exported line and writes a PEFT-shaped adapter),
 * registers the adapter, loads it into {@link FakeVllmServer} (vLLM's runtime LoRA endpoints; no
 * vLLM or GPU here) under a new versioned name, publishes CANDIDATE and PROMOTED with that name on
 * {@code ragstream.adapters}, and ends the job SUCCEEDED.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LlmLoraLoopIT {
  private static final Duration WAIT = Duration.ofMinutes(4);
  private static final String BASE = "meta-llama/Llama-3.2-1B-Instruct";

  /** Question → id of the row that answers it. */
  private static final Map<String, String> QUESTIONS = new LinkedHashMap<>();

  static {
    QUESTIONS.put("How do honey bees tell each other where food is?", "bees");
    QUESTIONS.put("How do ants find the way to food?", "ants");
    QUESTIONS.put("Why do ocean tides rise and fall?", "tides");
  }

  @TempDir static Path dataDir;

  private final PlatformFixture fixture = new PlatformFixture("llmlora");
  private final String table = "ragstream_it_llm_" + fixture.suffix;
  private final HttpClient http = HttpClient.newHttpClient();
  private Vertx vertx;
  private FakeVllmServer vllm;
  private LocalConfig config;
  private LocalPlatform platform;
  private Connection db;

  @BeforeAll
  void start() throws Exception {
    db = PlatformFixture.connect();
    try (Statement s = db.createStatement()) {
      s.execute(
          "create table public."
              + table
              + " (id text primary key, title text, body text, tenant text, acl text[], updated_at timestamptz)");
    }
    Map<String, String[]> rows = new LinkedHashMap<>();
    rows.put(
        "bees",
        new String[] {
          "Honey bee communication",
          "Honey bees tell each other where food is by dancing: the waggle dance encodes the"
              + " distance and the direction of the flowers relative to the sun."
        });
    rows.put(
        "ants",
        new String[] {
          "Ant trails",
          "Ants find the way to food by following pheromone trails that other ants laid on their"
              + " way back to the nest."
        });
    rows.put(
        "tides",
        new String[] {
          "Ocean tides",
          "Ocean tides rise and fall because the gravity of the moon and the sun pulls on the"
              + " oceans as the earth turns."
        });
    rows.put(
        "volcano",
        new String[] {
          "Volcanoes", "A volcano erupts when magma from the mantle rises through the crust."
        });
    try (PreparedStatement insert =
        db.prepareStatement(
            "insert into public."
                + table
                + " (id, title, body, tenant, acl, updated_at) values (?, ?, ?, 'public',"
                + " '{public}', now())")) {
      for (Map.Entry<String, String[]> r : rows.entrySet()) {
        insert.setString(1, r.getKey());
        insert.setString(2, r.getValue()[0]);
        insert.setString(3, r.getValue()[1]);
        insert.executeUpdate();
      }
    }
    vertx = Vertx.vertx();
    vllm = new FakeVllmServer(vertx, BASE, null);
    Path script = dataDir.resolve("sft_lora.py");
    try (InputStream in = FakeVllmServer.class.getResourceAsStream("/fake-trainer/sft_lora.py")) {
      assertThat(in).as("trainer-trigger's fake trainer on the test classpath").isNotNull();
      Files.copy(in, script);
    }

    Map<String, String> flags = fixture.settings(dataDir);
    flags.put("source.table", "public." + table);
    flags.put("gateway.feedback.require-known-query", "false");
    flags.put("training.llm-lora.launcher", "local");
    flags.put("training.llm-lora.base-model", BASE);
    flags.put(
        "training.llm-lora.command",
        Json.write(
            List.of(
                "python3",
                script.toString(),
                "{train_file}",
                "{validation_file}",
                "{output_dir}",
                "{base_model}")));
    flags.put("training.llm-lora.deadline", "2m");
    flags.put("training.llm-lora.dataset.include-extractive", "true");
    flags.put("training.llm-lora.dataset.min-examples", Integer.toString(QUESTIONS.size()));
    flags.put("training.llm-lora.vllm.base-url", vllm.baseUrl());
    flags.put("training.llm-lora.vllm.adapter-name-prefix", "rag-llama");
    flags.put("training.llm-lora.vllm.initial-backoff", "100ms");
    flags.put("trigger.llm-lora.pairs-alone", Integer.toString(QUESTIONS.size()));
    config = LocalConfig.from(Settings.load(null, Map.of(), flags, LocalConfig.KEYS));
    platform = LocalPlatform.start(config);
    await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).until(platform::ready);
  }

  @AfterAll
  void stop() throws Exception {
    if (platform != null) platform.close();
    if (config != null)
      new PostgresTeardown(
              (io.ragstream.ingest.config.PostgresSourceConfig) config.source(),
              config.cdc().heartbeat())
          .run();
    fixture.dropAll("public." + table);
    if (db != null) db.close();
    if (vllm != null) vllm.close();
    if (vertx != null)
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private String documentId(String row) {
    return "pg:public." + table + ":" + row;
  }

  @Test
  void goodAnswersTrainAnAdapterThatIsLoadedIntoVllmAndAnnounced() throws Exception {
    LlmLoraSettings llm = config.llmLora();
    assertThat(llm).isNotNull();
    for (Map.Entry<String, String> q : QUESTIONS.entrySet()) {
      JsonNode answer = post("/v1/answer", Json.write(Map.of("question", q.getKey())));
      assertThat(answer.path("answer").asText()).as(q.getKey()).isNotBlank();
      post(
          "/v1/feedback",
          Json.write(
              Map.of(
                  "queryId",
                  answer.get("queryId").asText(),
                  "documentId",
                  documentId(q.getValue()),
                  "relevant",
                  true)));
    }

    // The trigger requests an LLM LoRA job on the labelled pairs alone.
    List<ConsumerRecord<byte[], byte[]>> jobs =
        PlatformFixture.read(
            platform.bootstrapServers(),
            Topics.TRAINING_JOBS,
            WAIT,
            l -> requests(l).stream().anyMatch(r -> r.kind() == AdapterKind.LLM_LORA));
    TrainingJobRequest job =
        requests(jobs).stream().filter(r -> r.kind() == AdapterKind.LLM_LORA).findFirst().get();
    assertThat(job.labelledPairs()).isEqualTo(QUESTIONS.size());

    // The trainer ends it SUCCEEDED with a registered adapter.
    List<ConsumerRecord<byte[], byte[]>> results =
        PlatformFixture.read(
            platform.bootstrapServers(),
            Topics.TRAINING_RESULTS,
            WAIT,
            l -> results(l).stream().anyMatch(r -> r.jobId().equals(job.jobId())));
    TrainingJobResult result =
        results(results).stream().filter(r -> r.jobId().equals(job.jobId())).findFirst().get();
    assertThat(result.outcome())
        .as("%s", result.message())
        .isEqualTo(TrainingJobResult.Outcome.SUCCEEDED);
    assertThat(result.adapterId()).startsWith("llm-").endsWith(job.jobId().substring(0, 8));

    // The real process read the exported dataset: every selected answer, as chat examples.
    Path jobDir = llm.config().workDir().resolve("jobs").resolve(job.jobId());
    List<String> lines = new ArrayList<>(Files.readAllLines(jobDir.resolve("dataset/train.jsonl")));
    lines.addAll(Files.readAllLines(jobDir.resolve("dataset/validation.jsonl")));
    assertThat(lines).hasSize(QUESTIONS.size());
    for (String question : QUESTIONS.keySet()) {
      assertThat(lines).anySatisfy(l -> assertThat(l).contains(question));
    }
    assertThat(Files.readString(jobDir.resolve("job.log")))
        .contains("read " + QUESTIONS.size() + " examples", "saved adapter");

    // Registered: the PEFT files in the LLM adapter registry.
    Path registered = llm.registryDir().resolve(result.adapterId());
    assertThat(Files.readString(registered.resolve("adapter_config.json")))
        .contains("\"examples\": " + QUESTIONS.size(), BASE);
    assertThat(Files.size(registered.resolve("adapter_model.safetensors"))).isPositive();

    // Loaded into vLLM under a new versioned name.
    String served = "rag-llama-" + result.adapterId();
    assertThat(vllm.loras).containsEntry(served, registered.toAbsolutePath().toString());
    assertThat(vllm.requests).contains("GET /v1/models", "POST /v1/load_lora_adapter");

    // Announced on ragstream.adapters: CANDIDATE, then PROMOTED with the served name.
    List<ConsumerRecord<byte[], byte[]>> adapterRecords =
        PlatformFixture.read(
            platform.bootstrapServers(), Topics.ADAPTERS, WAIT, l -> llmEvents(l).size() >= 2);
    List<AdapterEvent> events = llmEvents(adapterRecords);
    assertThat(events)
        .extracting(AdapterEvent::status)
        .containsExactly(AdapterEvent.Status.CANDIDATE, AdapterEvent.Status.PROMOTED);
    assertThat(events)
        .allSatisfy(
            e -> {
              assertThat(e.adapterId()).isEqualTo(result.adapterId());
              assertThat(e.key()).isEqualTo("LLM_LORA:" + BASE);
              assertThat(e.jobId()).isEqualTo(job.jobId());
              assertThat(e.parent()).isEqualTo(AdapterEvent.BASE);
              assertThat(e.uri()).isEqualTo(registered.toAbsolutePath().toUri().toString());
              assertThat(e.metrics()).containsEntry("dataset.examples", (double) QUESTIONS.size());
            });
    assertThat(events.get(0).servedName()).isNull();
    assertThat(events.get(1).servedName()).isEqualTo(served);
    for (ConsumerRecord<byte[], byte[]> r : adapterRecords) {
      AdapterEvent e = Json.mapper().readValue(r.value(), AdapterEvent.class);
      if (e.kind() == AdapterKind.LLM_LORA) {
        assertThat(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(e.key());
      }
    }
  }

  private static List<TrainingJobRequest> requests(List<ConsumerRecord<byte[], byte[]>> records) {
    return parse(records, TrainingJobRequest.class);
  }

  private static List<TrainingJobResult> results(List<ConsumerRecord<byte[], byte[]>> records) {
    return parse(records, TrainingJobResult.class);
  }

  private static List<AdapterEvent> llmEvents(List<ConsumerRecord<byte[], byte[]>> records) {
    return parse(records, AdapterEvent.class).stream()
        .filter(e -> e.kind() == AdapterKind.LLM_LORA)
        .toList();
  }

  private static <T> List<T> parse(List<ConsumerRecord<byte[], byte[]>> records, Class<T> type) {
    List<T> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      try {
        out.add(Json.mapper().readValue(r.value(), type));
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return out;
  }

  private JsonNode post(String path, String body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(platform.gatewayUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("%s %s", path, r.body()).isBetween(200, 299);
    return Json.mapper().readTree(r.body());
  }
}
