package io.ragstream.processors.drift;

import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.QueryEvent;

/**
 * One observation of retrieval quality on its way to {@link QualityDriftFunction}: a served query
 * (its search mode, whether it found anything, its top-1 score) or one feedback judgement.
 *
 * @param key {@code query:<mode>} for queries (scores of different modes are on different scales
 *     and never mixed), {@value #FEEDBACK_KEY} for feedback
 * @param topScore the best hit's score on the mode's scale; NaN when there was no hit or for
 *     feedback
 * @param noAnswer whether the query returned no hits (false for feedback)
 * @param negative whether the feedback judged the hit not relevant (false for queries)
 * @param at when it happened, epoch ms
 */
public record QualitySample(
    String key, double topScore, boolean noAnswer, boolean negative, long at) {

  /** {@link #key()} of feedback samples. */
  public static final String FEEDBACK_KEY = "feedback";

  /** The prefix of {@link #key()} of query samples, followed by the mode. */
  public static final String QUERY_KEY_PREFIX = "query:";

  /** The sample of a served query. */
  public static QualitySample of(QueryEvent e) {
    double[] scores = e.topScores();
    boolean none = scores.length == 0;
    return new QualitySample(
        QUERY_KEY_PREFIX + e.mode(), none ? Double.NaN : scores[0], none, false, e.at());
  }

  /** The sample of a feedback judgement. */
  public static QualitySample of(FeedbackEvent e) {
    return new QualitySample(FEEDBACK_KEY, Double.NaN, false, !e.relevant(), e.at());
  }

  /** Whether this is feedback rather than a query. */
  public boolean isFeedback() {
    return FEEDBACK_KEY.equals(key);
  }
}
