package io.ragstream.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ragstream.core.model.PointId;
import io.ragstream.core.port.VectorStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The behaviour every {@link VectorStore} must show (the contract in its javadoc and DESIGN.md,
 * "VectorStore.apply"). An implementation's test extends this class and implements {@link
 * #createStore(Path)}; the store must take its vector dimension from the first upserted points or
 * be configured with {@value #DIM} (all vectors here are {@value #DIM}-d and unit length), and
 * accept points embedded by {@value #EMBEDDER}.
 *
 * <p>Each test gets a fresh, empty store in a fresh directory, and the store is closed after the
 * test. An embedded store (Lucene) runs it as a unit test; a server-backed store (Qdrant) runs it
 * as an integration test ({@code *IT}) against a real server, one fresh collection per directory.
 * Scores are compared with tolerances that float32 scores (Qdrant's wire format) meet.
 */
public abstract class VectorStoreContractTest {
  /** Dimension of every vector in these tests. */
  protected static final int DIM = 8;

  protected static final String EMBEDDER = "contract-test-embedder@1";

  /** The store's directory; the same one on {@link #reopen()}. */
  @TempDir protected Path storeDir;

  /** The store under test. */
  protected VectorStore store;

  /**
   * Opens the store persisted in {@code dir} (empty on the first call of a test; with the data
   * written before on {@link #reopen()}), with default options.
   */
  protected abstract VectorStore createStore(Path dir);

  @BeforeEach
  void openStore() {
    store = createStore(storeDir);
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  /** Closes the store and opens it again on the same directory. */
  protected void reopen() {
    store.close();
    store = null;
    store = createStore(storeDir);
  }

  // ------------------------------------------------------------------ upsert → searchable

  @Test
  void upsertedPointsAreSearchableByDenseVectorWithCosineScores() {
    ApplyResult first =
        store.apply(
            upsert(
                "doc-a",
                1,
                1_000,
                attrs("Fox facts", "acme", "everyone"),
                chunk("the quick brown fox", axis(0)),
                chunk("jumps over the lazy dog", axis(1))));
    store.apply(
        upsert(
            "doc-b",
            1,
            2_000,
            attrs("Physics", "acme", "everyone"),
            chunk("quantum chromodynamics on a lattice", mix(1, 2, 0.5))));

    assertThat(first).isEqualTo(new ApplyResult.Applied(2, 0));
    List<SearchHit> hits = dense(axis(1), 3);
    assertThat(pointIds(hits))
        .containsExactly(PointId.of("doc-a", 1), PointId.of("doc-b", 0), PointId.of("doc-a", 0));
    assertThat(hits.get(0).score()).isCloseTo(1.0, within(1e-4));
    assertThat(hits.get(1).score()).isCloseTo(0.5, within(1e-4));
    assertThat(hits.get(2).score()).isCloseTo(0.0, within(1e-4));
    SearchHit top = hits.get(0);
    assertThat(top.documentId()).isEqualTo("doc-a");
    assertThat(top.chunkIndex()).isEqualTo(1);
    assertThat(top.text()).isEqualTo("jumps over the lazy dog");
    assertThat(top.title()).isEqualTo("Fox facts");
    assertThat(top.version()).isEqualTo(1);
    assertThat(top.committedAt()).isEqualTo(1_000);
    assertThat(dense(axis(1), 1)).hasSize(1);
  }

  @Test
  void upsertedPointsAreSearchableByBm25OverTitleAndText() {
    store.apply(
        upsert(
            "doc-a",
            1,
            1_000,
            attrs("Fox facts", "acme", "everyone"),
            chunk("the quick brown fox", axis(0)),
            chunk("jumps over the lazy dog", axis(1))));
    store.apply(
        upsert(
            "doc-b",
            1,
            1_000,
            attrs("Physics", "acme", "everyone"),
            chunk("quantum chromodynamics on a lattice", axis(2))));

    List<SearchHit> lattice = bm25("lattice", 10);
    assertThat(pointIds(lattice)).containsExactly(PointId.of("doc-b", 0));
    assertThat(lattice.get(0).score()).isPositive();
    assertThat(lattice.get(0).text()).isEqualTo("quantum chromodynamics on a lattice");
    assertThat(pointIds(bm25("brown", 10))).containsExactly(PointId.of("doc-a", 0));
    // The title is indexed with every chunk of its document.
    assertThat(pointIds(bm25("facts", 10)))
        .containsExactlyInAnyOrder(PointId.of("doc-a", 0), PointId.of("doc-a", 1));
    assertThat(bm25("zeppelin", 10)).isEmpty();
  }

  @Test
  void hybridSearchFusesDenseAndBm25RanksWithReciprocalRankFusion() {
    // Dense order for axis(0): y, x, w1, w2, z. BM25 order for "fusion": z, x.
    store.apply(upsert("y", 1, 1, PUBLIC, chunk("plain words without the term", axis(0))));
    store.apply(
        upsert(
            "x",
            1,
            1,
            PUBLIC,
            chunk("fusion of rankings with several other words", mix(0, 1, 0.9))));
    store.apply(upsert("w1", 1, 1, PUBLIC, chunk("filler one", mix(0, 1, 0.8))));
    store.apply(upsert("w2", 1, 1, PUBLIC, chunk("filler two", mix(0, 1, 0.7))));
    store.apply(upsert("z", 1, 1, PUBLIC, chunk("fusion fusion fusion", mix(0, 1, 0.1))));

    assertThat(documentIds(dense(axis(0), 5))).containsExactly("y", "x", "w1", "w2", "z");
    assertThat(documentIds(bm25("fusion", 5))).containsExactly("z", "x");
    List<SearchHit> hybrid = rrf("fusion", axis(0), 5);
    // x is second in both lists: 2/62 beats z (1/61 + 1/65) and y (1/61).
    assertThat(documentIds(hybrid)).hasSize(5).startsWith("x", "z", "y");
    // 1e-6: float32 scores are within 2e-9 here; neighbouring ranks differ by > 2e-4.
    assertThat(hybrid.get(0).score()).isCloseTo(2.0 / 62, within(1e-6));
    assertThat(hybrid.get(1).score()).isCloseTo(1.0 / 61 + 1.0 / 65, within(1e-6));
    assertThat(hybrid.get(2).score()).isCloseTo(1.0 / 61, within(1e-6));
    assertThat(rrf("fusion", axis(0), 2)).hasSize(2);
  }

  // ------------------------------------------------------------------ idempotency, versions

  @Test
  void replayingTheSameUpsertIsIdempotent() {
    DocumentUpdate.Upsert update =
        upsert(
            "doc-a",
            3,
            1_000,
            PUBLIC,
            chunk("the quick brown fox", axis(0)),
            chunk("the lazy dog", axis(1)));
    store.apply(upsert("doc-b", 1, 1_000, PUBLIC, chunk("a fox den", mix(0, 2, 0.6))));
    assertThat(store.apply(update)).isEqualTo(new ApplyResult.Applied(2, 0));
    IndexStats statsBefore = store.stats();
    List<SearchHit> denseBefore = dense(axis(0), 10);
    List<SearchHit> bm25Before = bm25("fox", 10);

    assertThat(store.apply(update)).isEqualTo(new ApplyResult.Stale(3));

    assertThat(store.stats().points()).isEqualTo(3).isEqualTo(statsBefore.points());
    assertThat(store.stats().documents()).isEqualTo(2);
    assertThat(dense(axis(0), 10)).isEqualTo(denseBefore);
    assertThat(bm25("fox", 10)).isEqualTo(bm25Before);
    assertThat(store.version("doc-a")).isEqualTo(3);
  }

  @Test
  void olderOrEqualVersionIsStaleAndChangesNothing() {
    store.apply(upsert("doc-a", 5, 1_000, PUBLIC, chunk("alpha", axis(0))));

    assertThat(store.apply(upsert("doc-a", 3, 2_000, PUBLIC, chunk("beta", axis(1)))))
        .isEqualTo(new ApplyResult.Stale(5));
    assertThat(store.apply(upsert("doc-a", 5, 2_000, PUBLIC, chunk("gamma", axis(2)))))
        .isEqualTo(new ApplyResult.Stale(5));

    assertThat(store.version("doc-a")).isEqualTo(5);
    assertThat(bm25("beta", 10)).isEmpty();
    assertThat(bm25("gamma", 10)).isEmpty();
    List<SearchHit> alpha = bm25("alpha", 10);
    assertThat(alpha)
        .singleElement()
        .satisfies(
            hit -> {
              assertThat(hit.version()).isEqualTo(5);
              assertThat(hit.committedAt()).isEqualTo(1_000);
            });
  }

  @Test
  void versionIsMinusOneForUnknownDocumentAndFollowsAppliedUpdates() {
    assertThat(store.version("never-seen")).isEqualTo(-1);
    store.apply(upsert("doc-a", 7, 1_000, PUBLIC, chunk("text", axis(0))));
    assertThat(store.version("doc-a")).isEqualTo(7);
    store.apply(upsert("doc-a", 9, 1_000, PUBLIC, chunk("text", axis(0))));
    assertThat(store.version("doc-a")).isEqualTo(9);
    assertThat(store.version("never-seen")).isEqualTo(-1);
  }

  @Test
  void upsertWithFewerChunksRemovesTheSurplusChunks() {
    store.apply(
        upsert(
            "doc-a",
            1,
            1_000,
            PUBLIC,
            chunk("one apple", axis(0)),
            chunk("two banana", axis(1)),
            chunk("three cherry", axis(2))));

    ApplyResult result =
        store.apply(upsert("doc-a", 2, 2_000, PUBLIC, chunk("one apricot", axis(0))));

    assertThat(result).isEqualTo(new ApplyResult.Applied(1, 2));
    assertThat(store.stats().points()).isEqualTo(1);
    assertThat(bm25("banana", 10)).isEmpty();
    assertThat(bm25("cherry", 10)).isEmpty();
    List<SearchHit> all = dense(axis(2), 10);
    assertThat(all)
        .singleElement()
        .satisfies(
            hit -> {
              assertThat(hit.pointId()).isEqualTo(PointId.of("doc-a", 0));
              assertThat(hit.text()).isEqualTo("one apricot");
              assertThat(hit.version()).isEqualTo(2);
            });
  }

  @Test
  void upsertWithoutPointsKeepsTheVersionAndRemovesEveryPoint() {
    store.apply(
        upsert("doc-a", 1, 1_000, PUBLIC, chunk("some body", axis(0)), chunk("more", axis(1))));

    assertThat(store.apply(upsert("doc-a", 2, 2_000, PUBLIC)))
        .isEqualTo(new ApplyResult.Applied(0, 2));

    assertThat(store.version("doc-a")).isEqualTo(2);
    assertThat(dense(axis(0), 10)).isEmpty();
    IndexStats stats = store.stats();
    assertThat(stats.documents()).isEqualTo(1);
    assertThat(stats.points()).isZero();
    assertThat(stats.tombstones()).isZero();
  }

  // ------------------------------------------------------------------ deletes, tombstones

  @Test
  void deleteRemovesEveryPointAndLeavesATombstone() {
    store.apply(
        upsert(
            "doc-a",
            2,
            1_000,
            PUBLIC,
            chunk("doomed words", axis(0)),
            chunk("more doomed words", axis(1))));
    store.apply(upsert("doc-b", 1, 1_000, PUBLIC, chunk("survivor", mix(0, 2, 0.5))));

    assertThat(store.apply(new DocumentUpdate.Delete("doc-a", 3, 2_000)))
        .isEqualTo(new ApplyResult.Applied(0, 2));

    assertThat(documentIds(dense(axis(0), 10))).containsExactly("doc-b");
    assertThat(bm25("doomed", 10)).isEmpty();
    assertThat(store.version("doc-a")).isEqualTo(3);
    IndexStats stats = store.stats();
    assertThat(stats.documents()).isEqualTo(1);
    assertThat(stats.points()).isEqualTo(1);
    assertThat(stats.tombstones()).isEqualTo(1);
  }

  @Test
  void olderUpsertAfterDeleteIsStaleAndDoesNotResurrect() {
    DocumentUpdate.Upsert original = upsert("doc-a", 2, 1_000, PUBLIC, chunk("ghost", axis(0)));
    store.apply(original);
    store.apply(new DocumentUpdate.Delete("doc-a", 3, 2_000));

    assertThat(store.apply(original)).isEqualTo(new ApplyResult.Stale(3));
    assertThat(store.apply(upsert("doc-a", 3, 1_500, PUBLIC, chunk("ghost", axis(0)))))
        .isEqualTo(new ApplyResult.Stale(3));

    assertThat(bm25("ghost", 10)).isEmpty();
    assertThat(dense(axis(0), 10)).isEmpty();
    assertThat(store.version("doc-a")).isEqualTo(3);
  }

  @Test
  void newerUpsertAfterDeleteResurrectsTheDocument() {
    store.apply(upsert("doc-a", 2, 1_000, PUBLIC, chunk("first life", axis(0))));
    store.apply(new DocumentUpdate.Delete("doc-a", 3, 2_000));

    assertThat(store.apply(upsert("doc-a", 4, 3_000, PUBLIC, chunk("phoenix rises", axis(1)))))
        .isEqualTo(new ApplyResult.Applied(1, 0));

    assertThat(bm25("phoenix", 10))
        .singleElement()
        .satisfies(hit -> assertThat(hit.version()).isEqualTo(4));
    assertThat(bm25("first", 10)).isEmpty();
    assertThat(store.version("doc-a")).isEqualTo(4);
    IndexStats stats = store.stats();
    assertThat(stats.documents()).isEqualTo(1);
    assertThat(stats.tombstones()).isZero();
    assertThat(stats.points()).isEqualTo(1);
  }

  @Test
  void deleteOfUnknownDocumentLeavesATombstoneThatBlocksOlderUpserts() {
    assertThat(store.apply(new DocumentUpdate.Delete("doc-late", 7, 1_000)))
        .isEqualTo(new ApplyResult.Applied(0, 0));

    assertThat(store.version("doc-late")).isEqualTo(7);
    assertThat(store.stats().tombstones()).isEqualTo(1);
    assertThat(store.apply(upsert("doc-late", 6, 900, PUBLIC, chunk("late arrival", axis(0)))))
        .isEqualTo(new ApplyResult.Stale(7));
    assertThat(bm25("arrival", 10)).isEmpty();
  }

  @Test
  void olderDeleteIsStaleAndKeepsThePoints() {
    store.apply(upsert("doc-a", 5, 1_000, PUBLIC, chunk("still here", axis(0))));

    assertThat(store.apply(new DocumentUpdate.Delete("doc-a", 4, 900)))
        .isEqualTo(new ApplyResult.Stale(5));

    assertThat(bm25("still", 10)).hasSize(1);
    assertThat(store.stats().tombstones()).isZero();
  }

  // ------------------------------------------------------------------ attribute updates

  @Test
  void updateAttributesChangesTenantAclAndTitleButKeepsTheVectors() {
    store.apply(
        upsert(
            "doc-a",
            1,
            1_000,
            attrs("Original heading", "acme", "alice"),
            chunk("apples grow on trees", mix(0, 1, 0.9)),
            chunk("pears grow too", mix(0, 2, 0.6))));
    store.apply(
        upsert(
            "doc-b",
            1,
            1_000,
            attrs("Other", "acme", "alice"),
            chunk("bananas are yellow", mix(0, 3, 0.8))));
    List<SearchHit> before = dense(axis(0), 10);

    ApplyResult result =
        store.apply(
            new DocumentUpdate.UpdateAttributes(
                "doc-a", 2, 2_000, attrs("Renamed heading", "globex", "bob")));

    assertThat(result).isEqualTo(new ApplyResult.Applied(2, 0));
    List<SearchHit> after = dense(axis(0), 10);
    assertThat(pointIds(after)).isEqualTo(pointIds(before));
    for (int i = 0; i < after.size(); i++) {
      assertThat(after.get(i).score()).isCloseTo(before.get(i).score(), within(1e-6));
      assertThat(after.get(i).text()).isEqualTo(before.get(i).text());
    }
    assertThat(after.stream().filter(h -> h.documentId().equals("doc-a")))
        .hasSize(2)
        .allSatisfy(
            hit -> {
              assertThat(hit.title()).isEqualTo("Renamed heading");
              assertThat(hit.version()).isEqualTo(2);
              assertThat(hit.committedAt()).isEqualTo(2_000);
            });
    assertThat(store.version("doc-a")).isEqualTo(2);
    assertThat(
            documentIds(
                search(
                    SearchMode.DENSE,
                    "q",
                    axis(0),
                    10,
                    new SearchFilter("acme", Set.of("alice")),
                    false)))
        .containsExactly("doc-b");
    assertThat(
            documentIds(
                search(
                    SearchMode.DENSE,
                    "q",
                    axis(0),
                    10,
                    new SearchFilter("globex", Set.of("bob")),
                    false)))
        .containsExactly("doc-a", "doc-a");
    assertThat(documentIds(bm25("renamed", 10))).containsExactly("doc-a", "doc-a");
    assertThat(bm25("original", 10)).isEmpty();
    assertThat(store.stats().points()).isEqualTo(3);
  }

  @Test
  void staleUpdateAttributesChangesNothing() {
    store.apply(
        upsert("doc-a", 2, 1_000, attrs("Kept title", "acme", "alice"), chunk("text", axis(0))));

    assertThat(
            store.apply(
                new DocumentUpdate.UpdateAttributes(
                    "doc-a", 2, 2_000, attrs("Lost title", "acme", "alice"))))
        .isEqualTo(new ApplyResult.Stale(2));

    assertThat(dense(axis(0), 1).get(0).title()).isEqualTo("Kept title");
  }

  @Test
  void updateAttributesOfUnknownOrDeletedDocumentChangesNothing() {
    assertThat(
            store.apply(
                new DocumentUpdate.UpdateAttributes(
                    "never-seen", 1, 1_000, attrs("T", "acme", "alice"))))
        .isEqualTo(new ApplyResult.Applied(0, 0));
    assertThat(store.version("never-seen")).isEqualTo(-1);

    store.apply(upsert("doc-a", 1, 1_000, PUBLIC, chunk("erased words", axis(0))));
    store.apply(new DocumentUpdate.Delete("doc-a", 3, 2_000));
    assertThat(
            store.apply(
                new DocumentUpdate.UpdateAttributes(
                    "doc-a", 4, 3_000, attrs("T", "acme", "alice"))))
        .isEqualTo(new ApplyResult.Applied(0, 0));

    assertThat(store.version("doc-a")).isEqualTo(3);
    assertThat(bm25("erased", 10)).isEmpty();
    assertThat(store.stats())
        .satisfies(
            stats -> {
              assertThat(stats.documents()).isZero();
              assertThat(stats.points()).isZero();
              assertThat(stats.tombstones()).isEqualTo(1);
            });
  }

  // ------------------------------------------------------------------ filters

  /** d1 acme [alice, eng]; d2 acme [bob]; d3 globex [alice]; d4 acme [] (no acl). */
  private void applyFilterFixture() {
    store.apply(
        upsert(
            "d1",
            1,
            1,
            attrs("Shared", "acme", "alice", "eng"),
            chunk("shared report alpha", mix(0, 1, 0.9))));
    store.apply(
        upsert(
            "d2",
            1,
            1,
            attrs("Shared", "acme", "bob"),
            chunk("shared report beta", mix(0, 1, 0.8))));
    store.apply(
        upsert(
            "d3",
            1,
            1,
            attrs("Shared", "globex", "alice"),
            chunk("shared report gamma", mix(0, 1, 0.7))));
    store.apply(upsert("d4", 1, 1, attrs("Shared", "acme"), chunk("shared report delta", axis(0))));
  }

  private Set<String> visibleDocuments(SearchMode mode, SearchFilter filter) {
    return Set.copyOf(documentIds(search(mode, "shared report", axis(0), 10, filter, false)));
  }

  @ParameterizedTest
  @EnumSource(SearchMode.class)
  void filterKeepsChunksOfTheTenantThatShareAPrincipal(SearchMode mode) {
    applyFilterFixture();

    assertThat(visibleDocuments(mode, new SearchFilter("acme", Set.of("alice"))))
        .containsExactly("d1");
    assertThat(visibleDocuments(mode, new SearchFilter("acme", Set.of("eng", "bob"))))
        .containsExactlyInAnyOrder("d1", "d2");
    assertThat(visibleDocuments(mode, new SearchFilter("globex", Set.of("alice"))))
        .containsExactly("d3");
    assertThat(visibleDocuments(mode, new SearchFilter("globex", Set.of("bob")))).isEmpty();
    assertThat(visibleDocuments(mode, new SearchFilter("acme", Set.of("carol")))).isEmpty();
    assertThat(visibleDocuments(mode, new SearchFilter("initech", Set.of("alice")))).isEmpty();
    assertThat(visibleDocuments(mode, new SearchFilter(null, Set.of("alice"))))
        .containsExactlyInAnyOrder("d1", "d3");
  }

  @ParameterizedTest
  @EnumSource(SearchMode.class)
  void chunkWithoutAclIsInvisibleToEveryPrincipalFilter(SearchMode mode) {
    applyFilterFixture();

    Set<String> everyone = Set.of("alice", "bob", "eng", "carol", "everyone", "*", "");
    assertThat(visibleDocuments(mode, new SearchFilter("acme", everyone)))
        .containsExactlyInAnyOrder("d1", "d2");
    assertThat(visibleDocuments(mode, new SearchFilter(null, everyone)))
        .containsExactlyInAnyOrder("d1", "d2", "d3");
  }

  @ParameterizedTest
  @EnumSource(SearchMode.class)
  void emptyPrincipalSetSeesNothing(SearchMode mode) {
    applyFilterFixture();

    assertThat(visibleDocuments(mode, new SearchFilter("acme", Set.of()))).isEmpty();
    assertThat(visibleDocuments(mode, new SearchFilter(null, Set.of()))).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(SearchMode.class)
  void noFilterSeesEveryChunk(SearchMode mode) {
    applyFilterFixture();
    store.apply(
        upsert(
            "d5",
            1,
            1,
            new DocumentAttributes(null, null, null, null),
            chunk("shared report epsilon", mix(0, 1, 0.5))));

    assertThat(visibleDocuments(mode, SearchFilter.NONE))
        .containsExactlyInAnyOrder("d1", "d2", "d3", "d4", "d5");
  }

  // ------------------------------------------------------------------ collapsing

  @Test
  void collapseDocumentsReturnsEachDocumentOnceRankedByItsBestChunk() {
    store.apply(
        upsert(
            "A",
            1,
            1,
            PUBLIC,
            chunk("a0", mix(0, 1, 0.9)),
            chunk("a1", axis(0)),
            chunk("a2", mix(0, 1, 0.8))));
    store.apply(upsert("B", 1, 1, PUBLIC, chunk("b0", mix(0, 2, 0.95))));
    store.apply(upsert("C", 1, 1, PUBLIC, chunk("c0", mix(0, 3, 0.5))));

    assertThat(pointIds(dense(axis(0), 3)))
        .containsExactly(PointId.of("A", 1), PointId.of("B", 0), PointId.of("A", 0));
    List<SearchHit> collapsed = search(SearchMode.DENSE, "q", axis(0), 3, SearchFilter.NONE, true);
    assertThat(pointIds(collapsed))
        .containsExactly(PointId.of("A", 1), PointId.of("B", 0), PointId.of("C", 0));
    assertThat(collapsed.get(0).score()).isCloseTo(1.0, within(1e-4));
    assertThat(collapsed.get(1).score()).isCloseTo(0.95, within(1e-4));
    assertThat(documentIds(search(SearchMode.DENSE, "q", axis(0), 2, SearchFilter.NONE, true)))
        .containsExactly("A", "B");
  }

  @ParameterizedTest
  @EnumSource(SearchMode.class)
  void collapseStillReturnsKDocumentsWhenOneDocumentFillsTheTop(SearchMode mode) {
    ChunkSpec[] many = new ChunkSpec[12];
    for (int i = 0; i < many.length; i++) {
      many[i] = chunk("kiwi kiwi kiwi", mix(0, 1, 0.99 - i * 0.01));
    }
    store.apply(upsert("A", 1, 1, PUBLIC, many));
    store.apply(upsert("B", 1, 1, PUBLIC, chunk("kiwi kiwi", mix(0, 1, 0.5))));
    store.apply(upsert("C", 1, 1, PUBLIC, chunk("kiwi fruit", mix(0, 1, 0.4))));
    store.apply(upsert("D", 1, 1, PUBLIC, chunk("kiwi fruit salad bowl", mix(0, 1, 0.3))));

    List<SearchHit> hits = search(mode, "kiwi", axis(0), 3, SearchFilter.NONE, true);

    assertThat(documentIds(hits)).containsExactly("A", "B", "C");
    assertThat(search(mode, "kiwi", axis(0), 10, SearchFilter.NONE, true))
        .extracting(SearchHit::documentId)
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrder("A", "B", "C", "D");
  }

  // ------------------------------------------------------------------ stats, freshness

  @Test
  void statsCountDocumentsPointsTombstonesAndCommitTimes() {
    assertThat(store.stats()).isEqualTo(new IndexStats(0, 0, 0, 0, 0));
    long before = System.currentTimeMillis();

    store.apply(upsert("A", 1, 1_000, PUBLIC, chunk("a0", axis(0)), chunk("a1", axis(1))));
    store.apply(upsert("B", 1, 3_000, PUBLIC, chunk("b0", axis(2))));
    store.apply(upsert("C", 1, 2_000, PUBLIC, chunk("c0", axis(3))));
    store.apply(new DocumentUpdate.Delete("C", 2, 2_500));
    long after = System.currentTimeMillis();

    IndexStats stats = store.stats();
    assertThat(stats.documents()).isEqualTo(2);
    assertThat(stats.points()).isEqualTo(3);
    assertThat(stats.tombstones()).isEqualTo(1);
    assertThat(stats.lastCommittedAt()).isEqualTo(3_000);
    assertThat(stats.lastAppliedAt()).isBetween(before, after);

    // A stale update moves neither clock.
    assertThat(store.apply(upsert("A", 1, 9_999, PUBLIC, chunk("a0", axis(0)))))
        .isInstanceOf(ApplyResult.Stale.class);
    assertThat(store.stats()).isEqualTo(stats);
  }

  @Test
  void appliedUpdatesAreVisibleToSearchWhenApplyReturns() {
    for (int i = 0; i < 25; i++) {
      String id = "doc-" + i;
      store.apply(upsert(id, i + 1, i, PUBLIC, chunk("marker" + i + " words", axis(i % DIM))));
      assertThat(bm25("marker" + i, 10))
          .singleElement()
          .satisfies(hit -> assertThat(hit.documentId()).isEqualTo(id));
      assertThat(store.version(id)).isEqualTo(i + 1);
      assertThat(store.stats().points()).isEqualTo(i + 1);
    }
    store.apply(new DocumentUpdate.Delete("doc-3", 100, 100));
    assertThat(bm25("marker3", 10)).isEmpty();
  }

  // ------------------------------------------------------------------ persistence

  @Test
  void dataSurvivesCloseAndReopenAfterFlush() {
    store.apply(
        upsert(
            "A",
            3,
            5_000,
            attrs("Alpha", "acme", "alice"),
            chunk("persistent apples", axis(0)),
            chunk("persistent pears", mix(0, 1, 0.5))));
    store.apply(
        upsert(
            "B",
            1,
            4_000,
            attrs("Beta", "acme", "alice"),
            chunk("durable bananas", mix(0, 2, 0.7))));
    store.apply(
        new DocumentUpdate.UpdateAttributes(
            "B", 2, 6_000, attrs("Renamed", "acme", "alice", "bob")));
    store.apply(upsert("C", 8, 1_000, PUBLIC, chunk("soon deleted", axis(3))));
    store.apply(new DocumentUpdate.Delete("C", 9, 7_000));
    store.flush();
    IndexStats statsBefore = store.stats();
    List<SearchHit> denseBefore = dense(axis(0), 10);
    List<SearchHit> bm25Before = bm25("persistent", 10);

    reopen();

    IndexStats stats = store.stats();
    assertThat(stats.documents()).isEqualTo(2).isEqualTo(statsBefore.documents());
    assertThat(stats.points()).isEqualTo(3);
    assertThat(stats.tombstones()).isEqualTo(1);
    assertThat(stats.lastCommittedAt()).isEqualTo(7_000);
    assertThat(store.version("A")).isEqualTo(3);
    assertThat(store.version("B")).isEqualTo(2);
    assertThat(store.version("C")).isEqualTo(9);
    List<SearchHit> denseAfter = dense(axis(0), 10);
    assertThat(pointIds(denseAfter)).isEqualTo(pointIds(denseBefore));
    assertThat(denseAfter)
        .extracting(SearchHit::title)
        .isEqualTo(denseBefore.stream().map(SearchHit::title).collect(Collectors.toList()))
        .contains("Renamed");
    assertThat(pointIds(bm25("persistent", 10))).isEqualTo(pointIds(bm25Before)).hasSize(2);
    assertThat(
            documentIds(
                search(
                    SearchMode.DENSE,
                    "q",
                    axis(0),
                    10,
                    new SearchFilter("acme", Set.of("bob")),
                    false)))
        .containsExactly("B");
    // The version guard and the tombstone survive too.
    assertThat(store.apply(upsert("C", 8, 1_000, PUBLIC, chunk("soon deleted", axis(3)))))
        .isEqualTo(new ApplyResult.Stale(9));
    assertThat(store.apply(upsert("A", 3, 5_000, PUBLIC, chunk("x", axis(0)))))
        .isEqualTo(new ApplyResult.Stale(3));
  }

  // ------------------------------------------------------------------ tombstone retention

  @Test
  void purgeTombstonesRemovesOnlyTombstonesDeletedBeforeTheCutoff() throws Exception {
    store.apply(upsert("old", 1, 1_000, PUBLIC, chunk("old text", axis(0))));
    store.apply(new DocumentUpdate.Delete("old", 2, 2_000));
    store.apply(upsert("kept", 1, 1_000, PUBLIC, chunk("kept text", axis(1))));
    Thread.sleep(20);
    long cutoff = System.currentTimeMillis();
    Thread.sleep(20);
    store.apply(new DocumentUpdate.Delete("recent", 5, 3_000));

    assertThat(store.purgeTombstones(cutoff)).isEqualTo(1);

    assertThat(store.version("old")).as("forgotten").isEqualTo(-1);
    assertThat(store.document("old")).isEmpty();
    assertThat(store.version("recent")).as("younger than the cutoff").isEqualTo(5);
    assertThat(store.version("kept")).as("live documents are never purged").isEqualTo(1);
    assertThat(store.stats().tombstones()).isEqualTo(1);
    assertThat(store.purgeTombstones(cutoff)).isZero();
    // Once forgotten, the document can be written again at any version.
    assertThat(store.apply(upsert("old", 1, 4_000, PUBLIC, chunk("old text", axis(0)))))
        .isEqualTo(new ApplyResult.Applied(1, 0));
  }

  // ------------------------------------------------------------------ document listing

  @Test
  void documentShowsStateAndPointsOfLiveTombstonedAndUnknownDocuments() {
    DocumentUpdate.Upsert a =
        upsert(
            "A",
            4,
            5_000,
            attrs("Alpha", "acme", "alice", "bob"),
            chunk("first apples", axis(0)),
            chunk("then pears", axis(1)));
    store.apply(a);
    store.apply(upsert("C", 8, 1_000, PUBLIC, chunk("soon deleted", axis(3))));
    store.apply(new DocumentUpdate.Delete("C", 9, 7_000));

    IndexedDocument live = store.document("A").orElseThrow();
    assertThat(live.status()).isEqualTo(IndexedDocument.Status.LIVE);
    assertThat(live.version()).isEqualTo(4);
    assertThat(live.committedAt()).isEqualTo(5_000);
    assertThat(live.contentHash()).isEqualTo(a.contentHash());
    assertThat(live.chunkCount()).isEqualTo(2);
    assertThat(live.points())
        .extracting(IndexedDocument.StoredPoint::chunkIndex)
        .containsExactly(0, 1);
    assertThat(live.points())
        .allSatisfy(
            p -> {
              assertThat(p.version()).isEqualTo(4);
              assertThat(p.chunkCount()).isEqualTo(2);
              assertThat(p.contentHash()).isEqualTo(a.contentHash());
              assertThat(p.attributes().tenant()).isEqualTo("acme");
              assertThat(p.attributes().title()).isEqualTo("Alpha");
              assertThat(p.attributes().acl()).containsExactlyInAnyOrder("alice", "bob");
              assertThat(p.attributes().metadata()).containsEntry("source", "contract-test");
            });

    IndexedDocument deleted = store.document("C").orElseThrow();
    assertThat(deleted.status()).isEqualTo(IndexedDocument.Status.TOMBSTONE);
    assertThat(deleted.version()).isEqualTo(9);
    assertThat(deleted.points()).isEmpty();
    assertThat(deleted.contentHash()).isNull();

    assertThat(store.document("never-seen")).isEmpty();
  }

  @Test
  void vectorsReturnsTheStoredChunkVectorsInChunkOrderAndNothingForDeletedOrUnknownDocuments() {
    float[] notUnit = new float[DIM];
    notUnit[2] = 3f;
    notUnit[5] = 4f;
    store.apply(
        upsert(
            "A",
            1,
            1_000,
            PUBLIC,
            chunk("first", mix(0, 1, 0.6)),
            chunk("second", axis(3)),
            chunk("third", notUnit)));
    store.apply(upsert("B", 1, 1_000, PUBLIC, chunk("only", axis(4))));
    store.apply(upsert("C", 1, 1_000, PUBLIC, chunk("soon deleted", axis(6))));
    store.apply(new DocumentUpdate.Delete("C", 2, 2_000));

    List<float[]> a = store.vectors("A");
    assertThat(a).hasSize(3);
    assertThat(a.get(0)).containsExactly(mix(0, 1, 0.6), within(1e-6f));
    assertThat(a.get(1)).containsExactly(axis(3), within(1e-6f));
    float[] unit = new float[DIM];
    unit[2] = 0.6f;
    unit[5] = 0.8f;
    assertThat(a.get(2)).as("stored at unit length").containsExactly(unit, within(1e-6f));
    assertThat(store.vectors("B"))
        .singleElement()
        .satisfies(v -> assertThat(v).containsExactly(axis(4), within(1e-6f)));
    assertThat(store.vectors("C")).as("deleted").isEmpty();
    assertThat(store.vectors("never-seen")).isEmpty();

    a.get(0)[0] = 42f;
    assertThat(store.vectors("A").get(0)[0]).as("a fresh copy").isNotEqualTo(42f);

    // A re-upsert with fewer chunks: only the new vectors are returned.
    store.apply(upsert("A", 2, 3_000, PUBLIC, chunk("replaced", axis(7))));
    assertThat(store.vectors("A"))
        .singleElement()
        .satisfies(v -> assertThat(v).containsExactly(axis(7), within(1e-6f)));
  }

  @Test
  void documentsPagesThroughEveryIdInOrderWithBoundedPages() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 23; i++) {
      String id = String.format("doc-%02d", i);
      ids.add(id);
      store.apply(upsert(id, 1, 1_000, PUBLIC, chunk("text " + i, axis(i % DIM))));
    }
    store.apply(new DocumentUpdate.Delete("doc-07", 2, 2_000));
    store.apply(new DocumentUpdate.Delete("unknown-deleted", 5, 2_000));
    ids.add("unknown-deleted");

    List<String> seen = new ArrayList<>();
    String after = null;
    while (true) {
      List<IndexedDocument> page = store.documents(after, 5);
      assertThat(page).hasSizeLessThanOrEqualTo(5);
      page.forEach(d -> seen.add(d.documentId()));
      if (page.size() < 5) {
        break;
      }
      after = page.get(page.size() - 1).documentId();
    }
    assertThat(seen).containsExactlyElementsOf(ids.stream().sorted().toList());
    assertThat(store.documents("doc-06", 2))
        .extracting(IndexedDocument::documentId, IndexedDocument::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("doc-07", IndexedDocument.Status.TOMBSTONE),
            org.assertj.core.groups.Tuple.tuple("doc-08", IndexedDocument.Status.LIVE));
    assertThat(store.documents("doc-065", 1))
        .extracting(IndexedDocument::documentId)
        .containsExactly("doc-07");
    assertThat(store.documents("zzz", 10)).isEmpty();
  }

  @Test
  void documentsOfAnEmptyStoreIsEmptyAndALimitBelowOneIsRejected() {
    assertThat(store.documents(null, 10)).isEmpty();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.documents(null, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------ helpers

  /** Public attributes: tenant {@code acme}, acl {@code [everyone]}. */
  protected static final DocumentAttributes PUBLIC = attrs("Title", "acme", "everyone");

  /** One chunk to upsert: its text and (unit) vector. */
  protected record ChunkSpec(String text, float[] vector) {}

  protected static ChunkSpec chunk(String text, float[] vector) {
    return new ChunkSpec(text, vector);
  }

  protected static DocumentAttributes attrs(String title, String tenant, String... acl) {
    return new DocumentAttributes(title, tenant, List.of(acl), Map.of("source", "contract-test"));
  }

  /**
   * An upsert of {@code chunks} as chunks 0..n-1 of {@code documentId}, with deterministic point
   * ids ({@link PointId#of}) and offsets as if the chunks were joined by one space.
   */
  protected static DocumentUpdate.Upsert upsert(
      String documentId,
      long version,
      long committedAt,
      DocumentAttributes attributes,
      ChunkSpec... chunks) {
    List<Point> points = new ArrayList<>();
    int offset = 0;
    for (int i = 0; i < chunks.length; i++) {
      String text = chunks[i].text();
      points.add(
          new Point(
              PointId.of(documentId, i),
              i,
              chunks.length,
              text,
              offset,
              offset + text.length(),
              chunks[i].vector(),
              EMBEDDER));
      offset += text.length() + 1;
    }
    String hash =
        "hash:"
            + Arrays.stream(chunks)
                .map(ChunkSpec::text)
                .collect(Collectors.joining(" "))
                .hashCode();
    return new DocumentUpdate.Upsert(documentId, version, committedAt, attributes, hash, points);
  }

  /** The unit vector along {@code axis}. */
  protected static float[] axis(int axis) {
    float[] v = new float[DIM];
    v[axis] = 1f;
    return v;
  }

  /** A unit vector whose cosine with {@code axis(a)} is {@code cosine} (b != a). */
  protected static float[] mix(int a, int b, double cosine) {
    float[] v = new float[DIM];
    v[a] = (float) cosine;
    v[b] = (float) Math.sqrt(1 - cosine * cosine);
    return v;
  }

  protected List<SearchHit> dense(float[] vector, int k) {
    return search(SearchMode.DENSE, "query", vector, k, SearchFilter.NONE, false);
  }

  protected List<SearchHit> bm25(String text, int k) {
    return search(SearchMode.BM25, text, null, k, SearchFilter.NONE, false);
  }

  /** HYBRID with reciprocal-rank fusion at k = 60, whatever the store's default fusion is. */
  protected List<SearchHit> rrf(String text, float[] vector, int k) {
    return store.search(
        new SearchRequest(
            text, vector, k, SearchMode.HYBRID, SearchFilter.NONE, false, Fusion.rrf(60)));
  }

  protected List<SearchHit> search(
      SearchMode mode, String text, float[] vector, int k, SearchFilter filter, boolean collapse) {
    return store.search(new SearchRequest(text, vector, k, mode, filter, collapse));
  }

  protected static List<UUID> pointIds(List<SearchHit> hits) {
    return hits.stream().map(SearchHit::pointId).collect(Collectors.toList());
  }

  protected static List<String> documentIds(List<SearchHit> hits) {
    return hits.stream().map(SearchHit::documentId).collect(Collectors.toList());
  }
}
