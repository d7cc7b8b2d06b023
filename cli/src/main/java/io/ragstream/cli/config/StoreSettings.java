package io.ragstream.cli.config;

import io.ragstream.core.error.ConfigException;
import io.ragstream.store.lucene.Bm25Fields;
import io.ragstream.store.lucene.LuceneStoreOptions;
import io.ragstream.store.qdrant.ApiKey;
import io.ragstream.store.qdrant.QdrantCollections;
import io.ragstream.store.qdrant.QdrantStoreConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Which vector store the processes use ({@code store.kind}) and where it is: the embedded Lucene
 * index ({@code store.lucene.path}) or a Qdrant collection behind an alias ({@code store.qdrant.*},
 * docs/qdrant.md). docs/distributed.md says which process reads which.
 *
 * @param kind {@code store.kind}: {@link Kind#LUCENE} (default) or {@link Kind#QDRANT}
 * @param lucenePath {@code store.lucene.path}: the Lucene index directory, default {@code
 *     <data-dir>/index} (where {@code ragstream local}'s indexing job writes); the distributed
 *     gateway and trainer open it read-only
 * @param qdrant the Qdrant store config when {@code kind} is {@link Kind#QDRANT}, else null. Its
 *     {@code embedder} and {@code dimension} are placeholders (the {@code indexing.embedder} name
 *     and 384): the process replaces them with the loaded model's id and dimension when it opens
 *     the store ({@link #qdrantFor})
 */
public record StoreSettings(Kind kind, Path lucenePath, QdrantStoreConfig qdrant) {

  /** The stores {@code store.kind} can name. */
  public enum Kind {
    /** The embedded Lucene index (one writer process; readers open it read-only). */
    LUCENE,
    /** A Qdrant server (gRPC), shared by any number of writers and readers. */
    QDRANT
  }

  /** The keys {@link #from} reads. */
  public static final List<String> KEYS =
      List.of(
          "store.kind",
          "store.lucene.path",
          "store.qdrant.url",
          "store.qdrant.api-key",
          "store.qdrant.collection",
          "store.qdrant.timeout");

  /**
   * Reads and validates the keys. With {@code store.kind: qdrant}, {@code store.qdrant.url} ({@code
   * http(s)://host[:grpc-port]}, port 6334 when absent) is required; {@code
   * store.qdrant.collection} is the alias every process addresses (default {@code ragstream}) and
   * {@code <collection>_v1} the physical collection created behind it when the alias is missing;
   * {@code store.qdrant.api-key} is optional (masked in logs); {@code store.qdrant.timeout} is the
   * deadline of each gRPC call (default 10s). Hybrid fusion comes from {@code search.fusion} as for
   * Lucene; Qdrant has only the flat BM25 field, so {@code search.bm25-fields: multifield} is
   * refused.
   *
   * @param dataDir the data directory ({@code store.lucene.path} defaults to {@code
   *     <dataDir>/index})
   * @param luceneOptions the search options already read ({@code search.*})
   * @param embedder the {@code indexing.embedder} name (the Qdrant config's placeholder embedder)
   * @throws ConfigException naming the key whose value is wrong ({@code store.*}, or {@code
   *     search.bm25-fields})
   */
  public static StoreSettings from(
      Settings s, Path dataDir, LuceneStoreOptions luceneOptions, String embedder) {
    String kindValue = s.string("store.kind", "lucene");
    Kind kind =
        switch (kindValue.strip().toLowerCase(Locale.ROOT)) {
          case "lucene" -> Kind.LUCENE;
          case "qdrant" -> Kind.QDRANT;
          default -> throw s.fail("store.kind", kindValue, "must be lucene or qdrant");
        };
    Path lucenePath =
        Path.of(s.string("store.lucene.path", dataDir.resolve("index").toString()))
            .toAbsolutePath()
            .normalize();
    if (kind == Kind.LUCENE) {
      for (String key : KEYS) {
        if (key.startsWith("store.qdrant.") && s.string(key, null) != null) {
          throw s.fail(
              key,
              key.endsWith("api-key") ? "****" : s.string(key, ""),
              "applies to store.kind qdrant only (store.kind is lucene)");
        }
      }
      return new StoreSettings(kind, lucenePath, null);
    }
    if (s.string("store.lucene.path", null) != null) {
      throw s.fail(
          "store.lucene.path",
          s.string("store.lucene.path", ""),
          "applies to store.kind lucene only (store.kind is qdrant)");
    }
    if (luceneOptions.bm25Fields() != Bm25Fields.FLAT) {
      throw s.fail(
          "search.bm25-fields",
          luceneOptions.bm25Fields().name().toLowerCase(Locale.ROOT),
          "must be flat with store.kind qdrant (the Qdrant store has one BM25 field)");
    }
    String url = s.string("store.qdrant.url", "").strip();
    if (url.isEmpty()) {
      throw s.fail("store.qdrant.url", url, "is required when store.kind is qdrant");
    }
    String alias = s.string("store.qdrant.collection", QdrantStoreConfig.DEFAULT_ALIAS).strip();
    Duration timeout = s.duration("store.qdrant.timeout", QdrantStoreConfig.DEFAULT_TIMEOUT);
    QdrantStoreConfig qdrant;
    try {
      qdrant =
          QdrantStoreConfig.builder()
              .url(url)
              .apiKey(ApiKey.of(s.string("store.qdrant.api-key", "")))
              .alias(alias)
              .collection(alias.isEmpty() ? alias : QdrantCollections.versionedName(alias, 1))
              .embedder(embedder)
              .timeout(timeout)
              .fusion(luceneOptions.fusion())
              .build();
    } catch (ConfigException e) {
      throw renamed(s, e, alias);
    } catch (IllegalArgumentException e) {
      throw s.fail("store.qdrant.collection", alias, e.getMessage());
    }
    return new StoreSettings(kind, lucenePath, qdrant);
  }

  /**
   * The store of index generation {@code number} of a distributed deployment (docs/reindex.md):
   *
   * <ul>
   *   <li>Lucene: {@code store.lucene.path} for generation 1, its sibling {@code <name>-v<N>}
   *       after;
   *   <li>Qdrant: the concrete collection {@code <alias>_v<N>} and no alias, so that a reader keeps
   *       searching its generation's collection whatever the alias points at during a switch.
   * </ul>
   *
   * @throws IllegalArgumentException when {@code number < 1}
   */
  public StoreSettings generation(int number) {
    if (number < 1) {
      throw new IllegalArgumentException("generation number must be >= 1, was " + number);
    }
    if (kind == Kind.QDRANT) {
      String alias = qdrant.alias() != null ? qdrant.alias() : QdrantStoreConfig.DEFAULT_ALIAS;
      return new StoreSettings(
          kind,
          lucenePath,
          qdrant.toBuilder()
              .collection(QdrantCollections.versionedName(alias, number))
              .alias(null)
              .build());
    }
    Path path =
        number == 1
            ? lucenePath
            : lucenePath.resolveSibling(lucenePath.getFileName() + "-v" + number);
    return new StoreSettings(kind, path, qdrant);
  }

  /**
   * The Qdrant config for a process whose embedder has id {@code embedderId} and {@code dimension}
   * dimensions (the collection must hold vectors of exactly that embedder, docs/qdrant.md).
   *
   * @throws IllegalStateException when {@link #kind()} is not {@link Kind#QDRANT}
   */
  public QdrantStoreConfig qdrantFor(String embedderId, int dimension) {
    if (qdrant == null) {
      throw new IllegalStateException("store.kind is " + kind + ", not qdrant");
    }
    return qdrant.toBuilder().embedder(embedderId).dimension(dimension).build();
  }

  /** {@code QdrantStoreConfig}'s {@code qdrant.x} key as this CLI's {@code store.qdrant.x}. */
  private static ConfigException renamed(Settings s, ConfigException e, String alias) {
    String key =
        switch (e.key()) {
          case "qdrant.url", "qdrant.host", "qdrant.port", "qdrant.tls" -> "store.qdrant.url";
          case "qdrant.api-key" -> "store.qdrant.api-key";
          case "qdrant.alias", "qdrant.collection" -> "store.qdrant.collection";
          case "qdrant.timeout" -> "store.qdrant.timeout";
          default -> e.key();
        };
    String problem = e.getMessage().substring(("config " + e.key() + ": ").length());
    String value =
        switch (key) {
          case "store.qdrant.collection" -> alias;
          case "store.qdrant.api-key" -> "****";
          default -> s.string(key, "");
        };
    return s.fail(key, value, problem);
  }
}
