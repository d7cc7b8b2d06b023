package io.ragstream.store.qdrant;

import static io.qdrant.client.PointIdFactory.id;
import static io.qdrant.client.ValueFactory.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grpc.Status;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.grpc.Collections;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points;
import io.ragstream.core.error.RetriableException;
import io.ragstream.core.error.StoreException;
import io.ragstream.core.model.PointId;
import io.ragstream.core.store.ApplyResult;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.Fusion;
import io.ragstream.core.store.IndexedDocument;
import io.ragstream.core.store.Point;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store's request sequences and its handling of answers and failures, against {@link
 * ScriptedQdrant} (canned gRPC answers on a loopback port). What Qdrant does with the requests is
 * {@code QdrantVectorStoreIT}'s subject.
 */
class QdrantVectorStoreTest {
  private static final String EMBEDDER = "bge@1";
  private static final DocumentAttributes ATTRS =
      new DocumentAttributes("Title", "acme", List.of("alice"), Map.of());

  private ScriptedQdrant qdrant;
  private QdrantClient client;
  private QdrantVectorStore store;

  private final QdrantStoreConfig config =
      QdrantStoreConfig.builder()
          .embedder(EMBEDDER)
          .dimension(2)
          .batchSize(2)
          .retry(3, Duration.ofMillis(1), Duration.ofMillis(1))
          .build();

  @BeforeEach
  void start() throws Exception {
    qdrant = new ScriptedQdrant();
    qdrant.embedder = EMBEDDER;
    qdrant.dimension = 2;
    client = qdrant.client();
  }

  @AfterEach
  void stop() {
    if (store != null) store.close();
    client.close();
    qdrant.close();
  }

  private QdrantVectorStore openStore() {
    store = QdrantVectorStore.open(config, client);
    qdrant.clearRequests();
    return store;
  }

  private static Map<String, Value> liveState(long version, int chunkCount) {
    return Map.of(
        "kind", value("state"),
        "state", value("live"),
        "version", value(version),
        "committedAt", value(1_000),
        "contentHash", value("h"),
        "chunkCount", value(chunkCount));
  }

