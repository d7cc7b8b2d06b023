package io.ragstream.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.store.Fusion;
import org.junit.jupiter.api.Test;

class LuceneStoreOptionsTest {

  @Test
  void defaultsAreAnseriniFlatBm25AndTunedConvexFusion() {
    LuceneStoreOptions options = LuceneStoreOptions.defaults();

    assertThat(options.bm25K1()).isEqualTo(0.9f);
    assertThat(options.bm25B()).isEqualTo(0.4f);
    assertThat(options.bm25Fields()).isEqualTo(Bm25Fields.FLAT);
    assertThat(options.fusion()).isEqualTo(Fusion.convex(0.6));
    assertThat(options.candidates()).isEqualTo(100);
    assertThat(options.dimension()).isZero();
  }

  @Test
  void rejectsInvalidValuesNamingTheParameter() {
    LuceneStoreOptions d = LuceneStoreOptions.defaults();
    assertThatThrownBy(() -> d.withDimension(-1)).hasMessageContaining("dimension");
    assertThatThrownBy(() -> d.withDimension(LuceneStoreOptions.MAX_DIMENSION + 1))
        .hasMessageContaining("dimension");
    assertThatThrownBy(() -> d.withFusion(null)).hasMessageContaining("fusion");
    assertThatThrownBy(() -> d.withCandidates(0)).hasMessageContaining("candidates");
    assertThatThrownBy(() -> d.withCollapseOverfetch(0)).hasMessageContaining("collapseOverfetch");
    assertThatThrownBy(() -> d.withBm25(-0.1f, 0.4f)).hasMessageContaining("bm25K1");
    assertThatThrownBy(() -> d.withBm25(0.9f, 1.5f)).hasMessageContaining("bm25B");
    assertThatThrownBy(() -> d.withBm25Fields(null)).hasMessageContaining("bm25Fields");
    assertThatThrownBy(() -> d.withRamBufferMb(0)).hasMessageContaining("ramBufferMb");
  }

  @Test
  void fusionValuesAreChecked() {
    assertThatThrownBy(() -> Fusion.rrf(-1)).hasMessageContaining("-1");
    assertThatThrownBy(() -> Fusion.convex(1.5)).hasMessageContaining("alpha");
    assertThatThrownBy(() -> Fusion.convex(Double.NaN)).hasMessageContaining("alpha");
  }

  @Test
  void withersChangeOnlyTheirValue() {
    LuceneStoreOptions options =
        LuceneStoreOptions.defaults().withDimension(384).withFusion(Fusion.convex(0.7));

    assertThat(options.dimension()).isEqualTo(384);
    assertThat(options.fusion()).isEqualTo(Fusion.convex(0.7));
    assertThat(options.candidates()).isEqualTo(LuceneStoreOptions.DEFAULT_CANDIDATES);
    assertThat(options.withBm25Fields(Bm25Fields.MULTIFIELD).bm25Fields())
        .isEqualTo(Bm25Fields.MULTIFIELD);
  }
}
