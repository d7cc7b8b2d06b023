package io.ragstream.core.event;

import static io.ragstream.core.event.QueryEvent.requireNotBlank;

import java.util.Map;
import java.util.Objects;

/**
 * A change in the life of an adapter, as published on {@code ragstream.adapters} (Kafka key =
 * {@link #key()}; JSON by {@link io.ragstream.core.json.Json}; contract in docs/contracts.md).
 * Gateways read the topic from the beginning and serve, per key, the adapter of the latest {@link
 * Status#PROMOTED} event; {@link #BASE} means no adapter (the base model).
 *
 * @param adapterId id of the adapter in the registry (e.g. {@code qa-20261123-211500-3f2a}), or
 *     {@link #BASE}; never blank
 * @param kind which kind of adapter
 * @param embedder the query embedder it adapts ({@link AdapterKind#QUERY_ADAPTER}) or the base LLM
 *     it was trained for ({@link AdapterKind#LLM_LORA}); never blank
 * @param uri where the adapter's files are (a {@code file:} directory URI for the local registry);
 *     {@code null} exactly for {@link #BASE}
 * @param status what happened to it
 * @param metrics evaluation figures by name (e.g. {@code ndcg@10}, {@code mrr@10}, {@code
 *     baseline.ndcg@10}, {@code train.seconds}); never null
 * @param parent the adapter that was serving when this one was trained or promoted, or {@link
 *     #BASE}; {@code null} when unknown
 * @param jobId the {@link TrainingJobRequest#jobId()} that produced it; {@code null} for a
 *     promotion or rollback by hand
 * @param reason why this happened, human-readable; never blank
 * @param at when, epoch ms, {@code >= 0}
 * @param servedName the model name an OpenAI-compatible server (vLLM) serves this adapter under, to
 *     put in a chat request's {@code model} field, e.g. {@code
 *     rag-llama-llm-20261123-213000-3f2a9c1b}; set on the {@link Status#PROMOTED} event of an
 *     {@link AdapterKind#LLM_LORA} adapter that was loaded, {@code null} otherwise (query adapters
 *     and LLM adapters that are not served); matches {@code [A-Za-z0-9][A-Za-z0-9._-]{0,127}}
 * @throws IllegalArgumentException from the constructor, naming the field, when a value breaks the
 *     rules above
 */
public record AdapterEvent(
    String adapterId,
    AdapterKind kind,
    String embedder,
    String uri,
    Status status,
    Map<String, Double> metrics,
    String parent,
    String jobId,
    String reason,
    long at,
    String servedName) {

  /** The {@link #adapterId()} that stands for "no adapter": serve the base model. */
  public static final String BASE = "base";

  /** What happened to an adapter. */
  public enum Status {
    /** Trained and registered; not evaluated yet. */
    CANDIDATE,
    /** Evaluated and not better than the serving adapter by the configured margin. */
    REJECTED,
    /** Now the serving adapter for its {@link #key()} (also how a rollback is announced). */
    PROMOTED
  }

  private static final java.util.regex.Pattern SERVED_NAME =
      java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  /** An event without a {@link #servedName()} (every query adapter event). */
  public AdapterEvent(
      String adapterId,
      AdapterKind kind,
      String embedder,
      String uri,
      Status status,
      Map<String, Double> metrics,
      String parent,
      String jobId,
      String reason,
      long at) {
    this(adapterId, kind, embedder, uri, status, metrics, parent, jobId, reason, at, null);
  }

  public AdapterEvent {
    requireNotBlank("adapterId", adapterId);
    Objects.requireNonNull(kind, "kind");
    requireNotBlank("embedder", embedder);
    Objects.requireNonNull(status, "status");
    if (BASE.equals(adapterId)) {
      if (uri != null) {
        throw new IllegalArgumentException("uri must be null for the base adapter");
      }
      if (status != Status.PROMOTED) {
        throw new IllegalArgumentException("the base adapter can only be PROMOTED, was " + status);
      }
    } else {
      requireNotBlank("uri", uri);
    }
    metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    metrics.forEach(
        (name, value) -> {
          if (value == null || !Double.isFinite(value)) {
            throw new IllegalArgumentException("metrics." + name + " must be finite, was " + value);
          }
        });
    if (parent != null && parent.isBlank()) {
      throw new IllegalArgumentException("parent must not be blank");
    }
    if (jobId != null) {
      QueryEvent.requireQueryId(jobId);
    }
    requireNotBlank("reason", reason);
    if (at < 0) {
      throw new IllegalArgumentException("at must be >= 0, was " + at);
    }
    if (servedName != null) {
      if (kind != AdapterKind.LLM_LORA || BASE.equals(adapterId)) {
        throw new IllegalArgumentException(
            "servedName is for LLM_LORA adapters only, was set on " + kind + " " + adapterId);
      }
      if (!SERVED_NAME.matcher(servedName).matches()) {
        throw new IllegalArgumentException(
            "servedName must match " + SERVED_NAME.pattern() + ", was '" + servedName + "'");
      }
    }
  }

  /** The Kafka key: {@code kind:embedder}; one serving adapter per key. */
  public String key() {
    return kind + ":" + embedder;
  }
}
