package io.ragstream.core.event;

import static io.ragstream.core.event.QueryEvent.requireNotBlank;

import java.util.List;
import java.util.Objects;

/**
 * A decision of the trainer trigger to train one adapter, as published on {@code
 * ragstream.training-jobs} (Kafka key = {@link #kind()} name; JSON by {@link
 * io.ragstream.core.json.Json}; contract in docs/contracts.md).
 *
 * @param jobId id of the job, a random UUID in canonical lowercase form
 * @param kind which adapter to train
 * @param reason why the policy fired, human-readable (e.g. {@code "QUERIES:mmd_rbf drifted in 3 of
 *     the last 4 windows; 512 new labelled pairs"}); never blank
 * @param driftIds the {@link DriftEvent#driftId()}s that led to the decision, oldest first; empty
 *     when the job was requested by hand or by labelled pairs alone
 * @param dataset reference to the training data: {@code ragstream.feedback} positions up to which
 *     labelled pairs are included, as {@code topic@partition:offset,partition:offset...} (exclusive
 *     end offsets); never blank
 * @param labelledPairs number of labelled (query, relevant document) pairs available at the
 *     decision, {@code >= 0}
 * @param embedder id of the query embedder the adapter is for; required for {@link
 *     AdapterKind#QUERY_ADAPTER}, {@code null} otherwise
 * @param requestedAt when the decision was made, epoch ms, {@code >= 0}
 * @throws IllegalArgumentException from the constructor, naming the field, when a value breaks the
 *     rules above
 */
public record TrainingJobRequest(
    String jobId,
    AdapterKind kind,
    String reason,
    List<String> driftIds,
    String dataset,
    int labelledPairs,
    String embedder,
    long requestedAt) {

  public TrainingJobRequest {
    QueryEvent.requireQueryId(jobId);
    Objects.requireNonNull(kind, "kind");
    requireNotBlank("reason", reason);
    driftIds = driftIds == null ? List.of() : List.copyOf(driftIds);
    requireNotBlank("dataset", dataset);
    if (labelledPairs < 0) {
      throw new IllegalArgumentException("labelledPairs must be >= 0, was " + labelledPairs);
    }
    if (kind == AdapterKind.QUERY_ADAPTER) {
      requireNotBlank("embedder", embedder);
    } else if (embedder != null && embedder.isBlank()) {
      throw new IllegalArgumentException("embedder must not be blank");
    }
    if (requestedAt < 0) {
      throw new IllegalArgumentException("requestedAt must be >= 0, was " + requestedAt);
    }
  }
}
