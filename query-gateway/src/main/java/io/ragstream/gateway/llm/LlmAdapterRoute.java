package io.ragstream.gateway.llm;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.gateway.adapter.AdapterListener;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model a generation uses when its request names none ({@code llm.follow-adapters}, docs
 * /llm-lora.md): the base model ({@code llm.model}) until a {@link AdapterKind#LLM_LORA} adapter
 * trained on it is promoted on {@code ragstream.adapters}, then that adapter's {@link
 * AdapterEvent#servedName() served name} (the versioned name vLLM loaded it under, so a new adapter
 * is never confused with a stale cache of an old one). A promotion of {@link AdapterEvent#BASE}
 * routes back to the base model. Requests that name a {@code model} always get it.
 *
 * <p>Events are matched on their key: kind {@code LLM_LORA} and {@code embedder} (the trainer's
 * {@code training.llm-lora.base-model}) equal to {@code llm.model}. Thread-safe: {@link #model()}
 * is a volatile read.
 */
public final class LlmAdapterRoute implements AdapterListener {
  private static final Logger LOG = LoggerFactory.getLogger(LlmAdapterRoute.class);

  private final String baseModel;
  private final AtomicReference<String> adapter = new AtomicReference<>();
  private final AtomicLong swaps = new AtomicLong();
  private volatile MultiGauge gauge;

  /**
   * @param baseModel {@code llm.model}: the served base model adapters are trained on
   */
  public LlmAdapterRoute(String baseModel) {
    this.baseModel = Objects.requireNonNull(baseModel, "baseModel");
  }

  /** The model for a request that names none: the promoted adapter's served name, or the base. */
  public String model() {
    String a = adapter.get();
    return a != null ? a : baseModel;
  }

  /** How many times the default model changed. */
  public long swaps() {
    return swaps.get();
  }

  /**
   * Registers {@code ragstream_llm_default_model_info{model}} (1 for the model requests without a
   * {@code model} get) in {@code registry}.
   */
  public LlmAdapterRoute bindTo(MeterRegistry registry) {
    gauge =
        MultiGauge.builder("ragstream.llm.default.model.info")
            .description("1 for the model answers use when a request names none")
            .register(registry);
    publish();
    return this;
  }

  @Override
  public boolean accept(AdapterEvent event) {
    if (event.kind() != AdapterKind.LLM_LORA
        || event.status() != AdapterEvent.Status.PROMOTED
        || !baseModel.equals(event.embedder())) {
      return false;
    }
    String next;
    if (AdapterEvent.BASE.equals(event.adapterId())) {
      next = null;
    } else if (event.servedName() != null) {
      next = event.servedName();
    } else {
      LOG.warn(
          "LLM adapter {} was promoted without a served name; answers keep using {}",
          event.adapterId(),
          model());
      return false;
    }
    String before = adapter.getAndSet(next);
    if (Objects.equals(before, next)) {
      return false;
    }
    swaps.incrementAndGet();
    publish();
    LOG.info(
        "answers without a model now use {} (LLM adapter {}), was {}",
        model(),
        event.adapterId(),
        before != null ? before : baseModel);
    return true;
  }

  private void publish() {
    MultiGauge g = gauge;
    if (g != null) {
      g.register(List.of(MultiGauge.Row.of(Tags.of("model", model()), 1)), true);
    }
  }
}
