package io.ragstream.store.qdrant.internal;

import static io.qdrant.client.ConditionFactory.matchKeyword;
import static io.qdrant.client.ConditionFactory.matchKeywords;
import static io.qdrant.client.ConditionFactory.range;
import static io.qdrant.client.PointIdFactory.id;
import static io.qdrant.client.ValueFactory.value;
import static io.ragstream.store.qdrant.internal.QdrantSchema.ACL;
import static io.ragstream.store.qdrant.internal.QdrantSchema.BM25;
import static io.ragstream.store.qdrant.internal.QdrantSchema.CHUNK_COUNT;
import static io.ragstream.store.qdrant.internal.QdrantSchema.CHUNK_INDEX;
import static io.ragstream.store.qdrant.internal.QdrantSchema.COMMITTED_AT;
import static io.ragstream.store.qdrant.internal.QdrantSchema.CONTENT_HASH;
import static io.ragstream.store.qdrant.internal.QdrantSchema.DELETED_AT;
import static io.ragstream.store.qdrant.internal.QdrantSchema.DENSE;
import static io.ragstream.store.qdrant.internal.QdrantSchema.DOCUMENT_ID;
import static io.ragstream.store.qdrant.internal.QdrantSchema.EMBEDDER;
import static io.ragstream.store.qdrant.internal.QdrantSchema.END;
import static io.ragstream.store.qdrant.internal.QdrantSchema.INDEXED_AT;
import static io.ragstream.store.qdrant.internal.QdrantSchema.KIND;
import static io.ragstream.store.qdrant.internal.QdrantSchema.KIND_CHUNK;
import static io.ragstream.store.qdrant.internal.QdrantSchema.KIND_STATE;
import static io.ragstream.store.qdrant.internal.QdrantSchema.METADATA;
import static io.ragstream.store.qdrant.internal.QdrantSchema.START;
import static io.ragstream.store.qdrant.internal.QdrantSchema.STATE;
import static io.ragstream.store.qdrant.internal.QdrantSchema.STATE_LIVE;
import static io.ragstream.store.qdrant.internal.QdrantSchema.STATE_TOMBSTONE;
import static io.ragstream.store.qdrant.internal.QdrantSchema.TENANT;
import static io.ragstream.store.qdrant.internal.QdrantSchema.TEXT;
import static io.ragstream.store.qdrant.internal.QdrantSchema.TITLE;
import static io.ragstream.store.qdrant.internal.QdrantSchema.VERSION;

import io.qdrant.client.QueryFactory;
import io.qdrant.client.VectorFactory;
import io.qdrant.client.VectorsFactory;
import io.qdrant.client.WithPayloadSelectorFactory;
import io.qdrant.client.WithVectorsSelectorFactory;
import io.qdrant.client.grpc.Collections.AliasOperations;
import io.qdrant.client.grpc.Collections.CreateAlias;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.DeleteAlias;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.KeywordIndexParams;
import io.qdrant.client.grpc.Collections.Modifier;
import io.qdrant.client.grpc.Collections.PayloadIndexParams;
import io.qdrant.client.grpc.Collections.SparseVectorConfig;
import io.qdrant.client.grpc.Collections.SparseVectorParams;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorParamsMap;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.Common.Range;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.CountPoints;
import io.qdrant.client.grpc.Points.CreateFieldIndexCollection;
import io.qdrant.client.grpc.Points.DeletePoints;
import io.qdrant.client.grpc.Points.Direction;
import io.qdrant.client.grpc.Points.FieldType;
import io.qdrant.client.grpc.Points.GetPoints;
import io.qdrant.client.grpc.Points.NamedVectors;
import io.qdrant.client.grpc.Points.OrderBy;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.PointVectors;
import io.qdrant.client.grpc.Points.PointsIdsList;
import io.qdrant.client.grpc.Points.PointsSelector;
import io.qdrant.client.grpc.Points.PointsUpdateOperation;
import io.qdrant.client.grpc.Points.PrefetchQuery;
import io.qdrant.client.grpc.Points.Query;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.Rrf;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.SearchParams;
import io.qdrant.client.grpc.Points.UpdateBatchPoints;
import io.qdrant.client.grpc.Points.UpsertPoints;
import io.qdrant.client.grpc.Points.Vector;
import io.qdrant.client.grpc.Points.Vectors;
import io.qdrant.client.grpc.Points.VectorsSelector;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.Point;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.store.qdrant.QdrantStoreConfig.VectorDistance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Builds every Qdrant request the store sends, as the official client's protobuf messages, with no
 * I/O, so unit tests can check each field. Field names are {@link QdrantSchema}'s.
 */
