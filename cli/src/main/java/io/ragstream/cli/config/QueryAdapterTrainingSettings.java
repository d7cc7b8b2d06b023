package io.ragstream.cli.config;

import io.ragstream.core.error.ConfigException;
import io.ragstream.trainer.adapter.AdapterTrainingConfig;
import io.ragstream.trainer.adapter.AdapterTrainingConfig.Loss;
import io.ragstream.trainer.adapter.AdapterTrainingConfig.StopOn;
import java.util.List;
import java.util.Locale;

/**
 * The query adapter trainer's hyper-parameters as configuration keys {@code
 * training.query-adapter.*} (docs/query-adapter.md, "Hyper-parameters"): each key is one {@link
 * AdapterTrainingConfig} component, with its documented default when unset, so a deployment can run
 * what {@code ragstream bench adapter} measured (for example {@code loss: MIL_NCE}, {@code
 * identity-weight: 3}, {@code stop-on: NDCG}).
 */
public final class QueryAdapterTrainingSettings {
  /** The key prefix. */
  public static final String PREFIX = "training.query-adapter.";

  /** Every key {@link #from} reads. */
  public static final List<String> KEYS =
      List.of(
              "rank",
              "alpha",
              "temperature",
              "learning-rate",
              "weight-decay",
              "batch-size",
              "max-epochs",
              "patience",
              "hard-negatives",
              "pairs-per-query",
              "mine-negatives",
              "mine-once",
              "query-bias",
              "validate-every",
              "loss",
              "identity-weight",
              "stop-on",
              "time-budget",
              "seed")
          .stream()
          .map(k -> PREFIX + k)
          .toList();

  private QueryAdapterTrainingSettings() {}

  /**
   * Reads and validates the keys.
   *
   * @throws ConfigException naming the {@code training.query-adapter.*} key whose value is wrong
   */
  public static AdapterTrainingConfig from(Settings s) {
    AdapterTrainingConfig d = AdapterTrainingConfig.defaults();
    try {
      return d.withRank(s.integer(PREFIX + "rank", d.rank(), 1, 64), number(s, "alpha", d.alpha()))
          .withOptimizer(
              number(s, "temperature", d.temperature()),
              number(s, "learning-rate", d.learningRate()))
          .withSchedule(
              s.integer(PREFIX + "max-epochs", d.maxEpochs(), 1, 100_000),
              s.integer(PREFIX + "patience", d.patience(), 1, 100_000),
              choice(s, "stop-on", StopOn.class, d.stopOn()))
          .withNegatives(
              s.integer(PREFIX + "hard-negatives", d.hardNegatives(), 0, 1_000),
              s.integer(PREFIX + "batch-size", d.batchSize(), 2, 65_536))
          .withMining(
              s.bool(PREFIX + "mine-negatives", d.mineNegatives()),
              s.bool(PREFIX + "mine-once", d.mineOnce()))
          .withQueryBias(
              s.bool(PREFIX + "query-bias", d.queryBias()),
              s.integer(PREFIX + "validate-every", d.validateEvery(), 0, 1_000_000))
          .withLoss(
              choice(s, "loss", Loss.class, d.loss()),
              number(s, "identity-weight", d.identityWeight()),
              number(s, "weight-decay", d.weightDecay()))
          .withPairsPerQuery(s.integer(PREFIX + "pairs-per-query", d.pairsPerQuery(), 1, 100_000))
          .withBudget(
              s.duration(PREFIX + "time-budget", d.timeBudget()),
              Long.parseLong(s.string(PREFIX + "seed", Long.toString(d.seed())).strip()));
    } catch (ConfigException e) {
      if (e.key().startsWith("adapter.")) {
        // AdapterTrainingConfig names its own components; give the operator the config key.
        String key = PREFIX + e.key().substring("adapter.".length());
        throw new ConfigException(
            key, e.getMessage().substring(("config " + e.key() + ": ").length()));
      }
      throw e;
    } catch (NumberFormatException e) {
      throw s.fail(PREFIX + "seed", s.string(PREFIX + "seed", ""), "is not an integer");
    }
  }

  private static double number(Settings s, String name, double defaultValue) {
    String v = s.string(PREFIX + name, Double.toString(defaultValue)).strip();
    try {
      double d = Double.parseDouble(v);
      if (!Double.isFinite(d)) throw new NumberFormatException(v);
      return d;
    } catch (NumberFormatException e) {
      throw s.fail(PREFIX + name, v, "is not a number");
    }
  }

  private static <E extends Enum<E>> E choice(
      Settings s, String name, Class<E> type, E defaultValue) {
    String v = s.string(PREFIX + name, defaultValue.name()).strip();
    try {
      return Enum.valueOf(type, v.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw s.fail(
          PREFIX + name, v, "must be one of " + java.util.Arrays.toString(type.getEnumConstants()));
    }
  }
}
