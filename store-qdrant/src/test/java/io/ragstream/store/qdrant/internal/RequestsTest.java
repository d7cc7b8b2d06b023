package io.ragstream.store.qdrant.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.qdrant.client.grpc.Collections.AliasOperations;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.Modifier;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Common.Condition;
import io.qdrant.client.grpc.Common.FieldCondition;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.CreateFieldIndexCollection;
import io.qdrant.client.grpc.Points.Direction;
import io.qdrant.client.grpc.Points.FieldType;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.PointsUpdateOperation;
import io.qdrant.client.grpc.Points.PrefetchQuery;
import io.qdrant.client.grpc.Points.Query;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.UpdateBatchPoints;
import io.qdrant.client.grpc.Points.UpsertPoints;
import io.qdrant.client.grpc.Points.Vector;
import io.ragstream.core.model.PointId;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.Point;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.store.qdrant.QdrantStoreConfig.VectorDistance;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every request the store sends, checked field by field on the client's protobuf messages. */
class RequestsTest {
  private static final String C = "ragstream";
  private static final DocumentAttributes ATTRS =
      new DocumentAttributes("Fox facts", "acme", List.of("alice", "eng"), Map.of("lang", "en"));
  private static final Bm25Encoder BM25 = new Bm25Encoder(0.9f, 0.4f, 128);

  private static Point point(int index, int count) {
    return new Point(
        PointId.of("doc-1", index),
        index,
        count,
        "the quick brown fox",
        0,
        19,
        new float[] {0.6f, 0.8f},
        "bge@1");
  }

  // ------------------------------------------------------------------------------- collection

  @Test
  void createCollectionHasANamedDenseVectorASparseIdfVectorAndTheEmbedderAsMetadata() {
    CreateCollection create = Requests.createCollection(C, 384, VectorDistance.COSINE, "bge@1");

    assertThat(create.getCollectionName()).isEqualTo(C);
    Map<String, VectorParams> vectors = create.getVectorsConfig().getParamsMap().getMapMap();
    assertThat(vectors).containsOnlyKeys("dense");
    assertThat(vectors.get("dense").getSize()).isEqualTo(384);
    assertThat(vectors.get("dense").getDistance()).isEqualTo(Distance.Cosine);
    assertThat(create.getSparseVectorsConfig().getMapMap()).containsOnlyKeys("bm25");
    assertThat(create.getSparseVectorsConfig().getMapMap().get("bm25").getModifier())
        .isEqualTo(Modifier.Idf);
    assertThat(create.getMetadataMap().get("ragstream.embedder").getStringValue())
        .isEqualTo("bge@1");
    assertThat(create.getMetadataMap().get("ragstream.schema").getStringValue())
        .isEqualTo("points-v1");
    assertThat(
            Requests.createCollection(C, 8, VectorDistance.DOT, "e")
                .getVectorsConfig()
                .getParamsMap()
                .getMapMap()
                .get("dense")
                .getDistance())
        .isEqualTo(Distance.Dot);
  }