public final class Requests {
  /** Payload fields a search hit needs. */
  public static final List<String> HIT_FIELDS =
      List.of(DOCUMENT_ID, CHUNK_INDEX, TITLE, TEXT, VERSION, COMMITTED_AT);

  private Requests() {}

  // ------------------------------------------------------------------------------- collection

  /**
   * A collection with the named dense vector {@value QdrantSchema#DENSE} ({@code dimension}, {@code
   * distance}), the sparse vector {@value QdrantSchema#BM25} with {@code modifier: idf} (Qdrant
   * applies IDF at query time), and the embedder id and schema version as collection metadata.
   */
  public static CreateCollection createCollection(
      String collection, int dimension, VectorDistance distance, String embedder) {
    return CreateCollection.newBuilder()
        .setCollectionName(collection)
        .setVectorsConfig(
            VectorsConfig.newBuilder()
                .setParamsMap(
                    VectorParamsMap.newBuilder()
                        .putMap(
                            DENSE,
                            VectorParams.newBuilder()
                                .setSize(dimension)
                                .setDistance(distance(distance))
                                .build())))
        .setSparseVectorsConfig(
            SparseVectorConfig.newBuilder()
                .putMap(BM25, SparseVectorParams.newBuilder().setModifier(Modifier.Idf).build()))
        .putMetadata(QdrantSchema.META_EMBEDDER, value(embedder))
        .putMetadata(QdrantSchema.META_SCHEMA, value(QdrantSchema.SCHEMA_VERSION))
        .build();
  }

  /** Qdrant's distance for ours. */
  public static Distance distance(VectorDistance distance) {
    return switch (distance) {
      case COSINE -> Distance.Cosine;
      case DOT -> Distance.Dot;
    };
  }

  /**
   * The payload indexes of the schema, created with {@code wait=true}: keyword on {@code
   * documentId}, {@code kind}, {@code state}, {@code acl} and {@code tenant} (with {@code
   * is_tenant}, so Qdrant co-locates each tenant's points); integer (range) on {@code chunkIndex},
   * {@code committedAt}, {@code indexedAt} and {@code deletedAt}.
   */
  public static List<CreateFieldIndexCollection> payloadIndexes(String collection) {
    List<CreateFieldIndexCollection> out = new ArrayList<>();
    for (String keyword : List.of(DOCUMENT_ID, KIND, STATE, ACL)) {
      out.add(index(collection, keyword, FieldType.FieldTypeKeyword).build());
    }
    out.add(
        index(collection, TENANT, FieldType.FieldTypeKeyword)
            .setFieldIndexParams(
                PayloadIndexParams.newBuilder()
                    .setKeywordIndexParams(KeywordIndexParams.newBuilder().setIsTenant(true)))
            .build());
    for (String integer : List.of(CHUNK_INDEX, COMMITTED_AT, INDEXED_AT, DELETED_AT)) {
      out.add(index(collection, integer, FieldType.FieldTypeInteger).build());
    }
    return out;
  }

  private static CreateFieldIndexCollection.Builder index(
      String collection, String field, FieldType type) {
    return CreateFieldIndexCollection.newBuilder()
        .setCollectionName(collection)
        .setFieldName(field)
        .setFieldType(type)
        .setWait(true);
  }

  /**
   * Points {@code alias} at {@code collection} in one atomic request: delete the alias (a no-op
   * when it does not exist), then create it. Qdrant applies the actions of one request atomically,
   * so no reader sees the alias missing.
   */
  public static List<AliasOperations> switchAlias(String alias, String collection) {
    return List.of(
        AliasOperations.newBuilder()
            .setDeleteAlias(DeleteAlias.newBuilder().setAliasName(alias))
            .build(),
        AliasOperations.newBuilder()
            .setCreateAlias(
                CreateAlias.newBuilder().setAliasName(alias).setCollectionName(collection))
            .build());
  }

  // ------------------------------------------------------------------------------- points

