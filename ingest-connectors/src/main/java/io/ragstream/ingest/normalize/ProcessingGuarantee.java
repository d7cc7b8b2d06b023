package io.ragstream.ingest.normalize;

import org.apache.kafka.streams.StreamsConfig;

/** Kafka Streams {@code processing.guarantee} values the normalizer supports. */
public enum ProcessingGuarantee {
  /**
   * A crash may replay input since the last commit, so a change can be written twice; harmless
   * because applying a {@link io.ragstream.core.model.DocumentChange} is idempotent and
   * version-guarded. Needs nothing special from the broker.
   */
  AT_LEAST_ONCE(StreamsConfig.AT_LEAST_ONCE),
  /**
   * Transactions: no duplicates on {@code ragstream.changes} for read-committed consumers. The
   * broker's transaction state log must be creatable ({@code
   * transaction.state.log.replication.factor} and {@code min.isr} no larger than the number of
   * brokers), and each commit costs a transaction.
   */
  EXACTLY_ONCE_V2(StreamsConfig.EXACTLY_ONCE_V2);

  private final String configValue;

  ProcessingGuarantee(String configValue) {
    this.configValue = configValue;
  }

  /** The value for {@link StreamsConfig#PROCESSING_GUARANTEE_CONFIG}. */
  public String configValue() {
    return configValue;
  }
}
