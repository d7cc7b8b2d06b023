package io.ragstream.processors.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.processors.drift.DriftSettings;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class DriftOptionsTest {
  @Test
  void defaultsAreTheDocumentedSettings() {
    assertThat(DriftOptions.settings(new Configuration())).isEqualTo(DriftSettings.defaults());
  }

  @Test
  void readsEveryOption() {
    DriftSettings s =
        DriftOptions.settings(
            Configuration.fromMap(
                Map.of(
                    "ragstream.drift.window-size", "64",
                    "ragstream.drift.reference", "rolling",
                    "ragstream.drift.reference-size", "128",
                    "ragstream.drift.reference-sample-size", "128",
                    "ragstream.drift.permutations", "200",
                    "ragstream.drift.alpha", "0.05",
                    "ragstream.drift.mmd-threshold", "0.01",
                    "ragstream.drift.quality.feedback-window-size", "20",
                    "ragstream.drift.seed", "9")));
    assertThat(s.windowSize()).isEqualTo(64);
    assertThat(s.reference()).isEqualTo(DriftSettings.Reference.ROLLING);
    assertThat(s.referenceSize()).isEqualTo(128);
    assertThat(s.permutations()).isEqualTo(200);
    assertThat(s.alpha()).isEqualTo(0.05);
    assertThat(s.mmdThreshold()).isEqualTo(0.01);
    assertThat(s.feedbackWindowSize()).isEqualTo(20);
    assertThat(s.seed()).isEqualTo(9);
  }

  @Test
  void badValuesFailNamingTheOption() {
    assertThatThrownBy(() -> settings("ragstream.drift.reference", "sliding"))
        .hasMessage("ragstream.drift.reference must be initial or rolling, was 'sliding'");
    assertThatThrownBy(() -> settings("ragstream.drift.alpha", "1.5"))
        .hasMessage("ragstream.drift.alpha must be in (0, 1), was 1.5");
    assertThatThrownBy(() -> settings("ragstream.drift.window-size", "1"))
        .hasMessage("ragstream.drift.window-size must be >= 2, was 1");
    assertThatThrownBy(() -> settings("ragstream.drift.reference-size", "100"))
        .hasMessage(
            "ragstream.drift.reference-size must be >= ragstream.drift.reference-sample-size"
                + " (256), was 100");
    assertThatThrownBy(() -> settings("ragstream.drift.permutations", "many"))
        .hasMessageStartingWith("option ragstream.drift.permutations is malformed");
    assertThatThrownBy(() -> settings("ragstream.drift.quality.no-answer-increase", "2"))
        .hasMessage("ragstream.drift.quality.no-answer-increase must be in [0, 1], was 2.0");
  }

  private static DriftSettings settings(String key, String value) {
    return DriftOptions.settings(Configuration.fromMap(Map.of(key, value)));
  }
}
