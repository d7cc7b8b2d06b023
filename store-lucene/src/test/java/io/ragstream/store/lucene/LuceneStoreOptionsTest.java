package io.ragstream.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LuceneStoreOptionsTest {

  @Test
  void defaultsAreAnseriniBm25AndCormackRrf() {
    LuceneStoreOptions options = LuceneStoreOptions.defaults();

    assertThat(options.bm25K1()).isEqualTo(0.9f);
    assertThat(options.bm25B()).isEqualTo(0.4f);
    assertThat(options.rrfK()).isEqualTo(60);
    assertThat(options.candidates()).isEqualTo(100);
    assertThat(options.dimension()).isZero();
  }

  @Test
  void rejectsInvalidValuesNamingTheParameter() {
    LuceneStoreOptions d = LuceneStoreOptions.defaults();
    assertThatThrownBy(() -> d.withDimension(-1)).hasMessageContaining("dimension");
    assertThatThrownBy(() -> d.withDimension(LuceneStoreOptions.MAX_DIMENSION + 1))
        .hasMessageContaining("dimension");
    assertThatThrownBy(() -> d.withRrfK(-1))
        .hasMessageContaining("rrfK")
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> d.withCandidates(0)).hasMessageContaining("candidates");
    assertThatThrownBy(() -> d.withCollapseOverfetch(0)).hasMessageContaining("collapseOverfetch");
    assertThatThrownBy(() -> d.withBm25(-0.1f, 0.4f)).hasMessageContaining("bm25K1");
    assertThatThrownBy(() -> d.withBm25(0.9f, 1.5f)).hasMessageContaining("bm25B");
    assertThatThrownBy(() -> d.withRamBufferMb(0)).hasMessageContaining("ramBufferMb");
    assertThatThrownBy(() -> d.withRrfK(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void withersChangeOnlyTheirValue() {
    LuceneStoreOptions options = LuceneStoreOptions.defaults().withDimension(384).withRrfK(10);

    assertThat(options.dimension()).isEqualTo(384);
    assertThat(options.rrfK()).isEqualTo(10);
    assertThat(options.candidates()).isEqualTo(LuceneStoreOptions.DEFAULT_CANDIDATES);
  }
}
