package io.ragstream.trainer.dataset;

/**
 * Where the events of a chat dataset come from: Kafka ({@link KafkaDatasetReader}) or memory.
 *
 * <p>Blocking; called from the job's thread. Implementations may be called again for another job.
 */
@FunctionalInterface
public interface DatasetSource {

  /**
   * Reads the events a job's dataset is built from.
   *
   * @param dataset the {@link io.ragstream.core.event.TrainingJobRequest#dataset()} reference,
   *     {@code ragstream.feedback@partition:offset,...}
   * @return the events read; never null
   * @throws IllegalArgumentException when {@code dataset} is malformed
   * @throws io.ragstream.core.error.RagstreamException when the events cannot be read
   */
  DatasetInput read(String dataset);
}
