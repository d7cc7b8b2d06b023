package io.ragstream.processors.drift.internal;

/**
 * Sums of one quality window (Flink keyed state, a Flink POJO): queries or feedback events seen,
 * queries with hits and their summed top-1 score, queries without hits, negative judgements.
 */
public class QualityWindow {
  /** Number of the window, from 0. */
  public long index;

  /** Samples (queries or feedback events) in the window. */
  public int count;

  /** Queries with at least one hit. */
  public int hits;

  /** Sum of the top-1 scores of the queries with hits. */
  public double topScoreSum;

  /** Queries without hits. */
  public int noAnswers;

  /** Feedback events judging a hit not relevant. */
  public int negatives;

  /** Earliest sample time, epoch ms. */
  public long start = Long.MAX_VALUE;

  /** Latest sample time, epoch ms. */
  public long end = Long.MIN_VALUE;

  public QualityWindow() {}

  /** Mean top-1 score of the queries with hits; NaN when none had hits. */
  public double meanTopScore() {
    return hits == 0 ? Double.NaN : topScoreSum / hits;
  }

  /** Share of queries without hits. */
  public double noAnswerRate() {
    return count == 0 ? 0 : (double) noAnswers / count;
  }

  /** Share of negative judgements. */
  public double negativeRate() {
    return count == 0 ? 0 : (double) negatives / count;
  }
}
