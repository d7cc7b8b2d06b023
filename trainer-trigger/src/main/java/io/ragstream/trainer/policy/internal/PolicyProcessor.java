package io.ragstream.trainer.policy.internal;

import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.event.DriftEvent;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.TrainingJobRequest;
import io.ragstream.core.event.TrainingJobResult;
import io.ragstream.core.json.Json;
import io.ragstream.trainer.config.KindPolicy;
import io.ragstream.trainer.config.TriggerConfig;
import io.ragstream.trainer.policy.TriggerMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.UUID;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trigger policy: consumes the {@link TriggerInput}s of the adapter kinds its task holds (key =
 * kind name) and forwards a {@link TrainingJobRequest} JSON (key = kind name) when a kind's {@link
 * KindPolicy} fires. All decision state is in two persistent, changelogged key-value stores:
 * {@value #STATE_STORE} (one {@link KindState} per kind) and {@value #PAIRS_STORE} (the labelled
 * pairs seen, for deduplication). The rules are in docs/trainer-trigger.md.
 *
 * <p>Event time is the largest record timestamp seen for the kind (so it never goes back); the
 * clock gives {@link TrainingJobRequest#requestedAt()} and the job timeout, checked on every input
 * and by a wall-clock punctuation every {@link TriggerConfig#timeoutCheckInterval()}.
 */
public final class PolicyProcessor implements Processor<String, TriggerInput, String, byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyProcessor.class);

  /** Store of the per-kind decision state: key kind name, value {@link KindState} JSON. */
  public static final String STATE_STORE = "trigger-kind-state";

  /**
   * Store of the labelled pairs seen: key {@code kind|queryId|documentId}, value the event time it
   * was first seen (epoch ms).
   */
  public static final String PAIRS_STORE = "trigger-labelled-pairs";

  private final TriggerConfig config;
  private final Clock clock;
  private final TriggerMetrics metrics;
  private ProcessorContext<String, byte[]> context;
  private KeyValueStore<String, KindState> states;
  private KeyValueStore<String, Long> pairs;

  public PolicyProcessor(TriggerConfig config, Clock clock, TriggerMetrics metrics) {
    this.config = config;
    this.clock = clock;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.states = context.getStateStore(STATE_STORE);
    this.pairs = context.getStateStore(PAIRS_STORE);
    // Runs after the stores were restored from their changelogs: show the restored state.
    for (AdapterKind kind : config.enabledKinds()) {
      KindState s = states.get(kind.name());
      if (s != null) {
        updateGauges(kind, s);
        LOG.info(
            "Restored {} state: {} requests, {} pairs since the last, running job {}",
            kind,
            s.requests,
            s.pairsSinceRequest,
            s.running == null ? "none" : s.running.jobId());
      }
    }
    context.schedule(
        config.timeoutCheckInterval(), PunctuationType.WALL_CLOCK_TIME, t -> checkTimeouts());
  }

  @Override
  public void process(Record<String, TriggerInput> record) {
    AdapterKind kind = AdapterKind.valueOf(record.key());
    KindPolicy policy = config.policy(kind);
    if (!policy.enabled()) {
      LOG.debug("Ignoring {} input of disabled kind {}", record.value().type(), kind);
      return;
    }
    KindState s = states.get(kind.name());
    if (s == null) {
      s = new KindState();
    }
    s.eventTime = Math.max(s.eventTime, record.timestamp());
    long now = clock.millis();
    expire(kind, policy, s, now);
    TriggerInput in = record.value();
    switch (in.type()) {
      case DRIFT -> onDrift(policy, s, in.drift());
      case FEEDBACK -> onFeedback(kind, s, in);
      case RESULT -> onResult(kind, s, in.result());
    }
    TrainingJobRequest request = decide(kind, policy, s, now);
    states.put(kind.name(), s);
    updateGauges(kind, s);
    if (request != null) {
      metrics.requested(kind);
      context.forward(
          new Record<>(
              kind.name(), Json.write(request).getBytes(StandardCharsets.UTF_8), s.eventTime));
    }
  }

  private void onDrift(KindPolicy policy, KindState s, DriftEvent e) {
    String key = e.key();
    KindState.Series series = s.series.get(key);
    if (series == null) {
      series = new KindState.Series();
      series.firstWindowStart = e.windowStart();
      s.series.put(key, series);
    } else if (e.windowEnd() <= series.lastWindowEnd) {
      LOG.debug(
          "Drift window of {} ending {} is not newer than {}: duplicate, ignored",
          key,
          e.windowEnd(),
          series.lastWindowEnd);
      return;
    }
    series.windowsSeen++;
    series.lastWindowEnd = e.windowEnd();
    if (series.windowsSeen <= policy.warmUpWindows()
        || e.windowStart() - series.firstWindowStart < policy.warmUpDuration().toMillis()) {
      LOG.debug("Drift window {} of {} is in the warm-up, ignored", series.windowsSeen, key);
      return;
    }
    series.recent.add(new KindState.Window(e.driftId(), e.drifted(), e.windowEnd()));
    while (series.recent.size() > policy.driftN()) {
      series.recent.remove(0);
    }
  }

  private void onFeedback(AdapterKind kind, KindState s, TriggerInput in) {
    s.feedbackEnd.merge(in.partition(), in.offset() + 1, Math::max);
    FeedbackEvent f = in.feedback();
    if (!f.relevant()) {
      return;
    }
    String pairKey = kind.name() + "|" + f.queryId() + "|" + f.documentId();
    if (pairs.putIfAbsent(pairKey, s.eventTime) == null) {
      s.pairsSinceRequest++;
      s.pairsTotal++;
    }
  }

  private void onResult(AdapterKind kind, KindState s, TrainingJobResult r) {
    if (s.running != null && s.running.jobId().equals(r.jobId())) {
      LOG.info("{} job {} ended {}: {}", kind, r.jobId(), r.outcome(), r.message());
      s.running = null;
    } else {
      LOG.info(
          "{} result of job {} ({}) is not for the running job ({}): ignored",
          kind,
          r.jobId(),
          r.outcome(),
          s.running == null ? "none" : s.running.jobId());
    }
  }

  /** Frees the kind when its running job has run {@code jobTimeout}; true when it did. */
  private boolean expire(AdapterKind kind, KindPolicy policy, KindState s, long now) {
    if (s.running != null && now - s.running.requestedAt() >= policy.jobTimeout().toMillis()) {
      LOG.warn(
          "{} job {} has had no result for {} (job timeout {}): no longer counted as running",
          kind,
          s.running.jobId(),
          Duration.ofMillis(now - s.running.requestedAt()),
          policy.jobTimeout());
      s.running = null;
      return true;
    }
    return false;
  }

  private void checkTimeouts() {
    long now = clock.millis();
    for (AdapterKind kind : config.enabledKinds()) {
      KindState s = states.get(kind.name());
      if (s != null && expire(kind, config.policy(kind), s, now)) {
        states.put(kind.name(), s);
        updateGauges(kind, s);
      }
    }
  }

  /** The request to emit now, or null; updates {@code s} when it fires. */
  private TrainingJobRequest decide(AdapterKind kind, KindPolicy policy, KindState s, long now) {
    if (s.running != null) {
      return null;
    }
    if (s.lastRequestEventTime != null
        && s.eventTime - s.lastRequestEventTime < policy.cooldown().toMillis()) {
      return null;
    }
    List<KindState.Window> evidence = new ArrayList<>();
    StringJoiner drifted = new StringJoiner(", ");
    for (Map.Entry<String, KindState.Series> e : s.series.entrySet()) {
      List<KindState.Window> all = e.getValue().recent;
      // At most N windows are kept; a smaller drift.n after a restart looks at the newest only.
      List<KindState.Window> recent =
          all.subList(Math.max(0, all.size() - policy.driftN()), all.size());
      List<KindState.Window> hits = recent.stream().filter(KindState.Window::drifted).toList();
      if (hits.size() >= policy.driftK()) {
        evidence.addAll(hits);
        drifted.add(
            e.getKey()
                + " drifted in "
                + hits.size()
                + " of the last "
                + recent.size()
                + " windows");
      }
    }
    String reason;
    if (!evidence.isEmpty() && s.pairsSinceRequest >= policy.minNewPairs()) {
      reason =
          drifted
              + "; "
              + s.pairsSinceRequest
              + " new labelled pairs (at least "
              + policy.minNewPairs()
              + ")";
    } else if (policy.pairsAlone() > 0 && s.pairsSinceRequest >= policy.pairsAlone()) {
      reason =
          s.pairsSinceRequest
              + " new labelled pairs since the last request (pairs-alone threshold "
              + policy.pairsAlone()
              + ")";
      evidence.clear();
    } else {
      return null;
    }
    evidence.sort(
        Comparator.comparingLong(KindState.Window::windowEnd)
            .thenComparing(KindState.Window::driftId));
    s.requests++;
    String jobId =
        UUID.nameUUIDFromBytes(
                (config.applicationId() + "/" + kind.name() + "/" + s.requests)
                    .getBytes(StandardCharsets.UTF_8))
            .toString();
    TrainingJobRequest request =
        new TrainingJobRequest(
            jobId,
            kind,
            reason,
            evidence.stream().map(KindState.Window::driftId).toList(),
            dataset(s),
            (int) Math.min(Integer.MAX_VALUE, s.pairsTotal),
            policy.embedder(),
            now);
    s.lastRequestEventTime = s.eventTime;
    s.running = new KindState.RunningJob(jobId, now, s.eventTime);
    s.pairsSinceRequest = 0;
    s.series.values().forEach(series -> series.recent.clear());
    LOG.info("Requesting {} job {}: {} (dataset {})", kind, jobId, reason, request.dataset());
    return request;
  }

  /** {@code topic@partition:offset,...}: exclusive end offsets of the feedback read so far. */
  private String dataset(KindState s) {
    StringJoiner positions = new StringJoiner(",", config.feedbackTopic() + "@", "");
    s.feedbackEnd.forEach((partition, end) -> positions.add(partition + ":" + end));
    return positions.toString();
  }

  private void updateGauges(AdapterKind kind, KindState s) {
    metrics.labelledPairs(kind, s.pairsSinceRequest);
    metrics.runningJobs(kind, s.running == null ? 0 : 1);
  }
}