  @Test
  void payloadIndexesAreKeywordForIdsTenantAndAclAndIntegerForRangesAndTimes() {
    List<CreateFieldIndexCollection> indexes = Requests.payloadIndexes(C);

    Map<String, FieldType> types =
        indexes.stream()
            .collect(
                Collectors.toMap(
                    CreateFieldIndexCollection::getFieldName,
                    CreateFieldIndexCollection::getFieldType));
    assertThat(types)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "documentId", FieldType.FieldTypeKeyword,
                "kind", FieldType.FieldTypeKeyword,
                "state", FieldType.FieldTypeKeyword,
                "tenant", FieldType.FieldTypeKeyword,
                "acl", FieldType.FieldTypeKeyword,
                "chunkIndex", FieldType.FieldTypeInteger,
                "committedAt", FieldType.FieldTypeInteger,
                "indexedAt", FieldType.FieldTypeInteger,
                "deletedAt", FieldType.FieldTypeInteger));
    assertThat(indexes).allSatisfy(i -> assertThat(i.getWait()).isTrue());
    assertThat(indexes).allSatisfy(i -> assertThat(i.getCollectionName()).isEqualTo(C));
    CreateFieldIndexCollection tenant =
        indexes.stream().filter(i -> i.getFieldName().equals("tenant")).findFirst().orElseThrow();
    assertThat(tenant.getFieldIndexParams().getKeywordIndexParams().getIsTenant()).isTrue();
  }

  @Test
  void switchAliasIsOneRequestThatDeletesThenCreatesTheAlias() {
    List<AliasOperations> ops = Requests.switchAlias("ragstream", "ragstream_v2");

    assertThat(ops).hasSize(2);
    assertThat(ops.get(0).getDeleteAlias().getAliasName()).isEqualTo("ragstream");
    assertThat(ops.get(1).getCreateAlias().getAliasName()).isEqualTo("ragstream");
    assertThat(ops.get(1).getCreateAlias().getCollectionName()).isEqualTo("ragstream_v2");
  }

  // ------------------------------------------------------------------------------- writes

  @Test
  void chunkPointHasTheDeterministicIdBothVectorsAndTheDesignPayload() {
    Point p = point(1, 3);
    Bm25Encoder.Sparse sparse = BM25.document(ATTRS.title(), p.text());

    PointStruct s = Requests.chunkPoint("doc-1", 7, 1_000, 2_000, ATTRS, "h1", p, sparse);

    assertThat(s.getId().getUuid()).isEqualTo(PointId.of("doc-1", 1).toString());
    Map<String, Vector> vectors = s.getVectors().getVectors().getVectorsMap();
    assertThat(vectors.get("dense").getDense().getDataList()).containsExactly(0.6f, 0.8f);
    assertThat(vectors.get("bm25").getSparse().getIndicesList())
        .containsExactlyElementsOf(
            java.util.Arrays.stream(sparse.indices()).boxed().collect(Collectors.toList()));
    assertThat(vectors.get("bm25").getSparse().getValuesList()).hasSize(sparse.values().length);
    Map<String, Value> payload = s.getPayloadMap();
    assertThat(payload.get("kind").getStringValue()).isEqualTo("chunk");
    assertThat(payload.get("documentId").getStringValue()).isEqualTo("doc-1");
    assertThat(payload.get("chunkIndex").getIntegerValue()).isEqualTo(1);
    assertThat(payload.get("chunkCount").getIntegerValue()).isEqualTo(3);
    assertThat(payload.get("version").getIntegerValue()).isEqualTo(7);
    assertThat(payload.get("committedAt").getIntegerValue()).isEqualTo(1_000);
    assertThat(payload.get("indexedAt").getIntegerValue()).isEqualTo(2_000);
    assertThat(payload.get("tenant").getStringValue()).isEqualTo("acme");
    assertThat(payload.get("acl").getListValue().getValuesList())
        .extracting(Value::getStringValue)
        .containsExactly("alice", "eng");
    assertThat(payload.get("title").getStringValue()).isEqualTo("Fox facts");
    assertThat(payload.get("text").getStringValue()).isEqualTo("the quick brown fox");
    assertThat(payload.get("start").getIntegerValue()).isZero();
    assertThat(payload.get("end").getIntegerValue()).isEqualTo(19);
    assertThat(payload.get("contentHash").getStringValue()).isEqualTo("h1");
    assertThat(payload.get("embedder").getStringValue()).isEqualTo("bge@1");
    assertThat(payload.get("metadata").getStructValue().getFieldsMap().get("lang").getStringValue())
        .isEqualTo("en");
  }

  @Test
  void chunkWithoutTermsOrTenantHasNoSparseVectorNoTenantAndAnEmptyAcl() {
    DocumentAttributes none = new DocumentAttributes(null, null, null, null);
    Point p = new Point(PointId.of("d", 0), 0, 1, "the of", 0, 6, new float[] {1f, 0f}, "bge@1");

    PointStruct s = Requests.chunkPoint("d", 1, 1, 1, none, "h", p, BM25.document(null, p.text()));

    assertThat(s.getVectors().getVectors().getVectorsMap()).containsOnlyKeys("dense");
    assertThat(s.getPayloadMap()).doesNotContainKeys("tenant", "title");
    assertThat(s.getPayloadMap().get("acl").getListValue().getValuesCount()).isZero();
  }

  @Test
  void statePointsCarryTheVersionGuardPayloadAndNoVector() {
    PointStruct live = Requests.liveState("doc-1", 4, 5_000, 6_000, "h4", 2);
    PointStruct tomb = Requests.tombstone("doc-1", 5, 7_000, 8_000);

    String stateId = QdrantSchema.stateId("doc-1").toString();
    assertThat(live.getId().getUuid()).isEqualTo(stateId);
    assertThat(tomb.getId().getUuid()).isEqualTo(stateId);
    // An empty named-vectors map, not a missing one: gRPC rejects a point without vectors.
    assertThat(live.hasVectors()).isTrue();
    assertThat(live.getVectors().hasVectors()).isTrue();
    assertThat(live.getVectors().getVectors().getVectorsCount()).isZero();
    assertThat(live.getPayloadMap().get("kind").getStringValue()).isEqualTo("state");
    assertThat(live.getPayloadMap().get("state").getStringValue()).isEqualTo("live");
    assertThat(live.getPayloadMap().get("version").getIntegerValue()).isEqualTo(4);
    assertThat(live.getPayloadMap().get("contentHash").getStringValue()).isEqualTo("h4");
    assertThat(live.getPayloadMap().get("chunkCount").getIntegerValue()).isEqualTo(2);
    assertThat(live.getPayloadMap()).doesNotContainKey("deletedAt");
    assertThat(tomb.getPayloadMap().get("state").getStringValue()).isEqualTo("tombstone");
    assertThat(tomb.getPayloadMap().get("version").getIntegerValue()).isEqualTo(5);
    assertThat(tomb.getPayloadMap().get("committedAt").getIntegerValue()).isEqualTo(7_000);
    assertThat(tomb.getPayloadMap().get("deletedAt").getIntegerValue()).isEqualTo(8_000);
    assertThat(tomb.getPayloadMap()).doesNotContainKeys("contentHash", "chunkCount");
  }

  @Test
  void upsertBatchCarriesThePointsAndTheWaitFlag() {
    List<PointStruct> points =
        List.of(
            Requests.chunkPoint("doc-1", 1, 1, 1, ATTRS, "h", point(0, 2), BM25.query("fox")),
            Requests.chunkPoint("doc-1", 1, 1, 1, ATTRS, "h", point(1, 2), BM25.query("fox")));

    UpsertPoints waiting = Requests.upsert(C, points, true);
    UpsertPoints fireAndForget = Requests.upsert(C, points, false);

    assertThat(waiting.getCollectionName()).isEqualTo(C);
    assertThat(waiting.getPointsList()).isEqualTo(points);
    assertThat(waiting.getWait()).isTrue();
    assertThat(fireAndForget.getWait()).isFalse();
  }

  @Test
  void finalUpdateBatchDeletesTheSurplusByRangeFilterThenWritesTheStateAndWaits() {
    PointStruct state = Requests.liveState("doc-1", 2, 1, 1, "h", 1);

    UpdateBatchPoints batch =
        Requests.batch(
            C,
            List.of(
                Requests.deleteChunksFrom("doc-1", 1), Requests.upsertOperation(List.of(state))));

    assertThat(batch.getWait()).isTrue();
    assertThat(batch.getCollectionName()).isEqualTo(C);
    assertThat(batch.getOperationsList()).hasSize(2);
    Filter surplus = batch.getOperations(0).getDeletePoints().getPoints().getFilter();
    assertThat(keywords(surplus))
        .containsExactlyInAnyOrderEntriesOf(Map.of("kind", "chunk", "documentId", "doc-1"));
    FieldCondition range = field(surplus, "chunkIndex");
    assertThat(range.getRange().getGte()).isEqualTo(1.0);
    assertThat(range.getRange().hasLt()).isFalse();
    assertThat(batch.getOperations(1).getUpsert().getPointsList()).containsExactly(state);
  }

  @Test
  void deletingFromChunkZeroSelectsEveryChunkOfTheDocumentOnly() {
    Filter all = Requests.deleteChunksFrom("doc-1", 0).getDeletePoints().getPoints().getFilter();

    assertThat(all.getMustList()).hasSize(2);
    assertThat(keywords(all))
        .containsExactlyInAnyOrderEntriesOf(Map.of("kind", "chunk", "documentId", "doc-1"));
  }

  @Test
  void attributeUpdateSetsPayloadClearsNullsAndReplacesBm25Vectors() {
    UUID p0 = PointId.of("doc-1", 0);
    UUID p1 = PointId.of("doc-1", 1);
    DocumentAttributes renamed = new DocumentAttributes(null, "globex", List.of("bob"), Map.of());
    Map<UUID, Bm25Encoder.Sparse> vectors = new java.util.LinkedHashMap<>();
    vectors.put(p0, BM25.document(null, "apples"));
    vectors.put(p1, BM25.document(null, "the"));

    List<PointsUpdateOperation> ops =
        Requests.updateAttributes("doc-1", renamed, 2, 2_000, 3_000, vectors);

    assertThat(ops).hasSize(4);
    PointsUpdateOperation.SetPayload set = ops.get(0).getSetPayload();
    assertThat(keywords(set.getPointsSelector().getFilter()))
        .containsExactlyInAnyOrderEntriesOf(Map.of("kind", "chunk", "documentId", "doc-1"));
    assertThat(set.getPayloadMap().get("tenant").getStringValue()).isEqualTo("globex");
    assertThat(set.getPayloadMap().get("version").getIntegerValue()).isEqualTo(2);
    assertThat(set.getPayloadMap().get("committedAt").getIntegerValue()).isEqualTo(2_000);
    assertThat(set.getPayloadMap()).doesNotContainKey("title");
    assertThat(ops.get(1).getDeletePayload().getKeysList()).containsExactly("title");
    assertThat(ops.get(2).getUpdateVectors().getPointsList())
        .singleElement()
        .satisfies(
            pv -> {
              assertThat(pv.getId().getUuid()).isEqualTo(p0.toString());
              assertThat(pv.getVectors().getVectors().getVectorsMap()).containsOnlyKeys("bm25");
            });
    assertThat(ops.get(3).getDeleteVectors().getVectors().getNamesList()).containsExactly("bm25");
    assertThat(ops.get(3).getDeleteVectors().getPointsSelector().getPoints().getIdsList())
        .extracting(id -> id.getUuid())
        .containsExactly(p1.toString());
  }

  // ------------------------------------------------------------------------------- reads

  @Test
  void getStateRetrievesTheStatePointWithPayloadAndWithoutVectors() {
    var get = Requests.getState(C, "doc-1");

    assertThat(get.getIdsList())
        .extracting(id -> id.getUuid())
        .containsExactly(QdrantSchema.stateId("doc-1").toString());
    assertThat(get.getWithPayload().getEnable()).isTrue();
    assertThat(get.getWithVectors().getEnable()).isFalse();
  }

  @Test
  void scrollForDocumentsWalksEveryPointWithOnlyTheDocumentId() {
    ScrollPoints first = Requests.scrollDocumentIds(C, null, 256);
    ScrollPoints next =
        Requests.scrollDocumentIds(C, io.qdrant.client.PointIdFactory.id(PointId.of("a", 0)), 256);

    assertThat(first.hasFilter()).isFalse();
    assertThat(first.hasOffset()).isFalse();
    assertThat(first.getLimit()).isEqualTo(256);
    assertThat(first.getWithPayload().getInclude().getFieldsList()).containsExactly("documentId");
    assertThat(first.getWithVectors().getEnable()).isFalse();
    assertThat(next.getOffset().getUuid()).isEqualTo(PointId.of("a", 0).toString());
  }

  @Test
  void scrollChunksFiltersTheDocumentAndAsksForTheDenseVectorOnlyWhenWanted() {
    ScrollPoints withVectors = Requests.scrollChunks(C, "doc-1", null, 256, true);
    ScrollPoints without = Requests.scrollChunks(C, "doc-1", null, 256, false);

    assertThat(keywords(withVectors.getFilter()))
        .containsExactlyInAnyOrderEntriesOf(Map.of("kind", "chunk", "documentId", "doc-1"));
    assertThat(withVectors.getWithVectors().getInclude().getNamesList()).containsExactly("dense");
    assertThat(without.getWithVectors().getEnable()).isFalse();
  }

  @Test
  void newestStateOrdersStatePointsByTheFieldDescending() {
    ScrollPoints newest = Requests.newestState(C, "committedAt");

    assertThat(keywords(newest.getFilter())).containsExactlyEntriesOf(Map.of("kind", "state"));
    assertThat(newest.getOrderBy().getKey()).isEqualTo("committedAt");
    assertThat(newest.getOrderBy().getDirection()).isEqualTo(Direction.Desc);
    assertThat(newest.getLimit()).isEqualTo(1);
  }

  @Test
  void countAndPurgeFiltersSelectTheRightPoints() {
    assertThat(Requests.count(C, Requests.chunks()).getExact()).isTrue();
    assertThat(keywords(Requests.liveStates()))
        .containsExactlyInAnyOrderEntriesOf(Map.of("kind", "state", "state", "live"));
    Filter purge = Requests.tombstonesDeletedBefore(9_000);
    assertThat(keywords(purge))
        .containsExactlyInAnyOrderEntriesOf(Map.of("kind", "state", "state", "tombstone"));
    assertThat(field(purge, "deletedAt").getRange().getLt()).isEqualTo(9_000.0);
    assertThat(Requests.delete(C, purge).getPoints().getFilter()).isEqualTo(purge);
    assertThat(Requests.delete(C, purge).getWait()).isTrue();
  }

  // ------------------------------------------------------------------------------- search

  @Test
  void visibilityFilterKeepsChunksOfTheTenantSharingAPrincipal() {
    Filter f = Requests.visibility(new SearchFilter("acme", Set.of("bob", "alice")));

    assertThat(keywords(f))
        .containsExactlyInAnyOrderEntriesOf(Map.of("kind", "chunk", "tenant", "acme"));
    assertThat(field(f, "acl").getMatch().getKeywords().getStringsList())
        .containsExactly("alice", "bob");
    assertThat(Requests.visibility(SearchFilter.NONE).getMustList()).hasSize(1);
    assertThat(Requests.visibility(new SearchFilter("acme", Set.of()))).isNull();
    assertThat(Requests.visibility(new SearchFilter(null, Set.of("x"))).getMustList())
        .extracting(c -> c.getField().getKey())
        .containsExactlyInAnyOrder("kind", "acl");
  }

  @Test
  void denseQueryUsesTheNamedVectorTheFilterEfAndLimit() {
    Filter visible = Requests.visibility(SearchFilter.NONE);

    QueryPoints q = Requests.dense(C, new float[] {0.6f, 0.8f}, visible, 10, 100);

    assertThat(q.getUsing()).isEqualTo("dense");
    assertThat(q.getQuery().getNearest().getDense().getDataList()).containsExactly(0.6f, 0.8f);
    assertThat(q.getFilter()).isEqualTo(visible);
    assertThat(q.getParams().getHnswEf()).isEqualTo(100);
    assertThat(q.getLimit()).isEqualTo(10);
    assertThat(q.getWithPayload().getInclude().getFieldsList())
        .containsExactlyInAnyOrder(
            "documentId", "chunkIndex", "title", "text", "version", "committedAt");
  }

  @Test
  void bm25QueryIsTheSparseTermCountVector() {
    Bm25Encoder.Sparse terms = BM25.query("fusion fusion rankings");

    QueryPoints q = Requests.bm25(C, terms, Requests.visibility(SearchFilter.NONE), 5);

    assertThat(q.getUsing()).isEqualTo("bm25");
    var sparse = q.getQuery().getNearest().getSparse();
    assertThat(sparse.getIndicesList())
        .containsExactlyElementsOf(
            java.util.Arrays.stream(terms.indices()).boxed().collect(Collectors.toList()));
    assertThat(sparse.getValuesList()).containsExactlyInAnyOrder(2f, 1f);
    assertThat(q.getLimit()).isEqualTo(5);
  }

  @Test
  void hybridQueryIsTwoFilteredPrefetchesFusedByRrfWithKShiftedForZeroBasedPositions() {
    Filter visible = Requests.visibility(new SearchFilter("acme", Set.of("alice")));
    Bm25Encoder.Sparse terms = BM25.query("fox");

    QueryPoints q = Requests.hybridRrf(C, new float[] {1f, 0f}, terms, visible, 100, 128, 10, 60);

    assertThat(q.getPrefetchList()).hasSize(2);
    PrefetchQuery dense = q.getPrefetch(0);
    PrefetchQuery bm25 = q.getPrefetch(1);
    assertThat(dense.getUsing()).isEqualTo("dense");
    assertThat(dense.getQuery().getNearest().getDense().getDataList()).containsExactly(1f, 0f);
    assertThat(dense.getFilter()).isEqualTo(visible);
    assertThat(dense.getLimit()).isEqualTo(100);
    assertThat(dense.getParams().getHnswEf()).isEqualTo(128);
    assertThat(bm25.getUsing()).isEqualTo("bm25");
    assertThat(bm25.getQuery().getNearest().getSparse().getIndicesCount()).isEqualTo(1);
    assertThat(bm25.getFilter()).isEqualTo(visible);
    assertThat(bm25.getLimit()).isEqualTo(100);
    assertThat(q.getQuery().getVariantCase()).isEqualTo(Query.VariantCase.RRF);
    assertThat(q.getQuery().getRrf().getK()).isEqualTo(61);
    assertThat(q.getLimit()).isEqualTo(10);
    assertThat(q.getWithPayload().getInclude().getFieldsList()).contains("documentId", "text");
  }

  @Test
  void hybridQueryWithoutTermsHasOnlyTheDensePrefetch() {
    QueryPoints q =
        Requests.hybridRrf(
            C,
            new float[] {1f, 0f},
            BM25.query("the of"),
            Requests.visibility(SearchFilter.NONE),
            100,
            100,
            10,
            60);

    assertThat(q.getPrefetchList()).extracting(PrefetchQuery::getUsing).containsExactly("dense");
  }

  @Test
  void qdrantRrfKReproducesCormackScores() {
    // Qdrant: 1 / (position + k'), positions from 0. Cormack: 1 / (k + rank), ranks from 1.
    for (int k : new int[] {0, 1, 20, 60}) {
      int qk = Requests.qdrantRrfK(k);
      for (int position = 0; position < 5; position++) {
        assertThat(1.0 / (position + qk)).isEqualTo(1.0 / (k + position + 1));
      }
    }
  }

  // ------------------------------------------------------------------------------- helpers

  /** The keyword match conditions of a filter's must clauses, by key. */
  private static Map<String, String> keywords(Filter filter) {
    return filter.getMustList().stream()
        .filter(Condition::hasField)
        .map(Condition::getField)
        .filter(f -> f.hasMatch() && f.getMatch().hasKeyword())
        .collect(Collectors.toMap(FieldCondition::getKey, f -> f.getMatch().getKeyword()));
  }

  private static FieldCondition field(Filter filter, String key) {
    return filter.getMustList().stream()
        .map(Condition::getField)
        .filter(f -> f.getKey().equals(key))
        .findFirst()
        .orElseThrow();
  }
}
