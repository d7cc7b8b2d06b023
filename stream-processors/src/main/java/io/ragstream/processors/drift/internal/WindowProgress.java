package io.ragstream.processors.drift.internal;

/**
 * Where one key of {@link io.ragstream.processors.drift.EmbeddingDriftFunction} stands (Flink keyed
 * state, a Flink POJO): how many samples were seen, how full the reference and the current window
 * are.
 */
public class WindowProgress {
  /** Samples seen so far, reference phase included. */
  public long seen;

  /** Samples held in the reference (its map slots 0..n-1 are filled). */
  public int referenceCount;

  /** Rolling reference: the slot the next sample replaces (oldest first). */
  public int nextSlot;

  /** Samples in the current window. */
  public int windowCount;

  /** Number of the current window, from 0. */
  public long windowIndex;

  /** Earliest sample time of the current window, epoch ms. */
  public long windowStart = Long.MAX_VALUE;

  /** Latest sample time of the current window, epoch ms. */
  public long windowEnd = Long.MIN_VALUE;

  public WindowProgress() {}
}
