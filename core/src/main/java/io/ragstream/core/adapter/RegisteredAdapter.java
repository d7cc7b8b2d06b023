package io.ragstream.core.adapter;

import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * What an {@link AdapterRegistry} holds about one adapter besides its weights: the {@code
 * metrics.json} of its directory.
 *
 * @param adapterId id of the adapter, unique in its registry and never reused; never blank
 * @param embedder the embedder id it adapts; never blank
 * @param uri where its files are (a {@code file:} directory URI for {@link FileAdapterRegistry});
 *     give it to {@link LoraAdapter#load(URI)}
 * @param metrics evaluation figures by name (e.g. {@code ndcg@10}, {@code mrr@10}, {@code
 *     baseline.ndcg@10}, {@code train.seconds}), finite; never null
 * @param parent the adapter that was serving when it was trained ({@code base} for none); {@code
 *     null} when unknown
 * @param jobId the training job that produced it; {@code null} when trained by hand
 * @param createdAt when it was registered, epoch ms
 */
public record RegisteredAdapter(
    String adapterId,
    String embedder,
    URI uri,
    Map<String, Double> metrics,
    String parent,
    String jobId,
    long createdAt) {
  public RegisteredAdapter {
    if (adapterId == null || adapterId.isBlank()) {
      throw new IllegalArgumentException("adapterId must not be blank");
    }
    if (embedder == null || embedder.isBlank()) {
      throw new IllegalArgumentException("embedder must not be blank");
    }
    Objects.requireNonNull(uri, "uri");
    metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    metrics.forEach(
        (name, value) -> {
          if (value == null || !Double.isFinite(value)) {
            throw new IllegalArgumentException("metrics." + name + " must be finite, was " + value);
          }
        });
  }
}
