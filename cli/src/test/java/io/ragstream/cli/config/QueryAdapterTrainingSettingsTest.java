package io.ragstream.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.ConfigException;
import io.ragstream.trainer.adapter.AdapterTrainingConfig;
import io.ragstream.trainer.adapter.AdapterTrainingConfig.Loss;
import io.ragstream.trainer.adapter.AdapterTrainingConfig.StopOn;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QueryAdapterTrainingSettingsTest {
  private static AdapterTrainingConfig load(Map<String, String> flags) {
    return LocalConfig.from(Settings.load(null, Map.of(), flags, LocalConfig.KEYS))
        .retraining()
        .adapterTraining();
  }

  @Test
  void unsetKeysKeepTheDocumentedDefaults() {
    assertThat(load(Map.of())).isEqualTo(AdapterTrainingConfig.defaults());
  }

  @Test
  void everyKeySetsItsComponent() {
    AdapterTrainingConfig c =
        load(
            Map.ofEntries(
                Map.entry("training.query-adapter.rank", "16"),
                Map.entry("training.query-adapter.alpha", "32"),
                Map.entry("training.query-adapter.temperature", "0.1"),
                Map.entry("training.query-adapter.learning-rate", "3e-4"),
                Map.entry("training.query-adapter.weight-decay", "0.01"),
                Map.entry("training.query-adapter.batch-size", "64"),
                Map.entry("training.query-adapter.max-epochs", "20"),
                Map.entry("training.query-adapter.patience", "3"),
                Map.entry("training.query-adapter.hard-negatives", "0"),
                Map.entry("training.query-adapter.pairs-per-query", "64"),
                Map.entry("training.query-adapter.mine-negatives", "false"),
                Map.entry("training.query-adapter.mine-once", "true"),
                Map.entry("training.query-adapter.query-bias", "true"),
                Map.entry("training.query-adapter.validate-every", "13"),
                Map.entry("training.query-adapter.loss", "mil-nce"),
                Map.entry("training.query-adapter.identity-weight", "3"),
                Map.entry("training.query-adapter.stop-on", "ndcg"),
                Map.entry("training.query-adapter.time-budget", "40s"),
                Map.entry("training.query-adapter.seed", "7")));
    assertThat(c.rank()).isEqualTo(16);
    assertThat(c.alpha()).isEqualTo(32);
    assertThat(c.temperature()).isEqualTo(0.1);
    assertThat(c.learningRate()).isEqualTo(3e-4);
    assertThat(c.weightDecay()).isEqualTo(0.01);
    assertThat(c.batchSize()).isEqualTo(64);
    assertThat(c.maxEpochs()).isEqualTo(20);
    assertThat(c.patience()).isEqualTo(3);
    assertThat(c.hardNegatives()).isZero();
    assertThat(c.pairsPerQuery()).isEqualTo(64);
    assertThat(c.mineNegatives()).isFalse();
    assertThat(c.mineOnce()).isTrue();
    assertThat(c.queryBias()).isTrue();
    assertThat(c.validateEvery()).isEqualTo(13);
    assertThat(c.loss()).isEqualTo(Loss.MIL_NCE);
    assertThat(c.identityWeight()).isEqualTo(3);
    assertThat(c.stopOn()).isEqualTo(StopOn.NDCG);
    assertThat(c.timeBudget()).isEqualTo(Duration.ofSeconds(40));
    assertThat(c.seed()).isEqualTo(7);
  }

  @Test
  void badValuesNameTheirKey() {
    for (var bad :
        Map.of(
                "training.query-adapter.rank", "0",
                "training.query-adapter.alpha", "x",
                "training.query-adapter.temperature", "2",
                "training.query-adapter.loss", "hinge",
                "training.query-adapter.stop-on", "never",
                "training.query-adapter.identity-weight", "-1",
                "training.query-adapter.time-budget", "0s",
                "training.query-adapter.seed", "many",
                "training.query-adapter.validate-every", "-1")
            .entrySet()) {
      assertThatThrownBy(() -> load(Map.of(bad.getKey(), bad.getValue())))
          .as(bad.getKey())
          .isInstanceOfSatisfying(
              ConfigException.class, e -> assertThat(e.key()).isEqualTo(bad.getKey()))
          .hasMessageContaining(bad.getKey());
    }
  }

  @Test
  void theKeysAreDistributedServiceKeysToo() {
    assertThat(ServiceSettings.ALL_KEYS).contains("training.query-adapter.loss");
  }
}
