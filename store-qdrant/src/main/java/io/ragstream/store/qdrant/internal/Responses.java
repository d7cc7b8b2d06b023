package io.ragstream.store.qdrant.internal;

import static io.ragstream.store.qdrant.internal.QdrantSchema.ACL;
import static io.ragstream.store.qdrant.internal.QdrantSchema.CHUNK_COUNT;
import static io.ragstream.store.qdrant.internal.QdrantSchema.CHUNK_INDEX;
import static io.ragstream.store.qdrant.internal.QdrantSchema.COMMITTED_AT;
import static io.ragstream.store.qdrant.internal.QdrantSchema.CONTENT_HASH;
import static io.ragstream.store.qdrant.internal.QdrantSchema.DENSE;
import static io.ragstream.store.qdrant.internal.QdrantSchema.DOCUMENT_ID;
import static io.ragstream.store.qdrant.internal.QdrantSchema.METADATA;
import static io.ragstream.store.qdrant.internal.QdrantSchema.STATE;
import static io.ragstream.store.qdrant.internal.QdrantSchema.STATE_TOMBSTONE;
import static io.ragstream.store.qdrant.internal.QdrantSchema.TENANT;
import static io.ragstream.store.qdrant.internal.QdrantSchema.TEXT;
import static io.ragstream.store.qdrant.internal.QdrantSchema.TITLE;
import static io.ragstream.store.qdrant.internal.QdrantSchema.VERSION;

import io.qdrant.client.VectorOutputHelper;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.VectorOutput;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.IndexedDocument;
import io.ragstream.core.store.SearchHit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Maps Qdrant's response messages to ragstream's values; pure functions, no I/O. */
public final class Responses {
  private Responses() {}

  /** What a state point says: version, tombstone flag, commit time, content hash, chunk count. */
  public record State(
      long version, boolean tombstone, long committedAt, String contentHash, int chunkCount) {
    /** Points the state declares (0 for a tombstone). */
    public int livePoints() {
      return tombstone ? 0 : chunkCount;
    }
  }

  /** A search hit from a scored chunk point, with {@code score} (Qdrant's, or a fused one). */
  public static SearchHit hit(ScoredPoint point, double score) {
    Map<String, Value> p = point.getPayloadMap();
    return new SearchHit(
        uuid(point.getId()),
        string(p, DOCUMENT_ID),
        (int) integer(p, CHUNK_INDEX, 0),
        score,
        string(p, TITLE),
        string(p, TEXT),
        integer(p, VERSION, -1),
        integer(p, COMMITTED_AT, 0));
  }

  /** The hit with Qdrant's score (a cosine for DENSE, a BM25 score, an RRF score). */
  public static SearchHit hit(ScoredPoint point) {
    return hit(point, point.getScore());
  }

  /** The state of a retrieved state point. */
  public static State state(Map<String, Value> payload) {
    boolean tombstone = STATE_TOMBSTONE.equals(string(payload, STATE));
    return new State(
        integer(payload, VERSION, -1),
        tombstone,
        integer(payload, COMMITTED_AT, 0),
        tombstone ? null : string(payload, CONTENT_HASH),
        tombstone ? 0 : (int) integer(payload, CHUNK_COUNT, 0));
  }

  /** A stored chunk point, without vector and text. */
  public static IndexedDocument.StoredPoint storedPoint(RetrievedPoint point) {
    Map<String, Value> p = point.getPayloadMap();
    return new IndexedDocument.StoredPoint(
        (int) integer(p, CHUNK_INDEX, -1),
        (int) integer(p, CHUNK_COUNT, -1),
        integer(p, VERSION, -1),
        string(p, CONTENT_HASH),
        attributes(p));
  }

  /** Title, tenant, acl and metadata of a chunk payload. */
  public static DocumentAttributes attributes(Map<String, Value> p) {
    List<String> acl = new ArrayList<>();
    Value aclValue = p.get(ACL);
    if (aclValue != null && aclValue.hasListValue()) {
      for (Value v : aclValue.getListValue().getValuesList()) {
        acl.add(v.getStringValue());
      }
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    Value meta = p.get(METADATA);
    if (meta != null && meta.hasStructValue()) {
      meta.getStructValue()
          .getFieldsMap()
          .forEach((k, v) -> metadata.put(k, v.hasStringValue() ? v.getStringValue() : null));
      metadata.values().removeIf(java.util.Objects::isNull);
    }
    return new DocumentAttributes(string(p, TITLE), string(p, TENANT), acl, metadata);
  }

  /** The text of a chunk payload. */
  public static String text(RetrievedPoint point) {
    return string(point.getPayloadMap(), TEXT);
  }

  /** The chunk index of a point's payload, -1 when absent. */
  public static int chunkIndex(RetrievedPoint point) {
    return (int) integer(point.getPayloadMap(), CHUNK_INDEX, -1);
  }

  /** The dense vector of a retrieved point, or null when it has none. */
  public static float[] denseVector(RetrievedPoint point) {
    if (!point.hasVectors() || !point.getVectors().hasVectors()) {
      return null;
    }
    VectorOutput out = point.getVectors().getVectors().getVectorsMap().get(DENSE);
    if (out == null) {
      return null;
    }
    List<Float> data = VectorOutputHelper.getDenseVector(out).getDataList();
    float[] vector = new float[data.size()];
    for (int i = 0; i < vector.length; i++) {
      vector[i] = data.get(i);
    }
    return vector;
  }

  /** A UUID point id (the only kind this store writes). */
  public static UUID uuid(PointId id) {
    if (!id.hasUuid()) {
      throw new IllegalStateException("point id " + id.getNum() + " is not a UUID");
    }
    return UUID.fromString(id.getUuid());
  }

  /** A string payload value, null when absent or not a string. */
  public static String string(Map<String, Value> payload, String key) {
    Value v = payload.get(key);
    return v != null && v.hasStringValue() ? v.getStringValue() : null;
  }

  /** An integer payload value, {@code missing} when absent (doubles are truncated). */
  public static long integer(Map<String, Value> payload, String key, long missing) {
    Value v = payload.get(key);
    if (v == null) return missing;
    if (v.hasIntegerValue()) return v.getIntegerValue();
    if (v.hasDoubleValue()) return (long) v.getDoubleValue();
    return missing;
  }
}
