package io.ragstream.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.ConfigException;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.event.DriftEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TriggerConfigTest {
  private static final Path DATA = Path.of("data");

  @Test
  void defaultsTrainTheQueryAdapterOnEveryDriftKindAndLeaveLlmLoraOff() {
    TriggerConfig c = TriggerConfig.builder(DATA).build();

    assertThat(c.enabledKinds()).containsExactly(AdapterKind.QUERY_ADAPTER);
    assertThat(c.stateDir()).isEqualTo(DATA.resolve("trainer-trigger"));
    for (DriftEvent.Kind kind : DriftEvent.Kind.values()) {
      assertThat(c.adapterKindsOf(kind, "any_metric")).containsExactly(AdapterKind.QUERY_ADAPTER);
    }
    KindPolicy q = c.policy(AdapterKind.QUERY_ADAPTER);
    assertThat(q.embedder()).isEqualTo(KindPolicy.DEFAULT_EMBEDDER);
    assertThat(q.pairsAlone()).isEqualTo(KindPolicy.DEFAULT_PAIRS_ALONE);
    assertThat(c.policy(AdapterKind.LLM_LORA).enabled()).isFalse();
  }

  @Test
  void aMetricEntryWinsOverItsKindAndDisabledKindsAreLeftOut() {
    TriggerConfig c =
        TriggerConfig.builder(DATA)
            .driftMapping(
                TriggerConfig.parseDriftMapping(
                    "trigger.drift-mapping",
                    "queries=query_adapter, QUALITY=QUERY_ADAPTER|LLM_LORA, QUALITY:no_answer_rate=,"
                        + " DOCUMENTS:mmd_rbf=llm-lora"))
            .build();

    assertThat(c.adapterKindsOf(DriftEvent.Kind.QUERIES, "mmd_rbf"))
        .containsExactly(AdapterKind.QUERY_ADAPTER);
    // LLM_LORA is mapped but disabled.
    assertThat(c.adapterKindsOf(DriftEvent.Kind.QUALITY, "top_score_mean_drop"))
        .containsExactly(AdapterKind.QUERY_ADAPTER);
    assertThat(c.adapterKindsOf(DriftEvent.Kind.QUALITY, "no_answer_rate")).isEmpty();
    assertThat(c.adapterKindsOf(DriftEvent.Kind.DOCUMENTS, "mmd_rbf")).isEmpty();
    assertThat(c.adapterKindsOf(DriftEvent.Kind.DOCUMENTS, "centroid_cosine_distance")).isEmpty();
  }

  @Test
  void badPolicyValuesNameTheirKey() {
    KindPolicy q = KindPolicy.defaults(AdapterKind.QUERY_ADAPTER);
    assertThatThrownBy(() -> q.withDriftKofN(5, 4))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config trigger.query-adapter.drift.k: must be in 1..drift.n (4), was 5");
    assertThatThrownBy(() -> q.withEmbedder(" "))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).key())
        .isEqualTo("trigger.query-adapter.embedder");
    assertThatThrownBy(() -> q.withTimes(Duration.ofHours(1), Duration.ZERO))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("trigger.query-adapter.job-timeout");
    assertThatThrownBy(() -> KindPolicy.defaults(AdapterKind.LLM_LORA).withPairs(-1, 0))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("trigger.llm-lora.min-new-pairs");
    assertThatThrownBy(() -> q.withWarmUp(0, Duration.ofSeconds(-1)))
        .hasMessageContaining("trigger.query-adapter.warm-up.duration");
  }

  @Test
  void badServiceValuesNameTheirKey() {
    assertThatThrownBy(
            () -> TriggerConfig.builder(DATA).commitInterval(Duration.ofMinutes(5)).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("trigger.commit-interval");
    assertThatThrownBy(() -> TriggerConfig.builder(DATA).jobsTopic("ragstream.feedback").build())
        .hasMessageContaining("trigger.topics")
        .hasMessageContaining("ragstream.feedback");
    assertThatThrownBy(() -> TriggerConfig.builder(DATA).partitions(0).build())
        .hasMessageContaining("trigger.partitions");
    assertThatThrownBy(
            () ->
                TriggerConfig.builder(DATA)
                    .driftMapping(Map.of("QUERIEZ", Set.of(AdapterKind.QUERY_ADAPTER)))
                    .build())
        .hasMessageContaining("trigger.drift-mapping")
        .hasMessageContaining("unknown drift kind 'QUERIEZ'");
  }

  @Test
  void badDriftMappingTextNamesTheEntry() {
    assertThatThrownBy(() -> TriggerConfig.parseDriftMapping("k", "QUERIES"))
        .hasMessage("config k: entry 'QUERIES' is not source=kinds");
    assertThatThrownBy(() -> TriggerConfig.parseDriftMapping("k", "QUERIES=LORA"))
        .hasMessageContaining("unknown adapter kind 'LORA'");
    assertThatThrownBy(() -> TriggerConfig.parseDriftMapping("k", "QUERIES=,queries="))
        .hasMessage("config k: maps QUERIES twice");
  }
}