  private static DocumentUpdate.Upsert upsert(String doc, long version, int chunks) {
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      points.add(
          new Point(
              PointId.of(doc, i), i, chunks, "chunk " + i, 0, 7, new float[] {1f, 0f}, EMBEDDER));
    }
    return new DocumentUpdate.Upsert(doc, version, 1_000, ATTRS, "h" + version, points);
  }

  // ------------------------------------------------------------------------------- bootstrap

  @Test
  void openCreatesTheMissingCollectionItsIndexesAndTheAliasThenVerifiesIt() {
    store = QdrantVectorStore.open(config, client);

    List<Collections.CreateCollection> created =
        qdrant.requests(Collections.CreateCollection.class);
    assertThat(created)
        .singleElement()
        .satisfies(c -> assertThat(c.getCollectionName()).isEqualTo("ragstream_v1"));
    assertThat(qdrant.requests(Points.CreateFieldIndexCollection.class)).hasSize(9);
    assertThat(qdrant.requests(Collections.ChangeAliases.class))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getActions(0).getDeleteAlias().getAliasName()).isEqualTo("ragstream");
              assertThat(a.getActions(1).getCreateAlias().getCollectionName())
                  .isEqualTo("ragstream_v1");
            });
    assertThat(qdrant.requests(Collections.GetCollectionInfoRequest.class))
        .extracting(Collections.GetCollectionInfoRequest::getCollectionName)
        .containsExactly("ragstream");
  }

  @Test
  void openUsesAnExistingAliasWithoutCreatingAnything() {
    qdrant.aliasTarget = "ragstream_v7";

    openStore();
    store.close();
    qdrant.clearRequests();
    store = QdrantVectorStore.open(config, client);

    assertThat(qdrant.requests(Collections.CreateCollection.class)).isEmpty();
    assertThat(qdrant.requests(Collections.ChangeAliases.class)).isEmpty();
  }

  @Test
  void aStoreOnTheCollectionCreatesAMissingAliasButNeverMovesAnExistingOne() {
    // The indexing job's way (docs/reindex.md): write the collection itself, and only create the
    // alias for readers when it is missing, since a reindex may have moved it to another model.
    QdrantStoreConfig direct = config.toBuilder().alias(null).build();
    store = QdrantVectorStore.open(direct, client);
    assertThat(qdrant.requests(Collections.GetCollectionInfoRequest.class))
        .extracting(Collections.GetCollectionInfoRequest::getCollectionName)
        .containsOnly("ragstream_v1");
    store.collections().createAliasIfMissing("ragstream", "ragstream_v1");
    assertThat(qdrant.requests(Collections.ChangeAliases.class))
        .singleElement()
        .satisfies(
            a ->
                assertThat(a.getActions(1).getCreateAlias().getCollectionName())
                    .isEqualTo("ragstream_v1"));

    qdrant.aliasTarget = "ragstream_v2"; // a reindex switched it
    qdrant.clearRequests();
    store.collections().createAliasIfMissing("ragstream", "ragstream_v1");
    assertThat(qdrant.requests(Collections.ChangeAliases.class)).isEmpty();
  }

  @Test
  void openRefusesACollectionOfAnotherEmbedder() {
    qdrant.aliasTarget = "ragstream_v1";
    qdrant.embedder = "minilm@2";

    assertThatThrownBy(() -> QdrantVectorStore.open(config, client))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("minilm@2")
        .hasMessageContaining(EMBEDDER)
        .hasMessageContaining("mixed embedding models");
  }

  @Test
  void openRefusesACollectionOfAnotherDimension() {
    qdrant.aliasTarget = "ragstream_v1";
    qdrant.dimension = 384;

    assertThatThrownBy(() -> QdrantVectorStore.open(config, client))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("384-d");
  }

  // ------------------------------------------------------------------------------- apply

  @Test
  void staleUpdateReadsTheStateAndWritesNothing() {
    openStore();
    qdrant.state = liveState(5, 1);

    assertThat(store.apply(upsert("doc", 3, 1))).isEqualTo(new ApplyResult.Stale(5));
    assertThat(store.apply(new DocumentUpdate.Delete("doc", 5, 1)))
        .isEqualTo(new ApplyResult.Stale(5));

    assertThat(qdrant.requests).allMatch(r -> r instanceof Points.GetPoints);
    assertThat(qdrant.requests(Points.GetPoints.class)).hasSize(2);
  }

  @Test
  void smallDocumentIsOneUpdateBatchOfChunksSurplusDeleteAndState() {
    openStore();

    assertThat(store.apply(upsert("doc", 1, 2))).isEqualTo(new ApplyResult.Applied(2, 0));

    assertThat(qdrant.requests(Points.UpsertPoints.class)).isEmpty();
    Points.UpdateBatchPoints batch =
        qdrant.requests(Points.UpdateBatchPoints.class).stream().findFirst().orElseThrow();
    assertThat(batch.getWait()).isTrue();
    assertThat(batch.getCollectionName()).isEqualTo("ragstream");
    assertThat(batch.getOperationsList())
        .extracting(Points.PointsUpdateOperation::getOperationCase)
        .containsExactly(
            Points.PointsUpdateOperation.OperationCase.UPSERT,
            Points.PointsUpdateOperation.OperationCase.DELETE_POINTS,
            Points.PointsUpdateOperation.OperationCase.UPSERT);
    assertThat(batch.getOperations(0).getUpsert().getPointsCount()).isEqualTo(2);
    assertThat(
            batch.getOperations(1).getDeletePoints().getPoints().getFilter().getMustList().stream()
                .filter(c -> c.getField().getKey().equals("chunkIndex"))
                .findFirst()
                .orElseThrow()
                .getField()
                .getRange()
                .getGte())
        .isEqualTo(2.0);
    assertThat(
            batch
                .getOperations(2)
                .getUpsert()
                .getPoints(0)
                .getPayloadMap()
                .get("version")
                .getIntegerValue())
        .isEqualTo(1);
  }

  @Test
  void largeDocumentIsUpsertedInBatchesBeforeTheGuardBatchAndReportsTheSurplus() {
    openStore();
    qdrant.state = liveState(1, 7);

    assertThat(store.apply(upsert("doc", 2, 5))).isEqualTo(new ApplyResult.Applied(5, 2));

    assertThat(qdrant.requests(Points.UpsertPoints.class))
        .extracting(Points.UpsertPoints::getPointsCount)
        .containsExactlyInAnyOrder(2, 2, 1);
    assertThat(qdrant.requests(Points.UpsertPoints.class)).allMatch(Points.UpsertPoints::getWait);
    int lastUpsert = -1;
    int guard = -1;
    synchronized (qdrant.requests) {
      for (int i = 0; i < qdrant.requests.size(); i++) {
        if (qdrant.requests.get(i) instanceof Points.UpsertPoints) lastUpsert = i;
        if (qdrant.requests.get(i) instanceof Points.UpdateBatchPoints) guard = i;
      }
    }
    assertThat(guard).as("the state is written after every chunk batch").isGreaterThan(lastUpsert);
    assertThat(qdrant.requests(Points.UpdateBatchPoints.class).get(0).getOperationsList())
        .extracting(Points.PointsUpdateOperation::getOperationCase)
        .containsExactly(
            Points.PointsUpdateOperation.OperationCase.DELETE_POINTS,
            Points.PointsUpdateOperation.OperationCase.UPSERT);
  }

  @Test
  void pointsOfAnotherEmbedderOrDimensionAreRefusedBeforeAnyWrite() {
    openStore();
    Point foreign =
        new Point(PointId.of("doc", 0), 0, 1, "t", 0, 1, new float[] {1f, 0f}, "minilm@2");
    Point wide =
        new Point(PointId.of("doc", 0), 0, 1, "t", 0, 1, new float[] {1f, 0f, 0f}, EMBEDDER);

    assertThatThrownBy(
            () -> store.apply(new DocumentUpdate.Upsert("doc", 1, 1, ATTRS, "h", List.of(foreign))))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("minilm@2");
    assertThatThrownBy(
            () -> store.apply(new DocumentUpdate.Upsert("doc", 1, 1, ATTRS, "h", List.of(wide))))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("3-d");
    assertThat(qdrant.requests(Points.UpdateBatchPoints.class)).isEmpty();
    assertThat(qdrant.requests(Points.UpsertPoints.class)).isEmpty();
  }

  @Test
  void deleteRemovesEveryChunkThenWritesATombstoneWithDeletedAt() {
    openStore();
    qdrant.state = liveState(1, 3);
    long before = System.currentTimeMillis();

    assertThat(store.apply(new DocumentUpdate.Delete("doc", 2, 2_000)))
        .isEqualTo(new ApplyResult.Applied(0, 3));

    Points.UpdateBatchPoints batch = qdrant.requests(Points.UpdateBatchPoints.class).get(0);
    assertThat(batch.getOperations(0).getDeletePoints().getPoints().getFilter().getMustCount())
        .as("kind=chunk AND documentId, no chunkIndex range")
        .isEqualTo(2);
    Map<String, Value> tomb = batch.getOperations(1).getUpsert().getPoints(0).getPayloadMap();
    assertThat(tomb.get("state").getStringValue()).isEqualTo("tombstone");
    assertThat(tomb.get("version").getIntegerValue()).isEqualTo(2);
    assertThat(tomb.get("deletedAt").getIntegerValue())
        .isBetween(before, System.currentTimeMillis());
  }

  @Test
  void transientFailureIsRetriedAndAPermanentOneIsNot() {
    openStore();
    qdrant.failNext(Points.UpdateBatchPoints.class, Status.UNAVAILABLE);

    assertThat(store.apply(upsert("doc", 1, 1))).isEqualTo(new ApplyResult.Applied(1, 0));
    assertThat(qdrant.requests(Points.UpdateBatchPoints.class)).hasSize(2);

    qdrant.clearRequests();
    qdrant.failNext(Points.UpdateBatchPoints.class, Status.INVALID_ARGUMENT);
    assertThatThrownBy(() -> store.apply(upsert("doc", 2, 1)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("INVALID_ARGUMENT");
    assertThat(qdrant.requests(Points.UpdateBatchPoints.class)).hasSize(1);

    qdrant.failNext(
        Points.GetPoints.class, Status.UNAVAILABLE, Status.UNAVAILABLE, Status.UNAVAILABLE);
    assertThatThrownBy(() -> store.version("doc")).isInstanceOf(RetriableException.class);
  }

  @Test
  void failedChunkBatchIsSentAgainWhenTheFailureIsTransient() {
    openStore();
    qdrant.failNext(Points.UpsertPoints.class, Status.DEADLINE_EXCEEDED);

    assertThat(store.apply(upsert("doc", 1, 3))).isEqualTo(new ApplyResult.Applied(3, 0));

    assertThat(qdrant.requests(Points.UpsertPoints.class)).hasSize(3);
    assertThat(qdrant.requests(Points.UpdateBatchPoints.class)).hasSize(1);
  }

  @Test
  void attributeUpdateRewritesPayloadAndBm25VectorsOfTheStoredChunks() {
    openStore();
    qdrant.state = liveState(1, 1);
    qdrant.scroll =
        s ->
            Points.ScrollResponse.newBuilder()
                .addResult(
                    Points.RetrievedPoint.newBuilder()
                        .setId(id(PointId.of("doc", 0)))
                        .putPayload("text", value("apples and pears"))
                        .putPayload("chunkIndex", value(0)))
                .build();

    ApplyResult result =
        store.apply(
            new DocumentUpdate.UpdateAttributes(
                "doc",
                2,
                2_000,
                new DocumentAttributes("Renamed", "globex", List.of("bob"), Map.of())));

    assertThat(result).isEqualTo(new ApplyResult.Applied(1, 0));
    Points.UpdateBatchPoints batch = qdrant.requests(Points.UpdateBatchPoints.class).get(0);
    assertThat(batch.getOperationsList())
        .extracting(Points.PointsUpdateOperation::getOperationCase)
        .containsExactly(
            Points.PointsUpdateOperation.OperationCase.SET_PAYLOAD,
            Points.PointsUpdateOperation.OperationCase.UPDATE_VECTORS,
            Points.PointsUpdateOperation.OperationCase.UPSERT);
    Map<String, Value> state = batch.getOperations(2).getUpsert().getPoints(0).getPayloadMap();
    assertThat(state.get("version").getIntegerValue()).isEqualTo(2);
    assertThat(state.get("contentHash").getStringValue()).as("content unchanged").isEqualTo("h");
  }

  // ------------------------------------------------------------------------------- search

  private static Points.ScoredPoint scored(String doc, int chunk, float score) {
    return Points.ScoredPoint.newBuilder()
        .setId(id(PointId.of(doc, chunk)))
        .setScore(score)
        .putPayload("documentId", value(doc))
        .putPayload("chunkIndex", value(chunk))
        .putPayload("text", value("t"))
        .putPayload("version", value(1))
        .build();
  }

  @Test
  void rrfHybridIsOneQueryWithTwoPrefetchesAndServerScores() {
    openStore();
    qdrant.queryResult = List.of(scored("x", 0, 0.032f), scored("z", 0, 0.031f));

    List<SearchHit> hits =
        store.search(
            new SearchRequest(
                "fusion",
                new float[] {1f, 0f},
                2,
                SearchMode.HYBRID,
                new SearchFilter("acme", Set.of("alice")),
                false,
                Fusion.rrf(60)));

    assertThat(hits).extracting(SearchHit::documentId).containsExactly("x", "z");
    assertThat(hits.get(0).score()).isCloseTo(0.032, within(1e-6));
    Points.QueryPoints q = qdrant.requests(Points.QueryPoints.class).get(0);
    assertThat(q.getPrefetchList())
        .extracting(Points.PrefetchQuery::getUsing)
        .containsExactly("dense", "bm25");
    assertThat(q.getQuery().getRrf().getK()).isEqualTo(61);
    assertThat(q.getPrefetch(0).getLimit()).isEqualTo(100);
    assertThat(qdrant.requests(Points.QueryBatchPoints.class)).isEmpty();
  }

  @Test
  void convexHybridFetchesBothListsInOneBatchAndFusesInTheClient() {
    openStore();
    qdrant.batchResults =
        List.of(
            List.of(scored("a", 0, 0.9f), scored("b", 0, 0.7f), scored("c", 0, 0.5f)),
            List.of(scored("c", 0, 12f), scored("a", 0, 2f)));

    List<SearchHit> hits =
        store.search(
            new SearchRequest(
                "query",
                new float[] {1f, 0f},
                3,
                SearchMode.HYBRID,
                SearchFilter.NONE,
                false,
                Fusion.convex(0.6)));

    assertThat(hits).extracting(SearchHit::documentId).containsExactly("a", "c", "b");
    assertThat(hits.get(0).score()).isCloseTo(0.6, within(1e-6));
    assertThat(hits.get(1).score()).isCloseTo(0.4, within(1e-6));
    Points.QueryBatchPoints batch = qdrant.requests(Points.QueryBatchPoints.class).get(0);
    assertThat(batch.getQueryPointsList())
        .extracting(Points.QueryPoints::getUsing)
        .containsExactly("dense", "bm25");
    assertThat(qdrant.requests(Points.QueryPoints.class)).isEmpty();
  }

  @Test
  void collapsedDenseSearchKeepsEachDocumentsBestChunkFromAnOverfetchedList() {
    openStore();
    qdrant.queryResult =
        List.of(scored("A", 1, 1f), scored("A", 0, .9f), scored("B", 0, .8f), scored("C", 0, .5f));

    List<SearchHit> hits =
        store.search(
            new SearchRequest(
                "q", new float[] {1f, 0f}, 2, SearchMode.DENSE, SearchFilter.NONE, true));

    assertThat(hits)
        .extracting(SearchHit::pointId)
        .containsExactly(PointId.of("A", 1), PointId.of("B", 0));
    assertThat(qdrant.requests(Points.QueryPoints.class).get(0).getLimit())
        .as("max(k · overfetch, candidates)")
        .isEqualTo(100);
  }

  @Test
  void emptyPrincipalSetOrStopWordQuerySendsNoQuery() {
    openStore();

    assertThat(
            store.search(
                new SearchRequest(
                    "q",
                    new float[] {1f, 0f},
                    5,
                    SearchMode.DENSE,
                    new SearchFilter("acme", Set.of()),
                    false)))
        .isEmpty();
    assertThat(
            store.search(
                new SearchRequest("the of", null, 5, SearchMode.BM25, SearchFilter.NONE, false)))
        .isEmpty();
    assertThat(qdrant.requests).isEmpty();
  }

  @Test
  void queryVectorOfAnotherDimensionIsRejected() {
    openStore();

    assertThatThrownBy(
            () ->
                store.search(
                    new SearchRequest(
                        "q",
                        new float[] {1f, 0f, 0f},
                        5,
                        SearchMode.DENSE,
                        SearchFilter.NONE,
                        false)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------------------- reads

  @Test
  void statsCountsExactlyAndReadsTheNewestTimesByOrderBy() {
    openStore();
    qdrant.count = 4;
    qdrant.scroll =
        s ->
            Points.ScrollResponse.newBuilder()
                .addResult(
                    Points.RetrievedPoint.newBuilder()
                        .setId(id(PointId.of("x", 0)))
                        .putPayload(
                            s.getOrderBy().getKey(),
                            value(s.getOrderBy().getKey().length() * 1_000L)))
                .build();

    var stats = store.stats();

    assertThat(stats.documents()).isEqualTo(4);
    assertThat(stats.lastCommittedAt()).isEqualTo("committedAt".length() * 1_000L);
    assertThat(stats.lastAppliedAt()).isEqualTo("indexedAt".length() * 1_000L);
    assertThat(qdrant.requests(Points.CountPoints.class))
        .hasSize(3)
        .allMatch(Points.CountPoints::getExact);
    assertThat(qdrant.requests(Points.ScrollPoints.class))
        .extracting(s -> s.getOrderBy().getKey())
        .containsExactly("committedAt", "indexedAt");
  }

  @Test
  void documentsReturnsTheSmallestIdsAfterTheCursorAcrossScrollPages() {
    openStore();
    qdrant.state = liveState(1, 0);
    Points.RetrievedPoint next =
        Points.RetrievedPoint.newBuilder().setId(id(PointId.of("n", 0))).build();
    qdrant.scroll =
        s -> {
          if (s.hasFilter()) {
            return Points.ScrollResponse.getDefaultInstance(); // chunks of one document: none
          }
          Points.ScrollResponse.Builder page = Points.ScrollResponse.newBuilder();
          List<String> ids = s.hasOffset() ? List.of("b", "a", "e") : List.of("d", "b", "c", "a");
          for (String doc : ids) {
            page.addResult(
                Points.RetrievedPoint.newBuilder()
                    .setId(id(PointId.of(doc, 0)))
                    .putPayload("documentId", value(doc)));
          }
          if (!s.hasOffset()) page.setNextPageOffset(next.getId());
          return page.build();
        };

    List<IndexedDocument> page = store.documents("a", 2);

    assertThat(page).extracting(IndexedDocument::documentId).containsExactly("b", "c");
    assertThat(page).allMatch(d -> d.status() == IndexedDocument.Status.LIVE);
    assertThatThrownBy(() -> store.documents(null, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void closedStoreRefusesCalls() {
    openStore();
    store.close();
    store.close();

    assertThatThrownBy(() -> store.version("x")).isInstanceOf(IllegalStateException.class);
    store = null;
  }
}
