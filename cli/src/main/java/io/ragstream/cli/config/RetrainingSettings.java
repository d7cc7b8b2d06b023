package io.ragstream.cli.config;

import io.ragstream.trainer.adapter.AdapterTrainingConfig;
import io.ragstream.trainer.adapter.EvaluationGate;
import io.ragstream.trainer.config.KindPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Drift detection, the trainer trigger and the trainer of {@code ragstream local} (docs/drift.md,
 * docs/trainer-trigger.md, docs/query-adapter.md). All of it needs the gateway's events ({@code
 * gateway.events.enabled}).
 *
 * @param driftEnabled whether the drift job runs beside the indexing job ({@code drift.enabled},
 *     default true)
 * @param trainerEnabled whether the trigger and the trainer run ({@code trainer.enabled}, default
 *     true)
 * @param registryDir the query adapter registry ({@code trainer.registry-dir}, default {@code
 *     <data-dir>/adapters})
 * @param pairsAlone new labelled pairs that start a query adapter job without drift ({@code
 *     trigger.query-adapter.pairs-alone})
 * @param minNewPairs new labelled pairs a drift-started job needs ({@code
 *     trigger.query-adapter.min-new-pairs})
 * @param cooldown least time between two query adapter jobs ({@code
 *     trigger.query-adapter.cooldown})
 * @param gateMargin how much better a candidate's held-out nDCG@10 must be to be promoted ({@code
 *     trainer.gate-margin})
 * @param adapterTraining the query adapter trainer's hyper-parameters ({@code
 *     training.query-adapter.*}, {@link QueryAdapterTrainingSettings})
 */
public record RetrainingSettings(
    boolean driftEnabled,
    boolean trainerEnabled,
    Path registryDir,
    int pairsAlone,
    int minNewPairs,
    Duration cooldown,
    double gateMargin,
    AdapterTrainingConfig adapterTraining) {

  /** The keys {@link #from} reads. */
  public static final List<String> KEYS =
      java.util.stream.Stream.concat(
              java.util.stream.Stream.of(
                  "drift.enabled",
                  "trainer.enabled",
                  "trainer.registry-dir",
                  "trainer.gate-margin",
                  "trigger.query-adapter.pairs-alone",
                  "trigger.query-adapter.min-new-pairs",
                  "trigger.query-adapter.cooldown"),
              QueryAdapterTrainingSettings.KEYS.stream())
          .toList();

  /**
   * Reads and validates the keys.
   *
   * @throws io.ragstream.core.error.ConfigException naming the key whose value is wrong
   */
  public static RetrainingSettings from(Settings s, Path dataDir) {
    Duration cooldown = s.duration("trigger.query-adapter.cooldown", KindPolicy.DEFAULT_COOLDOWN);
    if (cooldown.isNegative()) {
      throw s.fail("trigger.query-adapter.cooldown", cooldown.toString(), "must not be negative");
    }
    String margin = s.string("trainer.gate-margin", Double.toString(EvaluationGate.DEFAULT_MARGIN));
    double gateMargin;
    try {
      gateMargin = Double.parseDouble(margin.strip());
    } catch (NumberFormatException e) {
      throw s.fail("trainer.gate-margin", margin, "is not a number");
    }
    if (!(gateMargin >= 0 && gateMargin < 1)) {
      throw s.fail("trainer.gate-margin", margin, "must be in [0, 1)");
    }
    return new RetrainingSettings(
        s.bool("drift.enabled", true),
        s.bool("trainer.enabled", true),
        Path.of(s.string("trainer.registry-dir", dataDir.resolve("adapters").toString()))
            .toAbsolutePath()
            .normalize(),
        s.integer(
            "trigger.query-adapter.pairs-alone", KindPolicy.DEFAULT_PAIRS_ALONE, 0, 100_000_000),
        s.integer(
            "trigger.query-adapter.min-new-pairs",
            KindPolicy.DEFAULT_MIN_NEW_PAIRS,
            0,
            100_000_000),
        cooldown,
        gateMargin,
        QueryAdapterTrainingSettings.from(s));
  }
}
