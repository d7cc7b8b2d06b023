package io.ragstream.core.adapter;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A versioned store of trained query adapters with their metrics and lineage. Which adapter serves
 * is not the registry's business: promotions are {@link io.ragstream.core.event.AdapterEvent}s on
 * {@code ragstream.adapters}.
 *
 * <p>Contract: {@link #register} is atomic (a reader sees a complete adapter or none) and assigns
 * an id that is unique in the registry and never reused, even after a failed registration.
 * Registered adapters are immutable. Implementations are thread-safe; all methods block and throw
 * {@link java.io.UncheckedIOException} when the storage fails and {@link AdapterFormatException}
 * when what they read is corrupt.
 */
public interface AdapterRegistry {

  /**
   * Stores {@code adapter} under a new id (the id of {@code adapter} is replaced) and returns its
   * record; {@link #load} of that id returns the adapter with the new id.
   *
   * @param metrics evaluation figures by name, finite; may be empty
   * @param parent the adapter serving when it was trained, {@code base} for none; may be null
   * @param jobId the training job; may be null
   */
  RegisteredAdapter register(
      LoraAdapter adapter, Map<String, Double> metrics, String parent, String jobId);

  /** The record of {@code adapterId}, or empty when the registry has no such adapter. */
  Optional<RegisteredAdapter> get(String adapterId);

  /** Every registered adapter, oldest first (by creation time, then id). */
  List<RegisteredAdapter> list();

  /**
   * The weights of {@code adapterId}.
   *
   * @throws java.util.NoSuchElementException when the registry has no such adapter
   * @throws AdapterFormatException when its files are corrupt
   */
  LoraAdapter load(String adapterId);
}