  /** The chunk point of {@code point}: both named vectors and the DESIGN payload. */
  public static PointStruct chunkPoint(
      String documentId,
      long version,
      long committedAt,
      long indexedAt,
      DocumentAttributes attributes,
      String contentHash,
      Point point,
      Bm25Encoder.Sparse bm25) {
    Map<String, Vector> vectors = new HashMap<>();
    vectors.put(DENSE, VectorFactory.vector(point.vector()));
    if (!bm25.isEmpty()) {
      vectors.put(BM25, sparse(bm25));
    }
    Map<String, Value> payload = attributePayload(attributes, version, committedAt, indexedAt);
    payload.put(KIND, value(KIND_CHUNK));
    payload.put(DOCUMENT_ID, value(documentId));
    payload.put(CHUNK_INDEX, value(point.chunkIndex()));
    payload.put(CHUNK_COUNT, value(point.chunkCount()));
    payload.put(TEXT, value(point.text()));
    payload.put(START, value(point.start()));
    payload.put(END, value(point.end()));
    payload.put(CONTENT_HASH, value(contentHash));
    payload.put(EMBEDDER, value(point.embedder()));
    return PointStruct.newBuilder()
        .setId(id(point.id()))
        .setVectors(VectorsFactory.namedVectors(vectors))
        .putAllPayload(payload)
        .build();
  }

  /**
   * The payload that an attribute update rewrites: title and tenant (when not null), acl, metadata,
   * version, committedAt and indexedAt.
   */
  static Map<String, Value> attributePayload(
      DocumentAttributes attributes, long version, long committedAt, long indexedAt) {
    Map<String, Value> payload = new HashMap<>();
    if (attributes.title() != null) {
      payload.put(TITLE, value(attributes.title()));
    }
    if (attributes.tenant() != null) {
      payload.put(TENANT, value(attributes.tenant()));
    }
    payload.put(ACL, value(attributes.acl().stream().map(a -> value(a)).toList()));
    Map<String, Value> metadata = new HashMap<>();
    attributes.metadata().forEach((k, v) -> metadata.put(k, value(v)));
    payload.put(METADATA, value(metadata));
    payload.put(VERSION, value(version));
    payload.put(COMMITTED_AT, value(committedAt));
    payload.put(INDEXED_AT, value(indexedAt));
    return payload;
  }

  /** The state point of a live document: no vector, the version guard's payload. */
  public static PointStruct liveState(
      String documentId,
      long version,
      long committedAt,
      long indexedAt,
      String contentHash,
      int chunkCount) {
    return state(documentId, version, committedAt, indexedAt, STATE_LIVE)
        .putPayload(CONTENT_HASH, value(contentHash))
        .putPayload(CHUNK_COUNT, value(chunkCount))
        .build();
  }

  /** The state point of a deleted document; {@code deletedAt} = {@code indexedAt}. */
  public static PointStruct tombstone(
      String documentId, long version, long committedAt, long indexedAt) {
    return state(documentId, version, committedAt, indexedAt, STATE_TOMBSTONE)
        .putPayload(DELETED_AT, value(indexedAt))
        .build();
  }

  private static PointStruct.Builder state(
      String documentId, long version, long committedAt, long indexedAt, String state) {
    return PointStruct.newBuilder()
        .setId(id(QdrantSchema.stateId(documentId)))
        .setVectors(Vectors.newBuilder().setVectors(NamedVectors.getDefaultInstance()))
        .putPayload(KIND, value(KIND_STATE))
        .putPayload(DOCUMENT_ID, value(documentId))
        .putPayload(STATE, value(state))
        .putPayload(VERSION, value(version))
        .putPayload(COMMITTED_AT, value(committedAt))
        .putPayload(INDEXED_AT, value(indexedAt));
  }

  /** A sparse Qdrant vector (indices as unsigned 32-bit values). */
  public static Vector sparse(Bm25Encoder.Sparse sparse) {
    List<Float> values = new ArrayList<>(sparse.values().length);
    List<Integer> indices = new ArrayList<>(sparse.indices().length);
    for (int i = 0; i < sparse.indices().length; i++) {
      indices.add(sparse.indices()[i]);
      values.add(sparse.values()[i]);
    }
    return VectorFactory.vector(values, indices);
  }

  /** One upsert request of {@code points}. */
  public static UpsertPoints upsert(String collection, List<PointStruct> points, boolean wait) {
    return UpsertPoints.newBuilder()
        .setCollectionName(collection)
        .addAllPoints(points)
        .setWait(wait)
        .build();
  }

