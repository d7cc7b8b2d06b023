package io.ragstream.store.lucene.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.ragstream.core.json.Json;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.Point;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;

/**
 * The Lucene document layout of the store: one {@code type=chunk} document per point and one {@code
 * type=state} document per document id (its version, tombstone flag and content hash). Both carry
 * {@code documentId}, so one {@code updateDocuments(Term(documentId), ...)} replaces a document's
 * points and state atomically.
 */
public final class PointSchema {
  /** {@code chunk} or {@code state}; indexed, not stored. */
  public static final String TYPE = "type";

  public static final String TYPE_CHUNK = "chunk";
  public static final String TYPE_STATE = "state";

  /** Source-qualified document id: indexed term, stored, sorted doc values (for collapsing). */
  public static final String DOCUMENT_ID = "documentId";

  /** Point UUID as text; indexed term, stored. */
  public static final String POINT_ID = "pointId";

  public static final String CHUNK_INDEX = "chunkIndex";
  public static final String CHUNK_COUNT = "chunkCount";
  public static final String VERSION = "version";

  /** Source commit time, epoch ms. */
  public static final String COMMITTED_AT = "committedAt";

  /** Wall-clock time the document was written to Lucene, epoch ms. */
  public static final String INDEXED_AT = "indexedAt";

  /** Indexed term, stored; absent when the document has no tenant. */
  public static final String TENANT = "tenant";

  /** One indexed, stored term per principal; absent when the acl is empty. */
  public static final String ACL = "acl";

  public static final String TITLE = "title";
  public static final String TEXT = "text";

  /** Inclusive start offset of the chunk in the body, UTF-16 chars. */
  public static final String START = "start";

  /** Exclusive end offset of the chunk in the body, UTF-16 chars. */
  public static final String END = "end";

  public static final String CONTENT_HASH = "contentHash";
  public static final String EMBEDDER = "embedder";

  /** Metadata map as stored JSON. */
  public static final String METADATA = "metadata";

  /** Dense vector, HNSW, {@link VectorSimilarityFunction#DOT_PRODUCT} over unit vectors. */
  public static final String VECTOR = "vector";

  /** {@code title + " " + text}, analyzed (EnglishAnalyzer), not stored; the BM25 field. */
  public static final String BM25 = "bm25";

  /** The title alone, analyzed, not stored; absent without a title. BM25 multifield. */
  public static final String BM25_TITLE = "bm25Title";

  /** The chunk text alone, analyzed, not stored. BM25 multifield. */
  public static final String BM25_BODY = "bm25Body";

  /** On state documents: {@code live} or {@code tombstone}. */
  public static final String STATE = "state";

  public static final String STATE_LIVE = "live";
  public static final String STATE_TOMBSTONE = "tombstone";

  public static final VectorSimilarityFunction SIMILARITY = VectorSimilarityFunction.DOT_PRODUCT;

  private PointSchema() {}

  /** The term that selects every Lucene document (points and state) of {@code documentId}. */
  public static Term documentTerm(String documentId) {
    return new Term(DOCUMENT_ID, documentId);
  }

  /** Matches the points ({@code type=chunk}) of one document. */
  public static Query chunksOf(String documentId) {
    return new BooleanQuery.Builder()
        .add(new TermQuery(documentTerm(documentId)), Occur.FILTER)
        .add(new TermQuery(new Term(TYPE, TYPE_CHUNK)), Occur.FILTER)
        .build();
  }

  /** Matches the state document of one document. */
  public static Query stateOf(String documentId) {
    return new BooleanQuery.Builder()
        .add(new TermQuery(documentTerm(documentId)), Occur.FILTER)
        .add(new TermQuery(new Term(TYPE, TYPE_STATE)), Occur.FILTER)
        .build();
  }

  /** The text the BM25 field indexes: title (when present) and chunk text. */
  public static String bm25Text(String title, String text) {
    return title == null || title.isEmpty() ? text : title + " " + text;
  }

