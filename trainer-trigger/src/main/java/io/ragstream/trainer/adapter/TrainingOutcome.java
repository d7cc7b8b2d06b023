package io.ragstream.trainer.adapter;

import io.ragstream.core.adapter.LoraAdapter;
import java.util.List;
import java.util.Objects;

/**
 * What {@link QueryAdapterTrainer#train} produced.
 *
 * @param adapter the best adapter seen on the validation queries (the identity-equivalent initial
 *     state, B = 0, when no epoch beat it); its id is a placeholder until registered
 * @param epochs one entry per validation, the first (epoch 0) being the initial state: one per
 *     epoch run, or with {@link AdapterTrainingConfig#validateEvery()} {@code > 0} one per that
 *     many steps
 * @param bestEpoch the index in {@code epochs} of the state {@code adapter} is (the epoch number
 *     when validating once per epoch)
 * @param stopReason why training stopped ({@code patience}, {@code max-epochs}, {@code
 *     time-budget})
 * @param seconds wall-clock training time, validation included
 * @param trainPairs pairs trained on (with stored vectors)
 * @param validationPairs pairs of the validation queries
 * @param skippedPairs pairs dropped because the store holds no vectors for their document
 */
public record TrainingOutcome(
    LoraAdapter adapter,
    List<EpochStats> epochs,
    int bestEpoch,
    String stopReason,
    double seconds,
    int trainPairs,
    int validationPairs,
    int skippedPairs) {
  public TrainingOutcome {
    Objects.requireNonNull(adapter, "adapter");
    epochs = List.copyOf(epochs);
  }

  /** The validation figure of the initial state (the base model's, since B = 0). */
  public double baselineValidation() {
    return epochs.get(0).validation();
  }

  /** The validation figure of the returned adapter. */
  public double bestValidation() {
    return epochs.get(bestEpoch).validation();
  }

  /**
   * One epoch.
   *
   * @param epoch 0 for the initial state, then 1, 2, ... (the epoch a within-epoch check fell in)
   * @param trainLoss mean training loss over the epoch's steps so far (NaN for epoch 0)
   * @param validation the early-stopping figure after the epoch (nDCG@10 or loss)
   */
  public record EpochStats(int epoch, double trainLoss, double validation) {}
}
