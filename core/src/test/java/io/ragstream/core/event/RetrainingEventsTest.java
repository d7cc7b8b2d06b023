package io.ragstream.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetrainingEventsTest {
  private static final String ID = SampleEvents.QUERY_ID;

  @Test
  void driftEventRoundTripsThroughJson() throws Exception {
    DriftEvent event =
        new DriftEvent(
            ID,
            DriftEvent.Kind.DOCUMENTS,
            "mmd_rbf",
            0.042,
            0.01,
            0.002,
            true,
            1_000,
            61_000,
            256,
            1024,
            "initial",
            SampleEvents.EMBEDDER,
            61_005);
    String json = Json.write(event);
    assertThat(Json.mapper().readValue(json, DriftEvent.class)).isEqualTo(event);
    assertThat(event.key()).isEqualTo("DOCUMENTS:mmd_rbf");
  }

  @Test
  void driftEventWithoutPValueOmitsIt() throws Exception {
    DriftEvent event =
        new DriftEvent(
            ID,
            DriftEvent.Kind.QUALITY,
            "no_answer_rate",
            0.3,
            0.2,
            null,
            true,
            0,
            10,
            50,
            500,
            "rolling",
            null,
            10);
    String json = Json.write(event);
    assertThat(json).doesNotContain("pValue").doesNotContain("embedder");
    assertThat(Json.mapper().readValue(json, DriftEvent.class)).isEqualTo(event);
  }

  @Test
  void driftEventRejectsBadValuesNamingTheField() {
    assertThatThrownBy(
            () ->
                new DriftEvent(
                    ID,
                    DriftEvent.Kind.QUERIES,
                    "mmd_rbf",
                    Double.NaN,
                    0.1,
                    null,
                    false,
                    0,
                    1,
                    1,
                    1,
                    "initial",
                    null,
                    1))
        .hasMessageContaining("value must be finite");
    assertThatThrownBy(
            () ->
                new DriftEvent(
                    ID,
                    DriftEvent.Kind.QUERIES,
                    "mmd_rbf",
                    0.1,
                    0.1,
                    1.5,
                    false,
                    0,
                    1,
                    1,
                    1,
                    "initial",
                    null,
                    1))
        .hasMessageContaining("pValue");
    assertThatThrownBy(
            () ->
                new DriftEvent(
                    ID,
                    DriftEvent.Kind.QUERIES,
                    "mmd_rbf",
                    0.1,
                    0.1,
                    null,
                    false,
                    5,
                    1,
                    1,
                    1,
                    "initial",
                    null,
                    1))
        .hasMessageContaining("windowEnd");
  }

  @Test
  void trainingJobRequestRoundTripsAndRequiresAnEmbedderForQueryAdapters() throws Exception {
    TrainingJobRequest job =
        new TrainingJobRequest(
            ID,
            AdapterKind.QUERY_ADAPTER,
            "QUERIES:mmd_rbf drifted",
            List.of(ID),
            "ragstream.feedback@0:120,1:98",
            218,
            SampleEvents.EMBEDDER,
            5);
    assertThat(Json.mapper().readValue(Json.write(job), TrainingJobRequest.class)).isEqualTo(job);
    assertThatThrownBy(
            () ->
                new TrainingJobRequest(
                    ID, AdapterKind.QUERY_ADAPTER, "r", List.of(), "d", 0, null, 5))
        .hasMessageContaining("embedder must not be blank");
  }

  @Test
  void llmAdapterEventCarriesItsServedNameThroughJson() throws Exception {
    AdapterEvent promoted =
        new AdapterEvent(
            "llm-20261123-213000-3f2a9c1b",
            AdapterKind.LLM_LORA,
            "meta-llama/Llama-3.2-1B-Instruct",
            "file:/tmp/llm-adapters/llm-20261123-213000-3f2a9c1b",
            AdapterEvent.Status.PROMOTED,
            Map.of("dataset.examples", 3.0),
            null,
            ID,
            "loaded into vLLM",
            9,
            "rag-llama-llm-20261123-213000-3f2a9c1b");

    String json = Json.write(promoted);

    assertThat(json).contains("\"servedName\":\"rag-llama-llm-20261123-213000-3f2a9c1b\"");
    assertThat(Json.mapper().readValue(json, AdapterEvent.class)).isEqualTo(promoted);
    String older = json.replace(",\"servedName\":\"rag-llama-llm-20261123-213000-3f2a9c1b\"", "");
    assertThat(Json.mapper().readValue(older, AdapterEvent.class).servedName()).isNull();
    assertThatThrownBy(
            () ->
                new AdapterEvent(
                    "qa-1",
                    AdapterKind.QUERY_ADAPTER,
                    SampleEvents.EMBEDDER,
                    "file:/tmp/qa-1",
                    AdapterEvent.Status.PROMOTED,
                    Map.of(),
                    null,
                    null,
                    "r",
                    1,
                    "rag-llama-qa-1"))
        .hasMessageContaining("servedName is for LLM_LORA");
    assertThatThrownBy(
            () ->
                new AdapterEvent(
                    "llm-1",
                    AdapterKind.LLM_LORA,
                    "m",
                    "file:/tmp/llm-1",
                    AdapterEvent.Status.PROMOTED,
                    Map.of(),
                    null,
                    null,
                    "r",
                    1,
                    "bad name"))
        .hasMessageContaining("servedName must match");
  }

  @Test
  void adapterEventRoundTripsAndBaseHasNoUri() throws Exception {
    AdapterEvent promoted =
        new AdapterEvent(
            "qa-1",
            AdapterKind.QUERY_ADAPTER,
            SampleEvents.EMBEDDER,
            "file:/tmp/adapters/qa-1",
            AdapterEvent.Status.PROMOTED,
            Map.of("ndcg@10", 0.71),
            AdapterEvent.BASE,
            ID,
            "better by 0.02",
            9);
    assertThat(Json.mapper().readValue(Json.write(promoted), AdapterEvent.class))
        .isEqualTo(promoted);
    assertThat(promoted.key()).isEqualTo("QUERY_ADAPTER:" + SampleEvents.EMBEDDER);
    assertThatThrownBy(
            () ->
                new AdapterEvent(
                    AdapterEvent.BASE,
                    AdapterKind.QUERY_ADAPTER,
                    "m",
                    "file:/x",
                    AdapterEvent.Status.PROMOTED,
                    Map.of(),
                    null,
                    null,
                    "rollback",
                    1))
        .hasMessageContaining("uri must be null");
    assertThatThrownBy(
            () ->
                new AdapterEvent(
                    "qa-2",
                    AdapterKind.QUERY_ADAPTER,
                    "m",
                    "file:/x",
                    AdapterEvent.Status.CANDIDATE,
                    Map.of("ndcg@10", Double.NaN),
                    null,
                    null,
                    "trained",
                    1))
        .hasMessageContaining("metrics.ndcg@10 must be finite");
  }
}
