package io.ragstream.store.qdrant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.ragstream.core.error.StoreException;
import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.ApplyResult;
import io.ragstream.core.store.Fusion;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.VectorStoreContractTest;
import io.ragstream.store.qdrant.internal.Retrier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.qdrant.QdrantContainer;

/**
 * The {@link VectorStoreContractTest} on a real Qdrant, plus Qdrant-only behaviour (multi-batch
 * upserts, vectors, the embedder guard, alias switches, server-side RRF).
 *
 * <p>Qdrant comes from {@code QDRANT_URL} (the gRPC URL, e.g. {@code http://localhost:6334}; with
 * {@code QDRANT_API_KEY} when set) or, without it, from Testcontainers ({@value #IMAGE}) when
 * Docker is available. Otherwise every test is skipped (a failed assumption), never passed.
 */
class QdrantVectorStoreIT extends VectorStoreContractTest {
  /** Pinned Qdrant image, the server line of the pinned {@code io.qdrant:client} 1.18. */
  static final String IMAGE = "qdrant/qdrant:v1.18.0";

  private static QdrantContainer container;
  private static QdrantStoreConfig server;
  private static QdrantClient admin;
  private static QdrantCollections collections;

  /** Collections and aliases created by this test, dropped after it. */
  private final List<String> created = new ArrayList<>();

  @BeforeAll
  static void connect() {
    String url = System.getenv("QDRANT_URL");
    QdrantStoreConfig.Builder builder =
        QdrantStoreConfig.builder()
            .embedder(EMBEDDER)
            .dimension(DIM)
            .timeout(Duration.ofSeconds(30))
            .retry(3, Duration.ofMillis(50), Duration.ofMillis(500));
    if (url != null && !url.isBlank()) {
      builder.url(url).apiKey(ApiKey.of(System.getenv("QDRANT_API_KEY")));
    } else {
      if (!DockerClientFactory.instance().isDockerAvailable()) {
        return; // every test is skipped in createStore, so each is reported as skipped
      }
      container = new QdrantContainer(IMAGE);
      container.start();
      builder.host(container.getHost()).port(container.getGrpcPort());
    }
    server = builder.build();
    QdrantGrpcClient.Builder grpc =
        QdrantGrpcClient.newBuilder(server.host(), server.port(), server.tls());
    if (!server.apiKey().isEmpty()) {
      grpc.withApiKey(server.apiKey().reveal());
    }
    admin = new QdrantClient(grpc.build());
    collections =
        new QdrantCollections(
            admin, server.timeout(), Retrier.of(3, Duration.ofMillis(50), Duration.ofMillis(500)));
  }

  @AfterAll
  static void disconnect() {
    if (admin != null) {
      admin.close();
    }
    if (container != null) {
      container.stop();
    }
  }

  /** One alias and collection per store directory, so {@link #reopen()} finds the same data. */
  private QdrantStoreConfig configFor(Path dir) {
    String alias = "it_" + HexFormat.of().toHexDigits(dir.toString().hashCode());
    return server.toBuilder()
        .alias(alias)
        .collection(QdrantCollections.versionedName(alias, 1))
        .build();
  }

  @Override
  protected VectorStore createStore(Path dir) {
    assumeTrue(
        server != null,
        "no QDRANT_URL and no Docker for Testcontainers: the Qdrant contract test is skipped");
    QdrantStoreConfig config = configFor(dir);
    remember(config.alias(), config.collection());
    return QdrantVectorStore.open(config);
  }

  private void remember(String... names) {
    for (String name : names) {
      if (!created.contains(name)) created.add(name);
    }
  }

  @AfterEach
  void dropCollections() throws Exception {
    for (String name : created) {
      if (name.contains("_v")) {
        collections.deleteCollection(name);
      } else {
        admin.deleteAliasAsync(name).get();
      }
    }
  }

  private QdrantVectorStore qdrant() {
    return (QdrantVectorStore) store;
  }

  // ------------------------------------------------------------------ Qdrant-only behaviour

