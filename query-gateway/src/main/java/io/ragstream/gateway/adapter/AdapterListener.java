package io.ragstream.gateway.adapter;

import io.ragstream.core.event.AdapterEvent;

/** Acts on {@code ragstream.adapters} events as a {@link KafkaAdapterWatcher} reads them. */
@FunctionalInterface
public interface AdapterListener {
  /**
   * Acts on one event, in topic order, on the watcher's thread; events of other kinds or keys are
   * ignored. Must not throw for a well-formed event.
   *
   * @return whether what this listener serves changed
   */
  boolean accept(AdapterEvent event);
}
