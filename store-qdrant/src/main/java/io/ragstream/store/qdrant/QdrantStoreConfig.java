package io.ragstream.store.qdrant;

import io.ragstream.core.error.ConfigException;
import io.ragstream.core.store.Fusion;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything a {@link QdrantVectorStore} needs: where Qdrant is, which collection (and alias) holds
 * the points, the vector schema and the write/search tuning. Validated in the constructor, so a bad
 * value fails at start with a {@link ConfigException} naming its key ({@code qdrant.*}, as in
 * docs/qdrant.md) and value. The API key is masked in {@link #toString()}.
 *
 * @param host Qdrant host name or address (gRPC)
 * @param port Qdrant gRPC port, 1..65535 ({@value #DEFAULT_PORT}; the REST port 6333 is not used)
 * @param tls whether the gRPC channel uses TLS (Qdrant Cloud: true)
 * @param apiKey API key sent as the {@code api-key} header; {@link ApiKey#none()} without auth
 * @param collection the physical collection the store creates when missing, e.g. {@code
 *     ragstream_v1} ({@link QdrantCollections#versionedName})
 * @param alias the name readers and writers address, or null to address {@code collection}
 *     directly; created to point at {@code collection} when missing
 * @param embedder id (model + revision) of the embedder whose vectors the store holds; stored in
 *     the collection metadata, and every written point must carry it
 * @param dimension dense vector dimension, 1..{@value #MAX_DIMENSION}
 * @param distance dense vector distance: {@link VectorDistance#COSINE} or {@link
 *     VectorDistance#DOT} (unit vectors)
 * @param batchSize points per upsert request, 1..{@value #MAX_BATCH_SIZE}
 * @param maxInFlight upsert requests in flight at once per store, 1..{@value #MAX_IN_FLIGHT}
 * @param timeout deadline of each gRPC call, > 0
 * @param waitForIndexing Qdrant's {@code wait} for chunk upserts of documents larger than one
 *     batch: true (default) promises read-your-writes; false returns once Qdrant has the batches in
 *     its write-ahead log. The state point (version guard) is always written with {@code wait=true}
 * @param fusion HYBRID fusion when a request does not name one; see {@link Fusion}
 * @param candidates depth of each list HYBRID fuses, and the HNSW {@code ef} of dense queries,
 *     1..10,000
 * @param collapseOverfetch when collapsing documents each list is {@code max(k * collapseOverfetch,
 *     candidates)} deep, >= 1
 * @param bm25K1 BM25 {@code k1}, >= 0 (Anserini's BEIR default 0.9)
 * @param bm25B BM25 {@code b}, in [0, 1] (Anserini's BEIR default 0.4)
 * @param bm25AvgLength the average document length (analyzed terms of title + chunk text) used in
 *     BM25's length normalization, > 0; Qdrant computes IDF, not the average length
 * @param retryMaxAttempts attempts of a call that fails retriably, >= 1
 * @param retryInitialBackoff backoff before the second attempt, > 0
 * @param retryMaxBackoff upper bound of one backoff, >= {@code retryInitialBackoff}
 */
public record QdrantStoreConfig(
    String host,
    int port,
    boolean tls,
    ApiKey apiKey,
    String collection,
    String alias,
    String embedder,
    int dimension,
    VectorDistance distance,
    int batchSize,
    int maxInFlight,
    Duration timeout,
    boolean waitForIndexing,
    Fusion fusion,
    int candidates,
    int collapseOverfetch,
    float bm25K1,
    float bm25B,
    double bm25AvgLength,
    int retryMaxAttempts,
    Duration retryInitialBackoff,
    Duration retryMaxBackoff) {

  /** Qdrant's gRPC port. */
  public static final int DEFAULT_PORT = 6334;

  public static final String DEFAULT_ALIAS = "ragstream";
  public static final String DEFAULT_COLLECTION = "ragstream_v1";
  public static final int DEFAULT_DIMENSION = 384;
  public static final VectorDistance DEFAULT_DISTANCE = VectorDistance.COSINE;
  public static final int DEFAULT_BATCH_SIZE = 64;
  public static final int DEFAULT_MAX_IN_FLIGHT = 4;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_CANDIDATES = 100;
  public static final int DEFAULT_COLLAPSE_OVERFETCH = 4;
  public static final float DEFAULT_BM25_K1 = 0.9f;
  public static final float DEFAULT_BM25_B = 0.4f;

  /**
   * Average analyzed length of title + chunk text assumed by BM25 length normalization: about what
   * BEIR's SciFact and NFCorpus chunks give with the EnglishAnalyzer.
   */
  public static final double DEFAULT_BM25_AVG_LENGTH = 128;

  public static final int DEFAULT_RETRY_MAX_ATTEMPTS = 5;
  public static final Duration DEFAULT_RETRY_INITIAL_BACKOFF = Duration.ofMillis(100);
  public static final Duration DEFAULT_RETRY_MAX_BACKOFF = Duration.ofSeconds(5);

  /** Qdrant's largest dense vector size. */
  public static final int MAX_DIMENSION = 65_536;

  public static final int MAX_BATCH_SIZE = 10_000;
  public static final int MAX_IN_FLIGHT = 64;
  public static final int MAX_CANDIDATES = 10_000;

  /** Collection and alias names this store accepts: letters, digits, {@code _ - .}. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,255}");

  /** The distance of the dense vector; both are "higher is better" similarities. */
  public enum VectorDistance {
    /** Cosine similarity (Qdrant normalizes the vectors on upload). */
    COSINE,
    /** Dot product; equals cosine for the L2-normalized vectors ragstream writes. */
    DOT
  }

  /**
   * Validates every value.
   *
   * @throws ConfigException naming the first invalid key ({@code qdrant.*}) and its value
   */
  public QdrantStoreConfig {
    require(host != null && !host.isBlank(), "qdrant.host", host, "a host name");
    require(port >= 1 && port <= 65_535, "qdrant.port", port, "1..65535");
    require(apiKey != null, "qdrant.api-key", null, "set (ApiKey.none() without auth)");
    require(
        collection != null && NAME.matcher(collection).matches(),
        "qdrant.collection",
        collection,
        "1-255 letters, digits, '_', '-' or '.'");
    require(
        alias == null || NAME.matcher(alias).matches(),
        "qdrant.alias",
        alias,
        "1-255 letters, digits, '_', '-' or '.', or unset");
    require(
        alias == null || !alias.equals(collection),
        "qdrant.alias",
        alias,
        "different from qdrant.collection");
    require(embedder != null && !embedder.isBlank(), "qdrant.embedder", embedder, "an embedder id");
    require(
        dimension >= 1 && dimension <= MAX_DIMENSION,
        "qdrant.dimension",
        dimension,
        "1.." + MAX_DIMENSION);
    require(distance != null, "qdrant.distance", distance, "cosine or dot");
    require(
        batchSize >= 1 && batchSize <= MAX_BATCH_SIZE,
        "qdrant.batch-size",
        batchSize,
        "1.." + MAX_BATCH_SIZE);
    require(
        maxInFlight >= 1 && maxInFlight <= MAX_IN_FLIGHT,
        "qdrant.max-in-flight",
        maxInFlight,
        "1.." + MAX_IN_FLIGHT);
    require(positive(timeout), "qdrant.timeout", timeout, "a positive duration");
    require(fusion != null, "qdrant.fusion", fusion, "rrf or convex");
    require(
        candidates >= 1 && candidates <= MAX_CANDIDATES,
        "qdrant.candidates",
        candidates,
        "1.." + MAX_CANDIDATES);
    require(collapseOverfetch >= 1, "qdrant.collapse-overfetch", collapseOverfetch, ">= 1");
    require(Float.isFinite(bm25K1) && bm25K1 >= 0, "qdrant.bm25-k1", bm25K1, "finite and >= 0");
    require(Float.isFinite(bm25B) && bm25B >= 0 && bm25B <= 1, "qdrant.bm25-b", bm25B, "in [0, 1]");
    require(
        Double.isFinite(bm25AvgLength) && bm25AvgLength > 0,
        "qdrant.bm25-avg-length",
        bm25AvgLength,
        "finite and > 0");
    require(retryMaxAttempts >= 1, "qdrant.retry.max-attempts", retryMaxAttempts, ">= 1");
    require(
        positive(retryInitialBackoff),
        "qdrant.retry.initial-backoff",
        retryInitialBackoff,
        "a positive duration");
    require(
        positive(retryMaxBackoff) && retryMaxBackoff.compareTo(retryInitialBackoff) >= 0,
        "qdrant.retry.max-backoff",
        retryMaxBackoff,
        ">= qdrant.retry.initial-backoff");
  }

  /** The name the store's point operations address: the alias when set, else the collection. */
  public String target() {
    return alias != null ? alias : collection;
  }

  /** A builder with every default; host, embedder and dimension usually need setting. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this config's values. */
  public Builder toBuilder() {
    return new Builder()
        .host(host)
        .port(port)
        .tls(tls)
        .apiKey(apiKey)
        .collection(collection)
        .alias(alias)
        .embedder(embedder)
        .dimension(dimension)
        .distance(distance)
        .batchSize(batchSize)
        .maxInFlight(maxInFlight)
        .timeout(timeout)
        .waitForIndexing(waitForIndexing)
        .fusion(fusion)
        .candidates(candidates)
        .collapseOverfetch(collapseOverfetch)
        .bm25(bm25K1, bm25B)
        .bm25AvgLength(bm25AvgLength)
        .retry(retryMaxAttempts, retryInitialBackoff, retryMaxBackoff);
  }

  /** {@code ****} instead of the API key. */
  @Override
  public String toString() {
    return "QdrantStoreConfig[host="
        + host
        + ", port="
        + port
        + ", tls="
        + tls
        + ", apiKey="
        + apiKey
        + ", collection="
        + collection
        + ", alias="
        + alias
        + ", embedder="
        + embedder
        + ", dimension="
        + dimension
        + ", distance="
        + distance
        + ", batchSize="
        + batchSize
        + ", maxInFlight="
        + maxInFlight
        + ", timeout="
        + timeout
        + ", waitForIndexing="
        + waitForIndexing
        + ", fusion="
        + fusion
        + ", candidates="
        + candidates
        + ", collapseOverfetch="
        + collapseOverfetch
        + ", bm25K1="
        + bm25K1
        + ", bm25B="
        + bm25B
        + ", bm25AvgLength="
        + bm25AvgLength
        + ", retryMaxAttempts="
        + retryMaxAttempts
        + ", retryInitialBackoff="
        + retryInitialBackoff
        + ", retryMaxBackoff="
        + retryMaxBackoff
        + "]";
  }

  private static boolean positive(Duration d) {
    return d != null && !d.isNegative() && !d.isZero();
  }

  private static void require(boolean ok, String key, Object value, String expected) {
    if (!ok) {
      throw new ConfigException(key, "must be " + expected + ", was " + value);
    }
  }

  /** Builds a {@link QdrantStoreConfig}; {@link #build()} validates. */
  public static final class Builder {
    private String host = "localhost";
    private int port = DEFAULT_PORT;
    private boolean tls;
    private ApiKey apiKey = ApiKey.none();
    private String collection = DEFAULT_COLLECTION;
    private String alias = DEFAULT_ALIAS;
    private String embedder;
    private int dimension = DEFAULT_DIMENSION;
    private VectorDistance distance = DEFAULT_DISTANCE;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
    private Duration timeout = DEFAULT_TIMEOUT;
    private boolean waitForIndexing = true;
    private Fusion fusion = Fusion.DEFAULT;
    private int candidates = DEFAULT_CANDIDATES;
    private int collapseOverfetch = DEFAULT_COLLAPSE_OVERFETCH;
    private float bm25K1 = DEFAULT_BM25_K1;
    private float bm25B = DEFAULT_BM25_B;
    private double bm25AvgLength = DEFAULT_BM25_AVG_LENGTH;
    private int retryMaxAttempts = DEFAULT_RETRY_MAX_ATTEMPTS;
    private Duration retryInitialBackoff = DEFAULT_RETRY_INITIAL_BACKOFF;
    private Duration retryMaxBackoff = DEFAULT_RETRY_MAX_BACKOFF;

    private Builder() {}

    /**
     * Host, port and TLS from a URL such as {@code http://localhost:6334} or {@code
     * https://xyz.cloud.qdrant.io:6334} (the gRPC port; {@value #DEFAULT_PORT} when absent).
     *
     * @throws ConfigException ({@code qdrant.url}) when the URL is not http(s)://host[:port]
     */
    public Builder url(String url) {
      URI uri;
      try {
        uri = new URI(Objects.requireNonNullElse(url, ""));
      } catch (URISyntaxException e) {
        throw new ConfigException("qdrant.url", "must be http(s)://host[:port], was " + url);
      }
      String scheme = uri.getScheme();
      if (scheme == null
          || !(scheme.equals("http") || scheme.equals("https"))
          || uri.getHost() == null
          || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))) {
        throw new ConfigException("qdrant.url", "must be http(s)://host[:port], was " + url);
      }
      this.host = uri.getHost();
      this.port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
      this.tls = scheme.equals("https");
      return this;
    }

    public Builder host(String value) {
      this.host = value;
      return this;
    }

    public Builder port(int value) {
      this.port = value;
      return this;
    }

    public Builder tls(boolean value) {
      this.tls = value;
      return this;
    }

    public Builder apiKey(ApiKey value) {
      this.apiKey = value;
      return this;
    }

    public Builder collection(String value) {
      this.collection = value;
      return this;
    }

    /** The alias to address, or null to address the collection itself. */
    public Builder alias(String value) {
      this.alias = value;
      return this;
    }

    public Builder embedder(String value) {
      this.embedder = value;
      return this;
    }

    public Builder dimension(int value) {
      this.dimension = value;
      return this;
    }

    public Builder distance(VectorDistance value) {
      this.distance = value;
      return this;
    }

    public Builder batchSize(int value) {
      this.batchSize = value;
      return this;
    }

    public Builder maxInFlight(int value) {
      this.maxInFlight = value;
      return this;
    }

    public Builder timeout(Duration value) {
      this.timeout = value;
      return this;
    }

    public Builder waitForIndexing(boolean value) {
      this.waitForIndexing = value;
      return this;
    }

    public Builder fusion(Fusion value) {
      this.fusion = value;
      return this;
    }

    public Builder candidates(int value) {
      this.candidates = value;
      return this;
    }

    public Builder collapseOverfetch(int value) {
      this.collapseOverfetch = value;
      return this;
    }

    public Builder bm25(float k1, float b) {
      this.bm25K1 = k1;
      this.bm25B = b;
      return this;
    }

    public Builder bm25AvgLength(double value) {
      this.bm25AvgLength = value;
      return this;
    }

    public Builder retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
      this.retryMaxAttempts = maxAttempts;
      this.retryInitialBackoff = initialBackoff;
      this.retryMaxBackoff = maxBackoff;
      return this;
    }

    /**
     * The validated config.
     *
     * @throws ConfigException naming the first invalid key and its value
     */
    public QdrantStoreConfig build() {
      return new QdrantStoreConfig(
          host,
          port,
          tls,
          apiKey,
          collection,
          alias,
          embedder,
          dimension,
          distance,
          batchSize,
          maxInFlight,
          timeout,
          waitForIndexing,
          fusion,
          candidates,
          collapseOverfetch,
          bm25K1,
          bm25B,
          bm25AvgLength,
          retryMaxAttempts,
          retryInitialBackoff,
          retryMaxBackoff);
    }
  }
}