  /** An update batch: Qdrant applies the operations in order; {@code wait=true}. */
  public static UpdateBatchPoints batch(String collection, List<PointsUpdateOperation> operations) {
    return UpdateBatchPoints.newBuilder()
        .setCollectionName(collection)
        .addAllOperations(operations)
        .setWait(true)
        .build();
  }

  /** The operation that upserts {@code points}. */
  public static PointsUpdateOperation upsertOperation(List<PointStruct> points) {
    return PointsUpdateOperation.newBuilder()
        .setUpsert(PointsUpdateOperation.PointStructList.newBuilder().addAllPoints(points))
        .build();
  }

  /**
   * The operation that deletes the chunk points of {@code documentId} with {@code chunkIndex >=
   * fromIndex}: the surplus of a shrinking document ({@code fromIndex} = its new chunk count), or
   * every chunk ({@code fromIndex} = 0).
   */
  public static PointsUpdateOperation deleteChunksFrom(String documentId, int fromIndex) {
    return PointsUpdateOperation.newBuilder()
        .setDeletePoints(
            PointsUpdateOperation.DeletePoints.newBuilder()
                .setPoints(
                    PointsSelector.newBuilder().setFilter(chunksFrom(documentId, fromIndex))))
        .build();
  }

  /** Chunk points of {@code documentId} with {@code chunkIndex >= fromIndex}. */
  public static Filter chunksFrom(String documentId, int fromIndex) {
    Filter.Builder filter = chunksOf(documentId).toBuilder();
    if (fromIndex > 0) {
      filter.addMust(range(CHUNK_INDEX, Range.newBuilder().setGte(fromIndex).build()));
    }
    return filter.build();
  }

  /** Every chunk point of {@code documentId}. */
  public static Filter chunksOf(String documentId) {
    return Filter.newBuilder()
        .addMust(matchKeyword(KIND, KIND_CHUNK))
        .addMust(matchKeyword(DOCUMENT_ID, documentId))
        .build();
  }

  /**
   * The operations of an attribute update on the chunk points of {@code documentId}: set the new
   * attribute payload, delete {@code title}/{@code tenant} when they became null, and replace each
   * point's BM25 vector (the title is part of it).
   *
   * @param bm25 the new BM25 vector of each chunk point, by point id
   */
  public static List<PointsUpdateOperation> updateAttributes(
      String documentId,
      DocumentAttributes attributes,
      long version,
      long committedAt,
      long indexedAt,
      Map<UUID, Bm25Encoder.Sparse> bm25) {
    PointsSelector chunks = PointsSelector.newBuilder().setFilter(chunksOf(documentId)).build();
    List<PointsUpdateOperation> ops = new ArrayList<>();
    ops.add(
        PointsUpdateOperation.newBuilder()
            .setSetPayload(
                PointsUpdateOperation.SetPayload.newBuilder()
                    .setPointsSelector(chunks)
                    .putAllPayload(attributePayload(attributes, version, committedAt, indexedAt)))
            .build());
    List<String> cleared = new ArrayList<>();
    if (attributes.title() == null) cleared.add(TITLE);
    if (attributes.tenant() == null) cleared.add(TENANT);
    if (!cleared.isEmpty()) {
      ops.add(
          PointsUpdateOperation.newBuilder()
              .setDeletePayload(
                  PointsUpdateOperation.DeletePayload.newBuilder()
                      .setPointsSelector(chunks)
                      .addAllKeys(cleared))
              .build());
    }
    List<PointVectors> withTerms = new ArrayList<>();
    List<UUID> withoutTerms = new ArrayList<>();
    bm25.forEach(
        (pointId, sparse) -> {
          if (sparse.isEmpty()) {
            withoutTerms.add(pointId);
          } else {
            withTerms.add(
                PointVectors.newBuilder()
                    .setId(id(pointId))
                    .setVectors(VectorsFactory.namedVectors(Map.of(BM25, sparse(sparse))))
                    .build());
          }
        });
    if (!withTerms.isEmpty()) {
      ops.add(
          PointsUpdateOperation.newBuilder()
              .setUpdateVectors(
                  PointsUpdateOperation.UpdateVectors.newBuilder().addAllPoints(withTerms))
              .build());
    }
    if (!withoutTerms.isEmpty()) {
      ops.add(
          PointsUpdateOperation.newBuilder()
              .setDeleteVectors(
                  PointsUpdateOperation.DeleteVectors.newBuilder()
                      .setPointsSelector(
                          PointsSelector.newBuilder()
                              .setPoints(
                                  PointsIdsList.newBuilder()
                                      .addAllIds(withoutTerms.stream().map(u -> id(u)).toList())))
                      .setVectors(VectorsSelector.newBuilder().addNames(BM25)))
              .build());
    }
    return ops;
  }

