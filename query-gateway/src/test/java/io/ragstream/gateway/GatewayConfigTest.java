package io.ragstream.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.ConfigException;
import io.ragstream.core.store.SearchMode;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

  @Test
  void defaultsAreLoopbackPort8080AndHybridTopTen() {
    GatewayConfig c = GatewayConfig.defaults();

    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.maxBodyBytes()).isEqualTo(65_536);
    assertThat(c.defaultK()).isEqualTo(10);
    assertThat(c.maxK()).isEqualTo(100);
    assertThat(c.defaultMode()).isEqualTo(SearchMode.HYBRID);
  }

  @Test
  void allowsEphemeralPortAndMaxKUpToAThousandForEvaluation() {
    GatewayConfig c = GatewayConfig.defaults().withPort(0).withK(10, 1000);

    assertThat(c.port()).isZero();
    assertThat(c.maxK()).isEqualTo(1000);
  }

  @Test
  void rejectsBadValuesNamingTheKey() {
    GatewayConfig d = GatewayConfig.defaults();

    assertKey(() -> d.withHost(" "), "gateway.host");
    assertKey(() -> d.withPort(-1), "gateway.port");
    assertKey(() -> d.withPort(65_536), "gateway.port");
    assertKey(() -> d.withMaxBodyBytes(100), "gateway.max-body-bytes");
    assertKey(() -> d.withK(10, 1001), "gateway.max-k");
    assertKey(() -> d.withK(10, 0), "gateway.max-k");
    assertKey(() -> d.withK(0, 100), "gateway.default-k");
    assertKey(() -> d.withK(101, 100), "gateway.default-k");
    assertKey(() -> d.withDefaultMode(null), "gateway.default-mode");
  }

  private static void assertKey(Runnable build, String key) {
    assertThatThrownBy(build::run)
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo(key))
        .hasMessageContaining(key);
  }
}
