package io.ragstream.trainer.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.ConfigException;
import io.ragstream.trainer.adapter.AdapterTrainingConfig.Loss;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AdapterTrainingConfigTest {
  @Test
  void defaultsAreTheDocumentedConstants() {
    AdapterTrainingConfig c = AdapterTrainingConfig.defaults();
    assertThat(c.rank()).isEqualTo(AdapterTrainingConfig.DEFAULT_RANK);
    assertThat(c.temperature()).isEqualTo(AdapterTrainingConfig.DEFAULT_TEMPERATURE);
    assertThat(c.timeBudget()).isEqualTo(AdapterTrainingConfig.DEFAULT_TIME_BUDGET);
    assertThat(c.loss()).isEqualTo(Loss.INFO_NCE);
    assertThat(c.identityWeight()).isZero();
    assertThat(c.queryBias()).isFalse();
    assertThat(c.validateEvery()).isZero();
    assertThat(c.withQueryBias(true, 10).queryBias()).isTrue();
  }

  @Test
  void namesTheBadKeyAndValue() {
    AdapterTrainingConfig c = AdapterTrainingConfig.defaults();
    assertThatThrownBy(() -> c.withOptimizer(0, 1e-3))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config adapter.temperature: must be in (0, 1], was 0.0");
    assertThatThrownBy(() -> c.withRank(0, 1))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config adapter.rank: must be in [1, 64], was 0");
    assertThatThrownBy(() -> c.withBudget(Duration.ZERO, 1))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config adapter.time-budget: must be positive, was PT0S");
    assertThatThrownBy(() -> c.withNegatives(-1, 32))
        .hasMessage("config adapter.hard-negatives: must be >= 0, was -1");
    assertThatThrownBy(() -> c.withLoss(Loss.SUP_CON, -0.5, 0))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config adapter.identity-weight: must be >= 0, was -0.5");
    assertThatThrownBy(() -> c.withLoss(null, 0, 0))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config adapter.loss: must be one of INFO_NCE, SUP_CON, MIL_NCE, was null");
    assertThatThrownBy(() -> c.withQueryBias(true, -1))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config adapter.validate-every: must be >= 0, was -1");
  }
}
