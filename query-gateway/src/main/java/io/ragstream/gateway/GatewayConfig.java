package io.ragstream.gateway;

import io.ragstream.core.error.ConfigException;
import io.ragstream.core.store.Fusion;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;

/**
 * Configuration of the query gateway, validated when it is built so that a bad value fails at start
 * with its key ({@code gateway.port}, ...) and value.
 *
 * @param host bind address; the local gateway binds to {@value #DEFAULT_HOST} only, because
 *     requests are not authenticated yet
 * @param port TCP port, 0..65535; 0 binds an ephemeral port (see {@link
 *     GatewayVerticle#actualPort()})
 * @param maxBodyBytes largest accepted request body in bytes, {@value #MIN_BODY_BYTES}..{@value
 *     #MAX_BODY_BYTES}; a larger body is answered with 413
 * @param defaultK number of hits when a search does not give {@code k}; 1..{@code maxK}
 * @param maxK largest {@code k} a search may ask for; 1..{@value SearchRequest#MAX_K}. The default
 *     {@value #DEFAULT_MAX_K} suits interactive use; raise it (up to {@value SearchRequest#MAX_K})
 *     for evaluation runs that need deeper lists
 * @param defaultMode retrieval mode when a search does not give {@code mode}
 * @param defaultFusion HYBRID fusion when a search does not give {@code fusion}
 */
public record GatewayConfig(
    String host,
    int port,
    long maxBodyBytes,
    int defaultK,
    int maxK,
    SearchMode defaultMode,
    Fusion defaultFusion) {

  /** Key of {@link #host()}. */
  public static final String KEY_HOST = "gateway.host";

  /** Key of {@link #port()}. */
  public static final String KEY_PORT = "gateway.port";

  /** Key of {@link #maxBodyBytes()}. */
  public static final String KEY_MAX_BODY_BYTES = "gateway.max-body-bytes";

  /** Key of {@link #defaultK()}. */
  public static final String KEY_DEFAULT_K = "gateway.default-k";

  /** Key of {@link #maxK()}. */
  public static final String KEY_MAX_K = "gateway.max-k";

  /** Key of {@link #defaultMode()}. */
  public static final String KEY_DEFAULT_MODE = "gateway.default-mode";

  /** Key of {@link #defaultFusion()} (with {@code search.rrf-k} and {@code search.alpha}). */
  public static final String KEY_DEFAULT_FUSION = "search.fusion";

  /** Loopback only: searches are not authenticated yet. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** DESIGN.md's local gateway port. */
  public static final int DEFAULT_PORT = 8080;

  /** 64 KiB: room for the longest query (2,000 characters, even fully escaped) and the options. */
  public static final long DEFAULT_MAX_BODY_BYTES = 64 * 1024;

  /** Smallest allowed {@link #maxBodyBytes()}: 1 KiB. */
  public static final long MIN_BODY_BYTES = 1024;

  /** Largest allowed {@link #maxBodyBytes()}: 16 MiB. */
  public static final long MAX_BODY_BYTES = 16 * 1024 * 1024;

  /** Hits per search when the request gives no {@code k}. */
  public static final int DEFAULT_K = 10;

  /** Largest {@code k} by default (Recall@100 needs 100). */
  public static final int DEFAULT_MAX_K = 100;

  /** Reciprocal-rank fusion of dense and BM25. */
  public static final SearchMode DEFAULT_MODE = SearchMode.HYBRID;

  /**
   * Validates every value.
   *
   * @throws ConfigException naming the key and the bad value
   */
  public GatewayConfig {
    if (host == null || host.isBlank()) {
      throw new ConfigException(KEY_HOST, "must not be blank, was '" + host + "'");
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException(KEY_PORT, "must be in 0..65535 (0 = ephemeral), was " + port);
    }
    if (maxBodyBytes < MIN_BODY_BYTES || maxBodyBytes > MAX_BODY_BYTES) {
      throw new ConfigException(
          KEY_MAX_BODY_BYTES,
          "must be in " + MIN_BODY_BYTES + ".." + MAX_BODY_BYTES + " bytes, was " + maxBodyBytes);
    }
    if (maxK < 1 || maxK > SearchRequest.MAX_K) {
      throw new ConfigException(
          KEY_MAX_K, "must be in 1.." + SearchRequest.MAX_K + ", was " + maxK);
    }
    if (defaultK < 1 || defaultK > maxK) {
      throw new ConfigException(
          KEY_DEFAULT_K, "must be in 1.." + maxK + " (" + KEY_MAX_K + "), was " + defaultK);
    }
    if (defaultFusion == null) {
      throw new ConfigException(KEY_DEFAULT_FUSION, "must be rrf or convex, was null");
    }
    if (defaultMode == null) {
      throw new ConfigException(KEY_DEFAULT_MODE, "must be one of dense, bm25, hybrid, was null");
    }
  }

  /** The defaults: 127.0.0.1:8080, 64 KiB bodies, k 10 (at most 100), hybrid. */
  public static GatewayConfig defaults() {
    return new GatewayConfig(
        DEFAULT_HOST,
        DEFAULT_PORT,
        DEFAULT_MAX_BODY_BYTES,
        DEFAULT_K,
        DEFAULT_MAX_K,
        DEFAULT_MODE,
        Fusion.DEFAULT);
  }

  /** A copy with {@link #defaultFusion()} replaced. */
  public GatewayConfig withDefaultFusion(Fusion value) {
    return new GatewayConfig(host, port, maxBodyBytes, defaultK, maxK, defaultMode, value);
  }

  /** A copy with {@link #host()} replaced. */
  public GatewayConfig withHost(String value) {
    return new GatewayConfig(value, port, maxBodyBytes, defaultK, maxK, defaultMode, defaultFusion);
  }

  /** A copy with {@link #port()} replaced. */
  public GatewayConfig withPort(int value) {
    return new GatewayConfig(host, value, maxBodyBytes, defaultK, maxK, defaultMode, defaultFusion);
  }

  /** A copy with {@link #maxBodyBytes()} replaced. */
  public GatewayConfig withMaxBodyBytes(long value) {
    return new GatewayConfig(host, port, value, defaultK, maxK, defaultMode, defaultFusion);
  }

  /** A copy with {@link #defaultK()} and {@link #maxK()} replaced (they are checked together). */
  public GatewayConfig withK(int defaultValue, int maxValue) {
    return new GatewayConfig(
        host, port, maxBodyBytes, defaultValue, maxValue, defaultMode, defaultFusion);
  }

  /** A copy with {@link #defaultMode()} replaced. */
  public GatewayConfig withDefaultMode(SearchMode value) {
    return new GatewayConfig(host, port, maxBodyBytes, defaultK, maxK, value, defaultFusion);
  }
}