  // ------------------------------------------------------------------------------- reads

  /** The state point of {@code documentId}, payload only. */
  public static GetPoints getState(String collection, String documentId) {
    return GetPoints.newBuilder()
        .setCollectionName(collection)
        .addIds(id(QdrantSchema.stateId(documentId)))
        .setWithPayload(WithPayloadSelectorFactory.enable(true))
        .setWithVectors(WithVectorsSelectorFactory.enable(false))
        .build();
  }

  /**
   * A page of the chunk points of {@code documentId} (in point id order; callers sort by chunk
   * index), with the dense vector when {@code withDense}.
   *
   * @param offset the next page offset of the previous page, or null
   */
  public static ScrollPoints scrollChunks(
      String collection, String documentId, PointId offset, int limit, boolean withDense) {
    ScrollPoints.Builder scroll =
        ScrollPoints.newBuilder()
            .setCollectionName(collection)
            .setFilter(chunksOf(documentId))
            .setLimit(limit)
            .setWithPayload(WithPayloadSelectorFactory.enable(true))
            .setWithVectors(
                withDense
                    ? WithVectorsSelectorFactory.include(List.of(DENSE))
                    : WithVectorsSelectorFactory.enable(false));
    if (offset != null) {
      scroll.setOffset(offset);
    }
    return scroll.build();
  }

  /**
   * A page of every point, payload {@code documentId} only: {@code documents(afterId, limit)} walks
   * the collection with it (Qdrant orders scrolls by point id, and {@code order_by} needs a numeric
   * index, so documentId order is established client-side).
   */
  public static ScrollPoints scrollDocumentIds(String collection, PointId offset, int limit) {
    ScrollPoints.Builder scroll =
        ScrollPoints.newBuilder()
            .setCollectionName(collection)
            .setLimit(limit)
            .setWithPayload(WithPayloadSelectorFactory.include(List.of(DOCUMENT_ID)))
            .setWithVectors(WithVectorsSelectorFactory.enable(false));
    if (offset != null) {
      scroll.setOffset(offset);
    }
    return scroll.build();
  }

  /** The state point with the largest {@code field} (an integer-indexed time), payload only. */
  public static ScrollPoints newestState(String collection, String field) {
    return ScrollPoints.newBuilder()
        .setCollectionName(collection)
        .setFilter(Filter.newBuilder().addMust(matchKeyword(KIND, KIND_STATE)))
        .setOrderBy(OrderBy.newBuilder().setKey(field).setDirection(Direction.Desc))
        .setLimit(1)
        .setWithPayload(WithPayloadSelectorFactory.include(List.of(field)))
        .setWithVectors(WithVectorsSelectorFactory.enable(false))
        .build();
  }

  /** An exact count of the points matching {@code filter}. */
  public static CountPoints count(String collection, Filter filter) {
    return CountPoints.newBuilder()
        .setCollectionName(collection)
        .setFilter(filter)
        .setExact(true)
        .build();
  }

  /** Live state points (documents). */
  public static Filter liveStates() {
    return states(STATE_LIVE);
  }

  /** Tombstones. */
  public static Filter tombstones() {
    return states(STATE_TOMBSTONE);
  }

  private static Filter states(String state) {
    return Filter.newBuilder()
        .addMust(matchKeyword(KIND, KIND_STATE))
        .addMust(matchKeyword(STATE, state))
        .build();
  }

  /** Chunk points. */
  public static Filter chunks() {
    return Filter.newBuilder().addMust(matchKeyword(KIND, KIND_CHUNK)).build();
  }

  /** Tombstones whose delete was applied before {@code deletedBefore}, epoch ms. */
  public static Filter tombstonesDeletedBefore(long deletedBefore) {
    return tombstones().toBuilder()
        .addMust(range(DELETED_AT, Range.newBuilder().setLt(deletedBefore).build()))
        .build();
  }

  /** The request that deletes the points matching {@code filter}, {@code wait=true}. */
  public static DeletePoints delete(String collection, Filter filter) {
    return DeletePoints.newBuilder()
        .setCollectionName(collection)
        .setPoints(PointsSelector.newBuilder().setFilter(filter))
        .setWait(true)
        .build();
  }

