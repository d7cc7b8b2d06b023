package io.ragstream.core.event;

import io.ragstream.core.store.SearchMode;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One retrieval the gateway served, as published on {@code ragstream.queries} (Kafka key = {@link
 * #queryId()}; JSON by {@link GatewayEventJson}; contract in docs/contracts.md). Consumers: drift
 * detection (query embeddings, score distributions) and training (queries joined with {@link
 * FeedbackEvent}s on {@code queryId}).
 *
 * <p>Arrays are copied on the way in and out, so an event is immutable; {@link #equals} and {@link
 * #hashCode} compare array contents. {@link #toString()} leaves out the query text and the
 * embedding so that an event can be logged.
 *
 * @param queryId id of the query, a random UUID in canonical lowercase form ({@code 8-4-4-4-12} hex
 *     digits); the same id the client saw and gives back with feedback
 * @param kind which endpoint served it: {@code search}, {@code answer} or {@code chat}
 * @param tenant the caller's tenant; never blank
 * @param subject the caller (user or service id); never blank
 * @param query the text actually searched (for {@code chat} the possibly rewritten question); never
 *     blank
 * @param embedding the query embedding that was searched with (the embedder's dimension, 384 for
 *     every shipped model; L2-normalized), finite values; {@code null} exactly when {@code mode} is
 *     {@code bm25}
 * @param mode retrieval mode: {@code dense}, {@code bm25} or {@code hybrid}
 * @param k number of hits asked for, {@code >= 1}
 * @param topScores scores of the returned hits, best first (non-increasing, finite); same length as
 *     {@code documentIds}; empty when nothing was found. Their scale depends on {@code mode}
 *     (cosine for dense, BM25 for bm25, the fused score for hybrid)
 * @param documentIds document ids of the returned hits, best first, at most {@code k}; an id
 *     repeats when the search did not collapse chunks of one document
 * @param latencyMs time from receiving the request to having the hits, in milliseconds, {@code >=
 *     0}
 * @param at when the query was served, epoch milliseconds, {@code >= 0}
 * @param embedder id of the model that embedded the query (e.g. {@code
 *     bge-small-en-v1.5-q@langchain4j-embeddings-1.20.0-beta30}); present exactly when {@code
 *     embedding} is
 * @param adapter id of the query adapter whose output was searched with ({@code embedding} is
 *     always the base, un-adapted embedding, so that training can start from it); {@code null} when
 *     the base embedding was searched with, and always for {@code bm25}
 * @throws IllegalArgumentException from the constructor, naming the field, when a value breaks the
 *     rules above
 */
public record QueryEvent(
    String queryId,
    String kind,
    String tenant,
    String subject,
    String query,
    float[] embedding,
    String mode,
    int k,
    double[] topScores,
    List<String> documentIds,
    long latencyMs,
    long at,
    String embedder,
    String adapter) {

  /** {@link #kind()} of {@code POST /v1/search}. */
  public static final String SEARCH = "search";

  /** {@link #kind()} of a generated answer. */
  public static final String ANSWER = "answer";

  /** {@link #kind()} of a chat turn. */
  public static final String CHAT = "chat";

  /** The valid {@link #kind()}s. */
  public static final List<String> KINDS = List.of(SEARCH, ANSWER, CHAT);

  /** The valid {@link #mode()}s, the wire names of {@link SearchMode}. */
  public static final List<String> MODES = List.of("dense", "bm25", "hybrid");

  private static final Pattern CANONICAL_UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private static final int MAX_ECHO_CHARS = 40;

  public QueryEvent {
    requireQueryId(queryId);
    requireOneOf("kind", kind, KINDS);
    requireNotBlank("tenant", tenant);
    requireNotBlank("subject", subject);
    requireNotBlank("query", query);
    requireOneOf("mode", mode, MODES);
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, was " + k);
    }
    if (embedding != null) {
      if ("bm25".equals(mode)) {
        throw new IllegalArgumentException("embedding must be null when mode is bm25");
      }
      if (embedding.length == 0) {
        throw new IllegalArgumentException("embedding must not be empty");
      }
      for (int i = 0; i < embedding.length; i++) {
        if (!Float.isFinite(embedding[i])) {
          throw new IllegalArgumentException(
              "embedding[" + i + "] must be finite, was " + embedding[i]);
        }
      }
      embedding = embedding.clone();
    } else if (!"bm25".equals(mode)) {
      throw new IllegalArgumentException("embedding is required when mode is " + mode);
    }
    if (embedder != null && embedder.isBlank()) {
      throw new IllegalArgumentException("embedder must not be blank");
    }
    if (adapter != null && adapter.isBlank()) {
      throw new IllegalArgumentException("adapter must not be blank");
    }
    if (adapter != null && embedding == null) {
      throw new IllegalArgumentException("adapter must be null without an embedding");
    }
    if ((embedder == null) != (embedding == null)) {
      throw new IllegalArgumentException(
          embedder == null
              ? "embedder is required with an embedding"
              : "embedder must be null without an embedding");
    }
    if (topScores == null) {
      throw new IllegalArgumentException("topScores must not be null");
    }
    if (documentIds == null) {
      throw new IllegalArgumentException("documentIds must not be null");
    }
    for (int i = 0; i < documentIds.size(); i++) {
      String id = documentIds.get(i);
      if (id == null || id.isBlank()) {
        throw new IllegalArgumentException("documentIds[" + i + "] must not be blank");
      }
    }
    documentIds = List.copyOf(documentIds);
    if (documentIds.size() > k) {
      throw new IllegalArgumentException(
          "documentIds must have at most k = " + k + " entries, has " + documentIds.size());
    }
    if (topScores.length != documentIds.size()) {
      throw new IllegalArgumentException(
          "topScores must have one score per documentIds entry: "
              + topScores.length
              + " scores, "
              + documentIds.size()
              + " documentIds");
    }
    for (int i = 0; i < topScores.length; i++) {
      if (!Double.isFinite(topScores[i])) {
        throw new IllegalArgumentException(
            "topScores[" + i + "] must be finite, was " + topScores[i]);
      }
      if (i > 0 && topScores[i] > topScores[i - 1]) {
        throw new IllegalArgumentException(
            "topScores must be best first (non-increasing), but topScores["
                + i
                + "] = "
                + topScores[i]
                + " > topScores["
                + (i - 1)
                + "] = "
                + topScores[i - 1]);
      }
    }
    topScores = topScores.clone();
    if (latencyMs < 0) {
      throw new IllegalArgumentException("latencyMs must be >= 0, was " + latencyMs);
    }
    if (at < 0) {
      throw new IllegalArgumentException("at must be >= 0, was " + at);
    }
  }

  /** An event searched with the base embedding: {@link #adapter()} is null. */
  public QueryEvent(
      String queryId,
      String kind,
      String tenant,
      String subject,
      String query,
      float[] embedding,
      String mode,
      int k,
      double[] topScores,
      List<String> documentIds,
      long latencyMs,
      long at,
      String embedder) {
    this(
        queryId,
        kind,
        tenant,
        subject,
        query,
        embedding,
        mode,
        k,
        topScores,
        documentIds,
        latencyMs,
        at,
        embedder,
        null);
  }

  /** A new random query id in the canonical form {@link #queryId()} requires. */
  public static String newQueryId() {
    return UUID.randomUUID().toString();
  }

  /**
   * The wire name of a mode, as {@link #mode()} takes it: {@code dense}, {@code bm25}, {@code
   * hybrid}.
   */
  public static String modeName(SearchMode mode) {
    return mode.name().toLowerCase(Locale.ROOT);
  }

  /** A copy of the query embedding, or {@code null} for {@code bm25}. */
  @Override
  public float[] embedding() {
    return embedding == null ? null : embedding.clone();
  }

  /** A copy of the hits' scores, best first. */
  @Override
  public double[] topScores() {
    return topScores.clone();
  }

  /** Equal when every component is, arrays by content. */
  @Override
  public boolean equals(Object o) {
    return o instanceof QueryEvent e
        && queryId.equals(e.queryId)
        && kind.equals(e.kind)
        && tenant.equals(e.tenant)
        && subject.equals(e.subject)
        && query.equals(e.query)
        && Arrays.equals(embedding, e.embedding)
        && mode.equals(e.mode)
        && k == e.k
        && Arrays.equals(topScores, e.topScores)
        && documentIds.equals(e.documentIds)
        && latencyMs == e.latencyMs
        && at == e.at
        && Objects.equals(embedder, e.embedder)
        && Objects.equals(adapter, e.adapter);
  }

  @Override
  public int hashCode() {
    int h =
        Objects.hash(
            queryId,
            kind,
            tenant,
            subject,
            query,
            mode,
            k,
            documentIds,
            latencyMs,
            at,
            embedder,
            adapter);
    return 31 * (31 * h + Arrays.hashCode(embedding)) + Arrays.hashCode(topScores);
  }

  /** Ids, sizes and numbers only: no query text, no embedding values. */
  @Override
  public String toString() {
    return "QueryEvent[queryId="
        + queryId
        + ", kind="
        + kind
        + ", tenant="
        + tenant
        + ", subject="
        + subject
        + ", query=<"
        + query.length()
        + " chars>, embedding="
        + (embedding == null ? "null" : "float[" + embedding.length + "]")
        + ", mode="
        + mode
        + ", k="
        + k
        + ", hits="
        + documentIds.size()
        + ", latencyMs="
        + latencyMs
        + ", at="
        + at
        + ", embedder="
        + embedder
        + ", adapter="
        + adapter
        + "]";
  }

  static void requireQueryId(String queryId) {
    if (queryId == null || queryId.isBlank()) {
      throw new IllegalArgumentException("queryId must not be blank");
    }
    if (!CANONICAL_UUID.matcher(queryId).matches()) {
      throw new IllegalArgumentException(
          "queryId must be a UUID in canonical lowercase form, was '" + echo(queryId) + "'");
    }
  }

  /**
   * Checks a required text field of an event.
   *
   * @throws IllegalArgumentException naming {@code field} when {@code value} is null or blank
   */
  public static void requireNotBlank(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
  }

  private static void requireOneOf(String field, String value, List<String> allowed) {
    if (value == null || !allowed.contains(value)) {
      throw new IllegalArgumentException(
          field
              + " must be one of "
              + String.join(", ", allowed)
              + ", was "
              + (value == null ? "null" : "'" + echo(value) + "'"));
    }
  }

  /** A value for an error message, cut short. */
  static String echo(String value) {
    return value.length() <= MAX_ECHO_CHARS ? value : value.substring(0, MAX_ECHO_CHARS) + "…";
  }
}
