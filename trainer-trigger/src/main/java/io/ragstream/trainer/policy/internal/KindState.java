package io.ragstream.trainer.policy.internal;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The decision state of one adapter kind, the value of the {@value PolicyProcessor#STATE_STORE}
 * store (key = kind name, JSON by {@link JsonSerde}). Mutable; owned by the one {@link
 * PolicyProcessor} task that holds the kind.
 */
@JsonAutoDetect(
    fieldVisibility = Visibility.ANY,
    getterVisibility = Visibility.NONE,
    isGetterVisibility = Visibility.NONE)
public final class KindState {
  /** Requests made so far; the sequence number of the last request. */
  long requests;

  /** Event time (epoch ms) of the last request, or null before the first. */
  Long lastRequestEventTime;

  /** The job requested and not yet ended or timed out, or null. */
  RunningJob running;

  /** Distinct labelled pairs since the last request. */
  long pairsSinceRequest;

  /** Distinct labelled pairs ever seen. */
  long pairsTotal;

  /** Exclusive end offset of the feedback read so far, by feedback partition. */
  TreeMap<Integer, Long> feedbackEnd = new TreeMap<>();

  /** Largest record timestamp seen for this kind (epoch ms): the kind's event time. */
  long eventTime;

  /** The drift series feeding this kind, by {@code driftKind:metric}. */
  TreeMap<String, Series> series = new TreeMap<>();

  /**
   * A requested job that has neither ended nor timed out.
   *
   * @param jobId the request's job id
   * @param requestedAt when it was requested, on the trigger's clock (epoch ms); the job timeout
   *     counts from here
   * @param requestEventTime the event time of the request (epoch ms)
   */
  public record RunningJob(String jobId, long requestedAt, long requestEventTime) {}

  /**
   * One counted window of a series.
   *
   * @param driftId the drift event's id
   * @param drifted whether it crossed its threshold
   * @param windowEnd its end, epoch ms
   */
  public record Window(String driftId, boolean drifted, long windowEnd) {}

  /** One drift series (drift kind and metric) as the policy of one adapter kind sees it. */
  @JsonAutoDetect(
      fieldVisibility = Visibility.ANY,
      getterVisibility = Visibility.NONE,
      isGetterVisibility = Visibility.NONE)
  public static final class Series {
    /** Windows seen, warm-up included, duplicates not. */
    long windowsSeen;

    /** Start of the series' first window, epoch ms. */
    long firstWindowStart;

    /** End of the newest window seen, epoch ms; older or equal windows are duplicates. */
    long lastWindowEnd;

    /** The last (at most N) windows after the warm-up and since the last request, oldest first. */
    List<Window> recent = new ArrayList<>();
  }
}
