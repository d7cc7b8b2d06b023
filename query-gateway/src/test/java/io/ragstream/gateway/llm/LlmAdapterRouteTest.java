package io.ragstream.gateway.llm;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.event.AdapterKind;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LlmAdapterRouteTest {
  private static final String BASE = "meta-llama/Llama-3.2-1B-Instruct";

  static AdapterEvent promoted(String id, String baseModel, String servedName) {
    return event(id, baseModel, AdapterEvent.Status.PROMOTED, servedName);
  }

  private static AdapterEvent event(
      String id, String baseModel, AdapterEvent.Status status, String servedName) {
    return new AdapterEvent(
        id,
        AdapterKind.LLM_LORA,
        baseModel,
        AdapterEvent.BASE.equals(id) ? null : "file:/registry/" + id,
        status,
        Map.of(),
        AdapterEvent.BASE,
        "00000000-0000-4000-8000-000000000001",
        "test",
        1,
        servedName);
  }

  @Test
  void followsPromotionsOfItsBaseModelOnly() {
    LlmAdapterRoute route = new LlmAdapterRoute(BASE);
    assertThat(route.model()).isEqualTo(BASE);

    assertThat(route.accept(event("llm-1", BASE, AdapterEvent.Status.CANDIDATE, null))).isFalse();
    assertThat(route.accept(promoted("llm-1", "other/base", "rag-other-llm-1"))).isFalse();
    assertThat(route.model()).isEqualTo(BASE);

    assertThat(route.accept(promoted("llm-1", BASE, "rag-llama-llm-1"))).isTrue();
    assertThat(route.model()).isEqualTo("rag-llama-llm-1");
    assertThat(route.accept(promoted("llm-1", BASE, "rag-llama-llm-1")))
        .as("a replay changes nothing")
        .isFalse();
    assertThat(route.accept(promoted("llm-2", BASE, "rag-llama-llm-2"))).isTrue();
    assertThat(route.model()).isEqualTo("rag-llama-llm-2");

    // Query adapter events (same topic) are not this route's.
    AdapterEvent query =
        new AdapterEvent(
            "qa-1",
            AdapterKind.QUERY_ADAPTER,
            BASE,
            "file:/registry/qa-1",
            AdapterEvent.Status.PROMOTED,
            Map.of(),
            null,
            null,
            "test",
            1);
    assertThat(route.accept(query)).isFalse();

    // A promotion of base routes back to the base model.
    assertThat(route.accept(event(AdapterEvent.BASE, BASE, AdapterEvent.Status.PROMOTED, null)))
        .isTrue();
    assertThat(route.model()).isEqualTo(BASE);
    assertThat(route.swaps()).isEqualTo(3);
  }

  @Test
  void exportsTheDefaultModelAsAnInfoGauge() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    LlmAdapterRoute route = new LlmAdapterRoute(BASE).bindTo(registry);
    assertThat(registry.scrape())
        .contains("ragstream_llm_default_model_info{model=\"" + BASE + "\"} 1\n");
    route.accept(promoted("llm-1", BASE, "rag-llama-llm-1"));
    assertThat(registry.scrape())
        .contains("ragstream_llm_default_model_info{model=\"rag-llama-llm-1\"} 1\n")
        .doesNotContain("model=\"" + BASE + "\"");
  }
}
