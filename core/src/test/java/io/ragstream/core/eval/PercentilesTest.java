package io.ragstream.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PercentilesTest {

  @Test
  void nearestRankPicksAnObservedValue() {
    // n = 4, sorted {1, 2, 3, 4}: p50 rank ceil(0.5 * 4) = 2 -> 2; p99 rank ceil(3.96) = 4 -> 4;
    // p25 rank 1 -> 1; p0 -> the minimum.
    Percentiles p = Percentiles.of(4, 1, 3, 2);

    assertThat(p.p50()).isEqualTo(2.0);
    assertThat(p.p99()).isEqualTo(4.0);
    assertThat(p.percentile(25)).isEqualTo(1.0);
    assertThat(p.percentile(0)).isEqualTo(1.0);
    assertThat(p.percentile(100)).isEqualTo(4.0);
    assertThat(p.mean()).isEqualTo(2.5);
  }

  @Test
  void percentileRanksAreExactForIntegerPercentiles() {
    // values 1..100: p99 rank ceil(99 * 100 / 100) = 99 -> 99, not 100.
    // p7 rank 7 -> 7: computed as 7 / 100.0 * 100 the rank would be 7.000000000000001 -> 8.
    Percentiles p = Percentiles.of(IntStream.rangeClosed(1, 100).asDoubleStream().toArray());

    assertThat(p.p99()).isEqualTo(99.0);
    assertThat(p.percentile(7)).isEqualTo(7.0);
    assertThat(p.p50()).isEqualTo(50.0);
    assertThat(p.count()).isEqualTo(100);
  }

  @Test
  void singleValueIsEveryPercentile() {
    Percentiles p = Percentiles.of(List.of(7L));

    assertThat(p.p50()).isEqualTo(7.0);
    assertThat(p.p99()).isEqualTo(7.0);
  }

  @Test
  void rejectsEmptySamplesAndBadPercentiles() {
    assertThatThrownBy(Percentiles::of).hasMessageContaining("empty sample");
    assertThatThrownBy(() -> Percentiles.of(1, Double.NaN)).hasMessageContaining("NaN");
    assertThatThrownBy(() -> Percentiles.of(1).percentile(101)).hasMessageContaining("was 101");
  }
}