  // ------------------------------------------------------------------------------- search

  /**
   * The visibility filter (DESIGN "Permissions"): chunk points only, AND {@code tenant} equal when
   * set, AND {@code acl} sharing a principal when principals are given. Null when the principal set
   * is empty: nothing is visible, so no query is sent.
   */
  public static Filter visibility(SearchFilter filter) {
    if (filter.principals() != null && filter.principals().isEmpty()) {
      return null;
    }
    Filter.Builder out = Filter.newBuilder().addMust(matchKeyword(KIND, KIND_CHUNK));
    if (filter.tenant() != null) {
      out.addMust(matchKeyword(TENANT, filter.tenant()));
    }
    if (filter.principals() != null) {
      out.addMust(matchKeywords(ACL, filter.principals().stream().sorted().toList()));
    }
    return out.build();
  }

  /** Nearest neighbours of {@code vector} on the dense vector, HNSW {@code ef} = {@code ef}. */
  public static QueryPoints dense(
      String collection, float[] vector, Filter visible, int limit, int ef) {
    return QueryPoints.newBuilder()
        .setCollectionName(collection)
        .setQuery(QueryFactory.nearest(vector))
        .setUsing(DENSE)
        .setFilter(visible)
        .setParams(SearchParams.newBuilder().setHnswEf(ef))
        .setLimit(limit)
        .setWithPayload(WithPayloadSelectorFactory.include(HIT_FIELDS))
        .build();
  }

  /** BM25: the sparse query vector against {@value QdrantSchema#BM25} (Qdrant applies idf). */
  public static QueryPoints bm25(
      String collection, Bm25Encoder.Sparse query, Filter visible, int limit) {
    return QueryPoints.newBuilder()
        .setCollectionName(collection)
        .setQuery(nearestSparse(query))
        .setUsing(BM25)
        .setFilter(visible)
        .setLimit(limit)
        .setWithPayload(WithPayloadSelectorFactory.include(HIT_FIELDS))
        .build();
  }

  private static Query nearestSparse(Bm25Encoder.Sparse query) {
    List<Float> values = new ArrayList<>(query.values().length);
    List<Integer> indices = new ArrayList<>(query.indices().length);
    for (int i = 0; i < query.indices().length; i++) {
      indices.add(query.indices()[i]);
      values.add(query.values()[i]);
    }
    return QueryFactory.nearest(values, indices);
  }

  /**
   * Server-side hybrid search with the Query API: two prefetches (dense and BM25, each {@code
   * depth} deep under the visibility filter) fused by Qdrant's RRF.
   *
   * <p>Qdrant scores a point {@code Σ 1 / (position + k)} with positions from 0 (its {@code
   * rrf_scoring}), Cormack et al. {@code Σ 1 / (k + rank)} with ranks from 1; so ragstream's {@code
   * rrfK} is sent as {@code k = rrfK + 1}, which gives the same scores.
   *
   * @param query the BM25 query vector; null or empty sends the dense prefetch only
   */
  public static QueryPoints hybridRrf(
      String collection,
      float[] vector,
      Bm25Encoder.Sparse query,
      Filter visible,
      int depth,
      int ef,
      int k,
      int rrfK) {
    QueryPoints.Builder out =
        QueryPoints.newBuilder()
            .setCollectionName(collection)
            .addPrefetch(
                PrefetchQuery.newBuilder()
                    .setQuery(QueryFactory.nearest(vector))
                    .setUsing(DENSE)
                    .setFilter(visible)
                    .setParams(SearchParams.newBuilder().setHnswEf(ef))
                    .setLimit(depth));
    if (query != null && !query.isEmpty()) {
      out.addPrefetch(
          PrefetchQuery.newBuilder()
              .setQuery(nearestSparse(query))
              .setUsing(BM25)
              .setFilter(visible)
              .setLimit(depth));
    }
    return out.setQuery(QueryFactory.rrf(Rrf.newBuilder().setK(qdrantRrfK(rrfK)).build()))
        .setLimit(k)
        .setWithPayload(WithPayloadSelectorFactory.include(HIT_FIELDS))
        .build();
  }

  /** Qdrant's RRF {@code k} that reproduces Cormack et al.'s {@code k} (positions from 0). */
  public static int qdrantRrfK(int rrfK) {
    return rrfK + 1;
  }
}
