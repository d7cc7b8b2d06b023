package io.ragstream.trainer.config;

import io.ragstream.core.error.ConfigException;
import io.ragstream.core.event.AdapterKind;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The trigger policy of one {@link AdapterKind}: when a drift series or new labelled pairs make the
 * trainer trigger request a training job of that kind. The rules are applied in the order given
 * here; docs/trainer-trigger.md explains them with examples.
 *
 * <p>Event time is the Kafka record timestamp of the input records (the drift job stamps its events
 * with the window end, the gateway with the time of the request); {@code warmUpDuration} and {@code
 * cooldown} are measured in it, so a replay of the same input decides the same. {@code jobTimeout}
 * is measured on the trigger's clock (processing time), because a job runs in real time.
 *
 * @param kind the adapter kind this policy is for
 * @param enabled whether this kind is trained at all; a disabled kind receives no input and never
 *     fires (key {@code trigger.<kind>.enabled})
 * @param warmUpWindows the first windows of each drift series (per drift kind and metric) that are
 *     ignored, {@code >= 0} ({@code trigger.<kind>.warm-up.windows})
 * @param warmUpDuration windows that start less than this after the first window of their series
 *     are ignored too; {@code >= 0} ({@code trigger.<kind>.warm-up.duration})
 * @param driftK how many of the last {@code driftN} counted windows of one series must be drifted
 *     to fire on drift, {@code 1 <= driftK <= driftN} ({@code trigger.<kind>.drift.k})
 * @param driftN the number of most recent counted windows of a series looked at, {@code 1..1000}
 *     ({@code trigger.<kind>.drift.n})
 * @param minNewPairs the labelled pairs that must have arrived since the last request before drift
 *     may fire, {@code >= 0} ({@code trigger.<kind>.min-new-pairs})
 * @param pairsAlone the number of new labelled pairs since the last request that fires without any
 *     drift; {@code 0} turns this rule off ({@code trigger.<kind>.pairs-alone})
 * @param cooldown the least event time between two requests of this kind, {@code >= 0} ({@code
 *     trigger.<kind>.cooldown})
 * @param jobTimeout how long a requested job counts as running when no result arrives, on the
 *     trigger's clock, {@code > 0} ({@code trigger.<kind>.job-timeout})
 * @param embedder the query embedder id put in the requests; required (not blank) for {@link
 *     AdapterKind#QUERY_ADAPTER}, {@code null} for other kinds ({@code trigger.<kind>.embedder})
 * @throws ConfigException naming the key ({@code trigger.query-adapter.drift.k}, ...) when a value
 *     breaks the rules above
 */
public record KindPolicy(
    AdapterKind kind,
    boolean enabled,
    int warmUpWindows,
    Duration warmUpDuration,
    int driftK,
    int driftN,
    int minNewPairs,
    int pairsAlone,
    Duration cooldown,
    Duration jobTimeout,
    String embedder) {

  /** Default {@code warm-up.windows}: the first two windows of a series are ignored. */
  public static final int DEFAULT_WARM_UP_WINDOWS = 2;

  /** Default {@code warm-up.duration}: none beyond the windows. */
  public static final Duration DEFAULT_WARM_UP_DURATION = Duration.ZERO;

  /** Default {@code drift.k}. */
  public static final int DEFAULT_DRIFT_K = 3;

  /** Default {@code drift.n}. */
  public static final int DEFAULT_DRIFT_N = 4;

  /** Default {@code min-new-pairs}. */
  public static final int DEFAULT_MIN_NEW_PAIRS = 50;

  /**
   * Default {@code pairs-alone}: 500 new labelled pairs fire on their own (SciFact's train qrels
   * hold 919 relevant pairs, so replaying them as feedback fires once).
   */
  public static final int DEFAULT_PAIRS_ALONE = 500;

  /** Default {@code cooldown}. */
  public static final Duration DEFAULT_COOLDOWN = Duration.ofHours(1);

  /** Default {@code job-timeout} of the in-process query adapter. */
  public static final Duration DEFAULT_QUERY_ADAPTER_JOB_TIMEOUT = Duration.ofMinutes(30);

  /** Default {@code job-timeout} of an external LLM LoRA job. */
  public static final Duration DEFAULT_LLM_LORA_JOB_TIMEOUT = Duration.ofHours(6);

  /** Default {@code embedder} of the query adapter: the platform's default query embedder. */
  public static final String DEFAULT_EMBEDDER = "bge-small-en-v1.5-q";

  /** Largest accepted {@code drift.n}. */
  public static final int MAX_DRIFT_N = 1_000;

  public KindPolicy {
    Objects.requireNonNull(kind, "kind");
    if (warmUpWindows < 0) {
      throw invalid(kind, "warm-up.windows", "must be >= 0, was " + warmUpWindows);
    }
    if (warmUpDuration == null || warmUpDuration.isNegative()) {
      throw invalid(kind, "warm-up.duration", "must be >= 0, was " + warmUpDuration);
    }
    if (driftN < 1 || driftN > MAX_DRIFT_N) {
      throw invalid(kind, "drift.n", "must be in 1.." + MAX_DRIFT_N + ", was " + driftN);
    }
    if (driftK < 1 || driftK > driftN) {
      throw invalid(kind, "drift.k", "must be in 1..drift.n (" + driftN + "), was " + driftK);
    }
    if (minNewPairs < 0) {
      throw invalid(kind, "min-new-pairs", "must be >= 0, was " + minNewPairs);
    }
    if (pairsAlone < 0) {
      throw invalid(kind, "pairs-alone", "must be >= 0 (0 = off), was " + pairsAlone);
    }
    if (cooldown == null || cooldown.isNegative()) {
      throw invalid(kind, "cooldown", "must be >= 0, was " + cooldown);
    }
    if (jobTimeout == null || jobTimeout.isNegative() || jobTimeout.isZero()) {
      throw invalid(kind, "job-timeout", "must be > 0, was " + jobTimeout);
    }
    if (kind == AdapterKind.QUERY_ADAPTER && (embedder == null || embedder.isBlank())) {
      throw invalid(kind, "embedder", "must name the query embedder, was '" + embedder + "'");
    }
    if (embedder != null && embedder.isBlank()) {
      throw invalid(kind, "embedder", "must not be blank");
    }
  }

  /**
   * The defaults of {@code kind}: the query adapter is enabled with {@link #DEFAULT_EMBEDDER}, the
   * LLM LoRA is disabled.
   */
  public static KindPolicy defaults(AdapterKind kind) {
    boolean query = kind == AdapterKind.QUERY_ADAPTER;
    return new KindPolicy(
        kind,
        query,
        DEFAULT_WARM_UP_WINDOWS,
        DEFAULT_WARM_UP_DURATION,
        DEFAULT_DRIFT_K,
        DEFAULT_DRIFT_N,
        DEFAULT_MIN_NEW_PAIRS,
        DEFAULT_PAIRS_ALONE,
        DEFAULT_COOLDOWN,
        query ? DEFAULT_QUERY_ADAPTER_JOB_TIMEOUT : DEFAULT_LLM_LORA_JOB_TIMEOUT,
        query ? DEFAULT_EMBEDDER : null);
  }

  /**
   * The config key prefix of {@code kind}: {@code trigger.query-adapter.}, {@code
   * trigger.llm-lora.}.
   */
  public static String keyPrefix(AdapterKind kind) {
    return TriggerConfig.PREFIX + kind.name().toLowerCase(Locale.ROOT).replace('_', '-') + ".";
  }

  /** A copy with {@code enabled} changed. */
  public KindPolicy withEnabled(boolean value) {
    return new KindPolicy(
        kind,
        value,
        warmUpWindows,
        warmUpDuration,
        driftK,
        driftN,
        minNewPairs,
        pairsAlone,
        cooldown,
        jobTimeout,
        embedder);
  }

  /** A copy with the warm-up changed. */
  public KindPolicy withWarmUp(int windows, Duration duration) {
    return new KindPolicy(
        kind,
        enabled,
        windows,
        duration,
        driftK,
        driftN,
        minNewPairs,
        pairsAlone,
        cooldown,
        jobTimeout,
        embedder);
  }

  /** A copy with K-of-N changed. */
  public KindPolicy withDriftKofN(int k, int n) {
    return new KindPolicy(
        kind,
        enabled,
        warmUpWindows,
        warmUpDuration,
        k,
        n,
        minNewPairs,
        pairsAlone,
        cooldown,
        jobTimeout,
        embedder);
  }

  /** A copy with the labelled-pair thresholds changed. */
  public KindPolicy withPairs(int minNew, int alone) {
    return new KindPolicy(
        kind,
        enabled,
        warmUpWindows,
        warmUpDuration,
        driftK,
        driftN,
        minNew,
        alone,
        cooldown,
        jobTimeout,
        embedder);
  }

  /** A copy with the cooldown and job timeout changed. */
  public KindPolicy withTimes(Duration newCooldown, Duration newJobTimeout) {
    return new KindPolicy(
        kind,
        enabled,
        warmUpWindows,
        warmUpDuration,
        driftK,
        driftN,
        minNewPairs,
        pairsAlone,
        newCooldown,
        newJobTimeout,
        embedder);
  }

  /** A copy with the embedder changed. */
  public KindPolicy withEmbedder(String value) {
    return new KindPolicy(
        kind,
        enabled,
        warmUpWindows,
        warmUpDuration,
        driftK,
        driftN,
        minNewPairs,
        pairsAlone,
        cooldown,
        jobTimeout,
        value);
  }

  private static ConfigException invalid(AdapterKind kind, String key, String message) {
    return new ConfigException(keyPrefix(kind) + key, message);
  }
}
