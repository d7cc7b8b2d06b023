package io.ragstream.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.ragstream.core.error.StoreException;
import io.ragstream.core.model.PointId;
import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.ApplyResult;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.Fusion;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import io.ragstream.core.store.VectorStoreContractTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@link VectorStoreContractTest} on Lucene, plus sharing, concurrency and BM25 checks. */
class LuceneVectorStoreTest extends VectorStoreContractTest {

  @Override
  protected VectorStore createStore(Path dir) {
    return LuceneVectorStore.open(dir, LuceneStoreOptions.defaults());
  }

  // ------------------------------------------------------------------ read-only handles

  @Test
  void readOnlyHandleSeesTheWritersCommitsWithoutItsLockAndRefusesWrites(@TempDir Path dir)
      throws Exception {
    try (LuceneVectorStore writer = LuceneVectorStore.open(dir, LuceneStoreOptions.defaults())) {
      writer.apply(upsert("A", 1, 1_000, PUBLIC, chunk("committed apples", axis(0))));
      writer.flush();
      writer.apply(upsert("B", 1, 1_000, PUBLIC, chunk("uncommitted bananas", axis(1))));

      try (LuceneVectorStore reader =
          LuceneVectorStore.openReadOnly(dir, LuceneStoreOptions.defaults())) {
        assertThat(reader.document("A")).isPresent();
        assertThat(reader.document("B")).as("not committed yet").isEmpty();
        assertThat(reader.documents(null, 10)).hasSize(1);

        writer.flush();
        Thread.sleep(250); // a read-only handle looks for a new commit at most every 200 ms
        assertThat(reader.document("B")).as("seen after the writer's next commit").isPresent();
        assertThat(reader.stats().documents()).isEqualTo(2);
        assertThat(bm25Ids(reader, "bananas")).containsExactly("B");

        assertThatThrownBy(() -> reader.apply(upsert("C", 1, 1, PUBLIC, chunk("x", axis(2)))))
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("read-only");
        assertThatThrownBy(reader::flush).isInstanceOf(StoreException.class);
      }
      // Closing the read-only handle leaves the writer's shared index open.
      assertThat(writer.version("B")).isEqualTo(1);
      try (LuceneVectorStore again = LuceneVectorStore.open(dir, LuceneStoreOptions.defaults())) {
        assertThat(again.version("A")).isEqualTo(1);
      }
    }
  }

  @Test
  void readOnlyOpenOfADirectoryWithoutIndexFails(@TempDir Path dir) {
    assertThatThrownBy(
            () ->
                LuceneVectorStore.openReadOnly(dir.resolve("none"), LuceneStoreOptions.defaults()))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("no Lucene index");
    assertThatThrownBy(() -> LuceneVectorStore.openReadOnly(dir, LuceneStoreOptions.defaults()))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("no Lucene index");
  }

  private static List<String> bm25Ids(VectorStore s, String text) {
    return s
        .search(new SearchRequest(text, null, 10, SearchMode.BM25, SearchFilter.NONE, false))
        .stream()
        .map(SearchHit::documentId)
        .toList();
  }

  // ------------------------------------------------------------------ sharing in one JVM

  @Test
  void aWriterClosedByATragicEventIsNotSharedWithTheNextOpener(@TempDir Path dir) throws Exception {
    LuceneVectorStore dead = LuceneVectorStore.open(dir);
    dead.apply(upsert("A", 1, 1_000, PUBLIC, chunk("committed apples", axis(0))));
    dead.flush();
    dead.apply(upsert("B", 1, 1_000, PUBLIC, chunk("lost bananas", axis(1))));
    // What Lucene does on a tragic event (an interrupt during a write closes the lock's channel):
    // the writer rolls back and closes; the shared index can never be written again.
    writerOf(dead).rollback();
    assertThatThrownBy(() -> dead.apply(upsert("C", 1, 1, PUBLIC, chunk("x", axis(2)))))
        .isInstanceOf(StoreException.class);

    // A restarted task opens the directory again and gets a fresh writer on the last commit.
    try (LuceneVectorStore fresh = LuceneVectorStore.open(dir)) {
      assertThat(fresh.version("A")).isEqualTo(1);
      assertThat(fresh.document("B")).as("uncommitted, replayed by the job").isEmpty();
      fresh.apply(upsert("B", 1, 1_000, PUBLIC, chunk("replayed bananas", axis(1))));
      fresh.flush();
      try {
        dead.close(); // the old handle's close does not touch the fresh index
      } catch (StoreException e) {
        // closing a dead writer may fail; it must not affect the fresh one
      }
      assertThat(fresh.version("B")).isEqualTo(1);
      assertThat(bm25Ids(fresh, "bananas")).containsExactly("B");
    }
  }