  @Test
  void documentsLargerThanOneBatchAreUpsertedInBatchesAndShrinkCleanly() {
    QdrantStoreConfig small = configFor(storeDir).toBuilder().batchSize(2).maxInFlight(2).build();
    store.close();
    store = QdrantVectorStore.open(small);
    ChunkSpec[] seven = new ChunkSpec[7];
    for (int i = 0; i < seven.length; i++) {
      seven[i] = chunk("chunk" + i + " words", axis(i % DIM));
    }

    assertThat(store.apply(upsert("big", 1, 1, PUBLIC, seven)))
        .isEqualTo(new ApplyResult.Applied(7, 0));
    assertThat(store.stats().points()).isEqualTo(7);
    assertThat(store.apply(upsert("big", 2, 2, PUBLIC, seven[0], seven[1], seven[2])))
        .isEqualTo(new ApplyResult.Applied(3, 4));
    assertThat(store.stats().points()).isEqualTo(3);
    assertThat(bm25("chunk6", 10)).isEmpty();
  }

  @Test
  void vectorsReturnsTheDenseVectorsInChunkOrder() {
    store.apply(
        upsert(
            "A", 1, 1, PUBLIC, chunk("a0", axis(2)), chunk("a1", axis(0)), chunk("a2", axis(5))));

    List<float[]> vectors = qdrant().vectors("A");

    assertThat(vectors).hasSize(3);
    assertThat(vectors.get(0)).containsExactly(axis(2));
    assertThat(vectors.get(1)).containsExactly(axis(0));
    assertThat(vectors.get(2)).containsExactly(axis(5));
    assertThat(qdrant().vectors("unknown")).isEmpty();
  }

  @Test
  void openingACollectionOfAnotherEmbedderIsRefused() {
    QdrantStoreConfig other = configFor(storeDir).toBuilder().embedder("other-model@2").build();

    assertThatThrownBy(() -> QdrantVectorStore.open(other))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(EMBEDDER)
        .hasMessageContaining("other-model@2");
  }

  @Test
  void pointsOfAnotherEmbedderAreRefused() {
    var update = upsert("A", 1, 1, PUBLIC, chunk("a0", axis(0)));
    var foreign =
        new io.ragstream.core.store.DocumentUpdate.Upsert(
            "A",
            1,
            1,
            PUBLIC,
            "h",
            List.of(
                new io.ragstream.core.store.Point(
                    update.points().get(0).id(), 0, 1, "a0", 0, 2, axis(0), "other-model@2")));

    assertThatThrownBy(() -> store.apply(foreign)).isInstanceOf(StoreException.class);
    assertThat(store.version("A")).isEqualTo(-1);
  }

  @Test
  void switchingTheAliasMovesReadersToTheNewCollectionAtOnce() {
    store.apply(upsert("old-doc", 1, 1, PUBLIC, chunk("old words", axis(0))));
    QdrantStoreConfig first = configFor(storeDir);
    String second = QdrantCollections.versionedName(first.alias(), 2);
    remember(second);
    collections.createCollection(second, DIM, first.distance(), EMBEDDER);
    try (QdrantVectorStore writer =
        QdrantVectorStore.open(first.toBuilder().alias(null).collection(second).build())) {
      writer.apply(upsert("new-doc", 1, 1, PUBLIC, chunk("new words", axis(0))));
    }

    collections.switchAlias(first.alias(), second);

    assertThat(collections.aliasTarget(first.alias())).contains(second);
    assertThat(documentIds(dense(axis(0), 10))).containsExactly("new-doc");
  }

  @Test
  void serverSideRrfAndClientSideRrfRankAlike() {
    store.apply(upsert("y", 1, 1, PUBLIC, chunk("plain words without the term", axis(0))));
    store.apply(upsert("x", 1, 1, PUBLIC, chunk("fusion of rankings", mix(0, 1, 0.9))));
    store.apply(upsert("z", 1, 1, PUBLIC, chunk("fusion fusion fusion", mix(0, 1, 0.1))));

    var server =
        store.search(
            new io.ragstream.core.store.SearchRequest(
                "fusion", axis(0), 3, SearchMode.HYBRID, SearchFilter.NONE, false, Fusion.rrf(60)));
    // Collapsing one-chunk documents changes nothing but runs the client-side fusion.
    var client =
        store.search(
            new io.ragstream.core.store.SearchRequest(
                "fusion", axis(0), 3, SearchMode.HYBRID, SearchFilter.NONE, true, Fusion.rrf(60)));

    assertThat(pointIds(server)).isEqualTo(pointIds(client));
    for (int i = 0; i < server.size(); i++) {
      assertThat(server.get(i).score())
          .isCloseTo(client.get(i).score(), org.assertj.core.api.Assertions.within(1e-6));
    }
  }
}