  /**
   * One point as a Lucene document.
   *
   * @param unitVector {@code point.vector()} scaled to unit length
   */
  public static Document chunk(
      String documentId,
      long version,
      long committedAt,
      long indexedAt,
      DocumentAttributes attributes,
      String contentHash,
      Point point,
      float[] unitVector) {
    Document doc = new Document();
    doc.add(new StringField(TYPE, TYPE_CHUNK, Field.Store.NO));
    addDocumentId(doc, documentId);
    doc.add(new StringField(POINT_ID, point.id().toString(), Field.Store.YES));
    doc.add(new StoredField(CHUNK_INDEX, point.chunkIndex()));
    doc.add(new StoredField(CHUNK_COUNT, point.chunkCount()));
    doc.add(new StoredField(VERSION, version));
    doc.add(new StoredField(COMMITTED_AT, committedAt));
    doc.add(new StoredField(INDEXED_AT, indexedAt));
    if (attributes.tenant() != null) {
      doc.add(new StringField(TENANT, attributes.tenant(), Field.Store.YES));
    }
    for (String principal : attributes.acl()) {
      doc.add(new StringField(ACL, principal, Field.Store.YES));
    }
    if (attributes.title() != null) {
      doc.add(new StoredField(TITLE, attributes.title()));
    }
    doc.add(new StoredField(TEXT, point.text()));
    doc.add(new StoredField(START, point.start()));
    doc.add(new StoredField(END, point.end()));
    doc.add(new StoredField(CONTENT_HASH, contentHash));
    doc.add(new StoredField(EMBEDDER, point.embedder()));
    doc.add(new StoredField(METADATA, Json.write(attributes.metadata())));
    doc.add(new TextField(BM25, bm25Text(attributes.title(), point.text()), Field.Store.NO));
    if (attributes.title() != null && !attributes.title().isEmpty()) {
      doc.add(new TextField(BM25_TITLE, attributes.title(), Field.Store.NO));
    }
    doc.add(new TextField(BM25_BODY, point.text(), Field.Store.NO));
    doc.add(new KnnFloatVectorField(VECTOR, unitVector, SIMILARITY));
    return doc;
  }

  /** The state document of a live document ({@code contentHash} of its current version). */
  public static Document liveState(
      String documentId,
      long version,
      long committedAt,
      long indexedAt,
      String contentHash,
      int chunkCount) {
    Document doc = state(documentId, version, committedAt, indexedAt, STATE_LIVE);
    doc.add(new StoredField(CONTENT_HASH, contentHash));
    doc.add(new StoredField(CHUNK_COUNT, chunkCount));
    return doc;
  }

  /** The tombstone of a deleted document. */
  public static Document tombstone(
      String documentId, long version, long committedAt, long indexedAt) {
    return state(documentId, version, committedAt, indexedAt, STATE_TOMBSTONE);
  }

  private static Document state(
      String documentId, long version, long committedAt, long indexedAt, String state) {
    Document doc = new Document();
    doc.add(new StringField(TYPE, TYPE_STATE, Field.Store.YES));
    addDocumentId(doc, documentId);
    doc.add(new StringField(STATE, state, Field.Store.YES));
    doc.add(new StoredField(VERSION, version));
    doc.add(new StoredField(COMMITTED_AT, committedAt));
    doc.add(new StoredField(INDEXED_AT, indexedAt));
    return doc;
  }

  private static void addDocumentId(Document doc, String documentId) {
    doc.add(new StringField(DOCUMENT_ID, documentId, Field.Store.YES));
    doc.add(new SortedDocValuesField(DOCUMENT_ID, new BytesRef(documentId)));
  }

  /** The metadata stored on a point (a JSON object of strings), empty when absent. */
  static Map<String, String> metadata(Document doc) {
    String json = doc.get(METADATA);
    if (json == null) {
      return Map.of();
    }
    try {
      return Json.mapper().readValue(json, new TypeReference<Map<String, String>>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable metadata on a point: " + e.getMessage(), e);
    }
  }

  /** The numeric value of a stored field, or {@code missing} when the field is absent. */
  static long longValue(Document doc, String field, long missing) {
    IndexableField f = doc.getField(field);
    return f == null || f.numericValue() == null ? missing : f.numericValue().longValue();
  }
}