  private static org.apache.lucene.index.IndexWriter writerOf(LuceneVectorStore store)
      throws Exception {
    java.lang.reflect.Field shared = LuceneVectorStore.class.getDeclaredField("shared");
    shared.setAccessible(true);
    Object s = shared.get(store);
    java.lang.reflect.Field index = s.getClass().getDeclaredField("index");
    index.setAccessible(true);
    Object i = index.get(s);
    java.lang.reflect.Field writer = i.getClass().getDeclaredField("writer");
    writer.setAccessible(true);
    return (org.apache.lucene.index.IndexWriter) writer.get(i);
  }

  @Test
  void openingTheSameDirectoryTwiceSharesOneIndex(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("sub"));
    LuceneVectorStore a = LuceneVectorStore.open(dir);
    // Another spelling of the same directory resolves to the same index (no second writer).
    LuceneVectorStore b = LuceneVectorStore.open(dir.resolve("sub").resolve(".."));
    try {
      assertThat(b.directory()).isEqualTo(a.directory());

      a.apply(upsert("doc-a", 1, 1_000, PUBLIC, chunk("shared writer words", axis(0))));

      assertThat(b.version("doc-a")).isEqualTo(1);
      assertThat(b.search(bm25Request("shared")))
          .extracting(SearchHit::documentId)
          .containsExactly("doc-a");
      assertThat(b.stats()).isEqualTo(a.stats());
    } finally {
      a.close();
    }
    // b still works after a is closed; the writer is still held.
    b.apply(upsert("doc-b", 1, 2_000, PUBLIC, chunk("second writer words", axis(1))));
    assertThat(b.stats().documents()).isEqualTo(2);
    assertThat(writeLockIsFree(dir)).isFalse();
    assertThatThrownBy(() -> a.version("doc-a")).isInstanceOf(IllegalStateException.class);
    a.close(); // idempotent: does not release b's reference

    assertThat(b.version("doc-b")).isEqualTo(1);
    b.close();

