package io.ragstream.store.qdrant;

import io.qdrant.client.QdrantClient;
import io.qdrant.client.grpc.Collections.AliasDescription;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.SparseVectorParams;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.CreateFieldIndexCollection;
import io.ragstream.core.error.StoreException;
import io.ragstream.store.qdrant.QdrantStoreConfig.VectorDistance;
import io.ragstream.store.qdrant.internal.QdrantSchema;
import io.ragstream.store.qdrant.internal.Requests;
import io.ragstream.store.qdrant.internal.Retrier;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collection lifecycle for the store and for reindexing: versioned collection names, creating a
 * collection with ragstream's schema (named dense vector, sparse BM25 vector with IDF, payload
 * indexes, the embedder id in the collection metadata), pointing an alias at a collection
 * atomically, and refusing a collection whose embedder differs ("mixed embedding models in one
 * collection are impossible by construction").
 *
 * <p>Reindex recipe (docs/qdrant.md, "Aliases"): create {@code versionedName(alias, n + 1)} with
 * the new embedder, fill it through a store whose config names that collection and no alias, then
 * {@link #switchAlias} — readers addressing the alias move to the new collection in one step.
 *
 * <p>Thread-safe; all methods block and throw {@link StoreException} (or {@link
 * io.ragstream.core.error.RetriableException} once the retries of a transient failure are spent).
 */
public final class QdrantCollections {
  private static final Logger LOG = LoggerFactory.getLogger(QdrantCollections.class);
  private static final Pattern VERSIONED = Pattern.compile("(.+)_v(\\d+)");

  private final QdrantClient client;
  private final Duration timeout;
  private final Retrier retrier;

  /**
   * Lifecycle operations through {@code client} (not closed by this object).
   *
   * @param timeout deadline of each call
   */
  public QdrantCollections(QdrantClient client, Duration timeout, Retrier retrier) {
    this.client = Objects.requireNonNull(client, "client");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.retrier = Objects.requireNonNull(retrier, "retrier");
  }

  /** The name of version {@code version} (>= 1) of the collection behind {@code alias}. */
  public static String versionedName(String alias, int version) {
    if (version < 1) throw new IllegalArgumentException("version must be >= 1, was " + version);
    return alias + "_v" + version;
  }

  /** The version of a {@link #versionedName}, or empty when {@code collection} is not one. */
  public static Optional<Integer> versionOf(String collection) {
    Matcher m = VERSIONED.matcher(collection);
    return m.matches() ? Optional.of(Integer.parseInt(m.group(2))) : Optional.empty();
  }

  /** Whether a collection (not an alias) named {@code name} exists. */
  public boolean collectionExists(String name) {
    return retrier.call(
        "check collection " + name, () -> client.collectionExistsAsync(name, timeout).get());
  }

  /** The collection {@code alias} points at, or empty when there is no such alias. */
  public Optional<String> aliasTarget(String alias) {
    return retrier.call("list aliases", () -> client.listAliasesAsync(timeout).get()).stream()
        .filter(a -> a.getAliasName().equals(alias))
        .map(AliasDescription::getCollectionName)
        .findFirst();
  }

  /**
   * Creates {@code name} with ragstream's schema and waits for its payload indexes.
   *
   * @throws StoreException when it exists already or Qdrant refuses it
   */
  public void createCollection(
      String name, int dimension, VectorDistance distance, String embedder) {
    retrier.call(
        "create collection " + name,
        () ->
            client
                .createCollectionAsync(
                    Requests.createCollection(name, dimension, distance, embedder), timeout)
                .get());
    for (CreateFieldIndexCollection index : Requests.payloadIndexes(name)) {
      retrier.call(
          "create payload index " + index.getFieldName() + " on " + name,
          () -> client.createPayloadIndexAsync(index, timeout).get());
    }
    LOG.info(
        "Created Qdrant collection {} ({}-d {} dense + bm25 sparse, embedder {})",
        name,
        dimension,
        distance,
        embedder);
  }

  /**
   * Points {@code alias} at {@code collection} atomically (one {@code UpdateCollectionAliases}
   * request: delete alias, create alias), whether or not the alias existed.
   */
  public void switchAlias(String alias, String collection) {
    retrier.call(
        "switch alias " + alias + " to " + collection,
        () -> client.updateAliasesAsync(Requests.switchAlias(alias, collection), timeout).get());
    LOG.info("Qdrant alias {} now points at collection {}", alias, collection);
  }

  /**
   * Creates {@code alias} pointing at {@code collection} unless the alias exists (wherever it
   * points); for writers that bootstrap the alias for readers but write the collection itself.
   */
  public void createAliasIfMissing(String alias, String collection) {
    if (aliasTarget(alias).isEmpty()) {
      switchAlias(alias, collection);
    }
  }

  /** Deletes {@code collection} and its points (idempotent). */
  public void deleteCollection(String collection) {
    retrier.call(
        "delete collection " + collection,
        () -> client.deleteCollectionAsync(collection, timeout).get());
  }

  /** The embedder id stored in the metadata of a collection (or the one an alias points at). */
  public Optional<String> embedderOf(String collectionOrAlias) {
    Value v = info(collectionOrAlias).getConfig().getMetadataMap().get(QdrantSchema.META_EMBEDDER);
    return v != null && v.hasStringValue() ? Optional.of(v.getStringValue()) : Optional.empty();
  }

  private CollectionInfo info(String collectionOrAlias) {
    return retrier.call(
        "read collection " + collectionOrAlias,
        () -> client.getCollectionInfoAsync(collectionOrAlias, timeout).get());
  }

  /**
   * Makes {@code config}'s collection usable: creates the collection when missing, creates the
   * alias (pointing at the collection) when set and missing, then {@link #verify}s what the store
   * will address.
   */
  public void ensure(QdrantStoreConfig config) {
    boolean aliasExists = config.alias() != null && aliasTarget(config.alias()).isPresent();
    if (!aliasExists) {
      if (!collectionExists(config.collection())) {
        try {
          createCollection(
              config.collection(), config.dimension(), config.distance(), config.embedder());
        } catch (StoreException e) {
          // Another store instance may have created it in the meantime.
          if (!collectionExists(config.collection())) {
            throw e;
          }
        }
      }
      if (config.alias() != null) {
        switchAlias(config.alias(), config.collection());
      }
    }
    verify(config);
  }

  /**
   * Checks that the collection {@code config.target()} resolves to has ragstream's schema with
   * {@code config}'s dimension and distance, and holds {@code config.embedder()}'s vectors.
   *
   * @throws StoreException naming what differs
   */
  public void verify(QdrantStoreConfig config) {
    String target = config.target();
    CollectionInfo info = info(target);
    VectorParams dense =
        info.getConfig()
            .getParams()
            .getVectorsConfig()
            .getParamsMap()
            .getMapMap()
            .get(QdrantSchema.DENSE);
    if (dense == null) {
      throw new StoreException(
          "Qdrant collection " + target + " has no named vector '" + QdrantSchema.DENSE + "'",
          null);
    }
    if (dense.getSize() != config.dimension()
        || dense.getDistance() != Requests.distance(config.distance())) {
      throw new StoreException(
          "Qdrant collection "
              + target
              + " holds "
              + dense.getSize()
              + "-d "
              + dense.getDistance()
              + " vectors, qdrant.dimension/qdrant.distance say "
              + config.dimension()
              + "-d "
              + config.distance(),
          null);
    }
    SparseVectorParams sparse =
        info.getConfig().getParams().getSparseVectorsConfig().getMapMap().get(QdrantSchema.BM25);
    if (sparse == null) {
      throw new StoreException(
          "Qdrant collection " + target + " has no sparse vector '" + QdrantSchema.BM25 + "'",
          null);
    }
    Value embedder = info.getConfig().getMetadataMap().get(QdrantSchema.META_EMBEDDER);
    String stored =
        embedder != null && embedder.hasStringValue() ? embedder.getStringValue() : null;
    if (!config.embedder().equals(stored)) {
      throw new StoreException(
          "Qdrant collection "
              + target
              + " holds vectors of embedder "
              + stored
              + ", this store embeds with "
              + config.embedder()
              + ": mixed embedding models in one collection are refused; create a new collection"
              + " (QdrantCollections.versionedName) and switch the alias",
          null);
    }
  }
}
