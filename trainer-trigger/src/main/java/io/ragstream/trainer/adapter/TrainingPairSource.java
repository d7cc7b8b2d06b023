package io.ragstream.trainer.adapter;

import java.util.List;

/**
 * Where the trainer gets its labelled pairs: the Kafka topics up to a job's dataset position
 * ({@link KafkaTrainingPairSource}), BEIR qrels in the bench, fixed lists in tests. Implementations
 * block and may throw {@link io.ragstream.core.error.RagstreamException}.
 */
@FunctionalInterface
public interface TrainingPairSource {
  /** The pairs, in a deterministic order (the same data gives the same list). */
  List<TrainingPair> pairs();
}
