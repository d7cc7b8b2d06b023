package io.ragstream.trainer.policy.internal;

/**
 * What {@link InputRouter} makes of one input record: a validated {@link Input} for the policy of
 * one adapter kind, or a {@link DeadLetter} for {@code ragstream.dlq}. Never serialized: the split
 * happens in the router's sub-topology.
 */
public sealed interface Routed {

  /** A validated event for the policy of the adapter kind in the record key. */
  record Input(TriggerInput input) implements Routed {}

  /**
   * An input record that cannot be read; the record's headers carry the {@code ragstream.error.*}
   * headers.
   *
   * @param key the original key bytes, may be null
   * @param value the original value bytes, may be null
   */
  record DeadLetter(byte[] key, byte[] value) implements Routed {}
}