    // The last close committed and released the writer.
    assertThat(writeLockIsFree(dir)).isTrue();
    try (LuceneVectorStore c = LuceneVectorStore.open(dir)) {
      assertThat(c.version("doc-b")).isEqualTo(1);
      assertThat(c.stats().lastCommittedAt()).isEqualTo(2_000);
    }
  }

  private static boolean writeLockIsFree(Path dir) throws Exception {
    try (Directory directory = FSDirectory.open(dir);
        IndexWriter writer =
            new IndexWriter(
                directory, new IndexWriterConfig(new EnglishAnalyzer()).setCommitOnClose(false))) {
      return true;
    } catch (LockObtainFailedException e) {
      return false;
    }
  }

  @Test
  void sharingADirectoryWithOtherOptionsFails(@TempDir Path dir) {
    try (LuceneVectorStore a = LuceneVectorStore.open(dir)) {
      assertThatThrownBy(
              () -> LuceneVectorStore.open(dir, LuceneStoreOptions.defaults().withCandidates(10)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("already open");
      assertThat(a.stats().documents()).isZero();
    }
  }

  // ------------------------------------------------------------------ concurrency

  @Test
  void searchesRunConcurrentlyWithApplies() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    AtomicBoolean writing = new AtomicBoolean(true);
    try {
      Future<?> writer =
          pool.submit(
              () -> {
                try {
                  for (int i = 0; i < 150; i++) {
                    store.apply(
                        upsert(
                            "doc-" + (i % 50),
                            i / 50 + 1,
                            i,
                            PUBLIC,
                            chunk("concurrent words " + i, axis(i % DIM)),
                            chunk("more words", axis((i + 1) % DIM))));
                  }
                } finally {
                  writing.set(false);
                }
                return null;
              });
      List<Future<Integer>> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        readers.add(pool.submit(reader(writing)));
      }
      writer.get(60, TimeUnit.SECONDS);
      for (Future<Integer> reader : readers) {
        assertThat(reader.get(60, TimeUnit.SECONDS)).isPositive();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.stats().documents()).isEqualTo(50);
    assertThat(store.stats().points()).isEqualTo(100);
    assertThat(store.version("doc-0")).isEqualTo(3);
  }

  private Callable<Integer> reader(AtomicBoolean writing) {
    return () -> {
      int searches = 0;
      do {
        for (SearchMode mode : SearchMode.values()) {
          List<SearchHit> hits =
              search(
                  mode,
                  "concurrent words",
                  axis(searches % DIM),
                  10,
                  new SearchFilter("acme", java.util.Set.of("everyone")),
                  searches % 2 == 0);
          assertThat(hits).hasSizeLessThanOrEqualTo(10);
          searches++;
        }
        store.stats();
      } while (writing.get());
      return searches;
    };
  }

  @Test
  void concurrentAppliesToOneDocumentKeepTheNewestVersion() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int parity = t;
        writers.add(
            pool.submit(
                () -> {
                  for (int v = 1 + parity; v <= 100; v += 2) {
                    ChunkSpec[] chunks = new ChunkSpec[v % 3 + 1];
                    for (int c = 0; c < chunks.length; c++) {
                      chunks[c] = chunk("version " + v + " chunk " + c, axis(c));
                    }
                    store.apply(upsert("doc-race", v, v, PUBLIC, chunks));
                  }
                  return null;
                }));
      }
      for (Future<?> w : writers) {
        w.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.version("doc-race")).isEqualTo(100);
    assertThat(store.stats().documents()).isEqualTo(1);
    assertThat(store.stats().points()).isEqualTo(100 % 3 + 1);
    assertThat(dense(axis(0), 10)).allSatisfy(hit -> assertThat(hit.version()).isEqualTo(100));
  }

  // ------------------------------------------------------------------ BM25

  @Test
  void bm25ScoresFollowLuceneBm25WithAnseriniParameters() {
    // No title, so the BM25 field holds the text only. Lengths after EnglishAnalyzer: 3, 3, 5.
    var noTitle =
        new io.ragstream.core.store.DocumentAttributes(null, "acme", List.of("everyone"), null);
    store.apply(upsert("d1", 1, 1, noTitle, chunk("salmon swim upstream", axis(0))));
    store.apply(upsert("d2", 1, 1, noTitle, chunk("salmon salmon river", axis(1))));
    store.apply(
        upsert("d3", 1, 1, noTitle, chunk("the river flows into the sea quickly today", axis(2))));

    List<SearchHit> hits = bm25("salmon", 10);

    assertThat(hits).extracting(SearchHit::documentId).containsExactly("d2", "d1");
    double idf = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
    double avgdl = 11.0 / 3;
    assertThat(hits.get(0).score()).isCloseTo(bm25(idf, 2, 3, avgdl), within(1e-5));
    assertThat(hits.get(1).score()).isCloseTo(bm25(idf, 1, 3, avgdl), within(1e-5));
  }

  /** Lucene's BM25 (no k1 + 1 factor) with k1 = 0.9, b = 0.4. */
  private static double bm25(double idf, int tf, int length, double avgdl) {
    return idf * tf / (tf + 0.9 * (1 - 0.4 + 0.4 * length / avgdl));
  }

  @Test
  void bm25StemsDropsStopwordsAndAcceptsAnyQueryText() {
    store.apply(upsert("runner", 1, 1, PUBLIC, chunk("she runs marathons", axis(0))));
    store.apply(upsert("swimmer", 1, 1, PUBLIC, chunk("he swims in the lake", axis(1))));

    assertThat(bm25("running marathon", 10))
        .extracting(SearchHit::documentId)
        .containsExactly("runner");
    assertThat(bm25("the in", 10)).isEmpty();
    assertThat(bm25("swim AND (lake OR \"sea) ~2 ^3 title:foo * ? [a TO b] \\ //", 10))
        .extracting(SearchHit::documentId)
        .containsExactly("swimmer");
    // Query term frequency counts, as in Anserini's bag-of-words queries.
    store.apply(upsert("both", 1, 1, PUBLIC, chunk("lake marathons", axis(2))));
    assertThat(bm25("lake lake lake marathon", 10))
        .extracting(SearchHit::documentId)
        .first()
        .isNotEqualTo("runner");
  }

  @Test
  void multifieldScoresTitleAndTextAsSeparateFields(@TempDir Path dir) {
    var titled =
        new io.ragstream.core.store.DocumentAttributes(
            "Salmon migration", "acme", List.of("everyone"), null);
    var untitled =
        new io.ragstream.core.store.DocumentAttributes(null, "acme", List.of("everyone"), null);
    try (LuceneVectorStore multi =
        LuceneVectorStore.open(
            dir, LuceneStoreOptions.defaults().withBm25Fields(Bm25Fields.MULTIFIELD))) {
      multi.apply(upsert("t", 1, 1, titled, chunk("fish swim upstream to spawn", axis(0))));
      multi.apply(upsert("b", 1, 1, untitled, chunk("salmon fish swim in rivers", axis(1))));
      multi.apply(upsert("x", 1, 1, untitled, chunk("rivers flow to the sea", axis(2))));

      List<SearchHit> hits = multi.search(bm25Request("salmon"));

      // A title-only match is found through the title field, and a body match through the text
      // field; the flat field of the default options finds the same two documents.
      assertThat(hits).extracting(SearchHit::documentId).containsExactlyInAnyOrder("t", "b");
      // "salmon" is in 2 of 3 bodies' flat text but 1 of 1 titles: the title field is scored with
      // its own statistics, so the two scores differ from the flat ones.
      assertThat(hits.get(0).score()).isNotEqualTo(hits.get(1).score());
    }
  }

  @Test
  void hybridFusionIsChosenPerStoreAndPerRequest(@TempDir Path dir) {
    try (LuceneVectorStore convex =
        LuceneVectorStore.open(dir, LuceneStoreOptions.defaults().withFusion(Fusion.convex(1.0)))) {
      // "dense" is nearest to the query vector but lacks the query word; "lexical" has the word.
      convex.apply(upsert("dense", 1, 1, PUBLIC, chunk("unrelated things", axis(0))));
      convex.apply(upsert("lexical", 1, 1, PUBLIC, chunk("the query word", axis(1))));
      float[] query = axis(0);

      // alpha = 1: the dense order alone.
      assertThat(convex.search(hybrid("word", query, null)))
          .extracting(SearchHit::documentId)
          .first()
          .isEqualTo("dense");
      // alpha = 0 in the request: the BM25 order alone, whatever the store's default.
      assertThat(convex.search(hybrid("word", query, Fusion.convex(0.0))))
          .extracting(SearchHit::documentId)
          .first()
          .isEqualTo("lexical");
      // RRF in the request: "lexical" is 2nd in the dense list and 1st in BM25, "dense" only 1st
      // in the dense list (BM25 does not match it).
      List<SearchHit> rrf = convex.search(hybrid("word", query, Fusion.rrf(10)));
      assertThat(rrf).extracting(SearchHit::documentId).containsExactly("lexical", "dense");
      assertThat(rrf.get(0).score()).isCloseTo(1.0 / 12 + 1.0 / 11, within(1e-9));
      assertThat(rrf.get(1).score()).isCloseTo(1.0 / 11, within(1e-9));
    }
  }

  private static io.ragstream.core.store.SearchRequest hybrid(
      String text, float[] vector, Fusion fusion) {
    return new io.ragstream.core.store.SearchRequest(
        text, vector, 10, SearchMode.HYBRID, SearchFilter.NONE, true, fusion);
  }

  // ------------------------------------------------------------------ vectors

  @Test
  void rejectsPointsWhoseDimensionDiffersFromTheIndex() {
    store.apply(upsert("doc-a", 1, 1, PUBLIC, chunk("eight dims", axis(0))));

    assertThatThrownBy(
            () -> store.apply(upsert("doc-b", 1, 1, PUBLIC, chunk("sixteen dims", new float[16]))))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("doc-b")
        .hasMessageContaining("16-d");
    assertThatThrownBy(() -> dense(new float[] {1, 0, 0}, 5))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(store.version("doc-b")).isEqualTo(-1);
    reopen();
    assertThat(((LuceneVectorStore) store).dimension()).isEqualTo(DIM);
    assertThatThrownBy(
            () -> store.apply(upsert("doc-b", 1, 1, PUBLIC, chunk("sixteen dims", unitOf16()))))
        .isInstanceOf(StoreException.class);
  }

  private static float[] unitOf16() {
    float[] v = new float[16];
    v[0] = 1;
    return v;
  }

  @Test
  void fixedDimensionRejectsOtherFirstPoints(@TempDir Path dir) {
    try (LuceneVectorStore fixed =
        LuceneVectorStore.open(dir, LuceneStoreOptions.defaults().withDimension(16))) {
      assertThat(fixed.dimension()).isEqualTo(16);
      assertThatThrownBy(() -> fixed.apply(upsert("doc-a", 1, 1, PUBLIC, chunk("eight", axis(0)))))
          .isInstanceOf(StoreException.class);
      assertThat(fixed.apply(upsert("doc-a", 1, 1, PUBLIC, chunk("sixteen", unitOf16()))))
          .isEqualTo(new ApplyResult.Applied(1, 0));
    }
  }

  @Test
  void normalizesVectorsThatAreNotUnitLength() {
    float[] longVector = {3, 4, 0, 0, 0, 0, 0, 0};
    store.apply(upsert("doc-a", 1, 1, PUBLIC, chunk("long vector", longVector)));

    List<SearchHit> hits = dense(new float[] {0.6f, 0.8f, 0, 0, 0, 0, 0, 0}, 1);
    assertThat(hits)
        .singleElement()
        .satisfies(hit -> assertThat(hit.score()).isCloseTo(1.0, within(1e-4)));
    assertThat(dense(new float[] {6, 8, 0, 0, 0, 0, 0, 0}, 1).get(0).score())
        .isCloseTo(1.0, within(1e-4));
  }

  @Test
  void updateAttributesKeepsChunkPayloadAndPointIds() {
    store.apply(
        upsert("doc-a", 1, 1, PUBLIC, chunk("first part", axis(0)), chunk("second part", axis(1))));
    store.apply(new DocumentUpdate.UpdateAttributes("doc-a", 2, 2, attrs("New", "acme", "x")));

    List<SearchHit> hits =
        search(
            SearchMode.DENSE,
            "q",
            axis(1),
            2,
            new SearchFilter("acme", java.util.Set.of("x")),
            false);
    assertThat(hits)
        .extracting(SearchHit::pointId)
        .containsExactly(PointId.of("doc-a", 1), PointId.of("doc-a", 0));
    assertThat(hits).extracting(SearchHit::text).containsExactly("second part", "first part");
    assertThat(hits).extracting(SearchHit::chunkIndex).containsExactly(1, 0);
  }

  private static io.ragstream.core.store.SearchRequest bm25Request(String text) {
    return new io.ragstream.core.store.SearchRequest(
        text, null, 10, SearchMode.BM25, SearchFilter.NONE, false);
  }
}
