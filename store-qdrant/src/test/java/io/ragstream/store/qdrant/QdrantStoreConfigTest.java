package io.ragstream.store.qdrant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.ConfigException;
import io.ragstream.core.store.Fusion;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class QdrantStoreConfigTest {

  private static QdrantStoreConfig.Builder valid() {
    return QdrantStoreConfig.builder().host("qdrant.internal").embedder("bge-small@1");
  }

  @Test
  void defaultsAddressTheAliasOfTheFirstVersionedCollectionOverGrpc() {
    QdrantStoreConfig config = valid().build();

    assertThat(config.port()).isEqualTo(6334);
    assertThat(config.tls()).isFalse();
    assertThat(config.collection()).isEqualTo("ragstream_v1");
    assertThat(config.alias()).isEqualTo("ragstream");
    assertThat(config.target()).isEqualTo("ragstream");
    assertThat(config.dimension()).isEqualTo(384);
    assertThat(config.distance()).isEqualTo(QdrantStoreConfig.VectorDistance.COSINE);
    assertThat(config.waitForIndexing()).isTrue();
    assertThat(config.fusion()).isEqualTo(Fusion.DEFAULT);
    assertThat(config.apiKey().isEmpty()).isTrue();
    assertThat(valid().alias(null).build().target()).isEqualTo("ragstream_v1");
  }

  @Test
  void urlGivesHostPortAndTls() {
    QdrantStoreConfig cloud = valid().url("https://abc.cloud.qdrant.io:6334").build();
    assertThat(cloud.host()).isEqualTo("abc.cloud.qdrant.io");
    assertThat(cloud.port()).isEqualTo(6334);
    assertThat(cloud.tls()).isTrue();

    QdrantStoreConfig local = valid().url("http://127.0.0.1").build();
    assertThat(local.host()).isEqualTo("127.0.0.1");
    assertThat(local.port()).isEqualTo(QdrantStoreConfig.DEFAULT_PORT);
    assertThat(local.tls()).isFalse();
  }

  @ParameterizedTest
  @MethodSource("badUrls")
  void badUrlNamesTheKey(String url) {
    assertThatThrownBy(() -> valid().url(url))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("qdrant.url")
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("qdrant.url"));
  }

  static Stream<String> badUrls() {
    return Stream.of("localhost:6334", "grpc://localhost:6334", "http://", "http://h:1/path", "");
  }

  @Test
  void toStringMasksTheApiKey() {
    QdrantStoreConfig config = valid().apiKey(ApiKey.of("s3cr3t-key")).build();

    assertThat(config.toString()).doesNotContain("s3cr3t-key").contains("apiKey=****");
    assertThat(config.apiKey().reveal()).isEqualTo("s3cr3t-key");
    assertThat(ApiKey.of("").toString()).isEqualTo("<none>");
    assertThat(ApiKey.of(null)).isEqualTo(ApiKey.none());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidValues")
  void invalidValueFailsNamingItsKey(String key, UnaryOperator<QdrantStoreConfig.Builder> change) {
    assertThatThrownBy(() -> change.apply(valid()).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config " + key + ":")
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key));
  }

  static Stream<Arguments> invalidValues() {
    return Stream.of(
        bad("qdrant.host", b -> b.host(" ")),
        bad("qdrant.port", b -> b.port(0)),
        bad("qdrant.port", b -> b.port(70_000)),
        bad("qdrant.api-key", b -> b.apiKey(null)),
        bad("qdrant.collection", b -> b.collection("has space")),
        bad("qdrant.collection", b -> b.collection(null)),
        bad("qdrant.alias", b -> b.alias("a/b")),
        bad("qdrant.alias", b -> b.alias("same").collection("same")),
        bad("qdrant.embedder", b -> b.embedder(null)),
        bad("qdrant.dimension", b -> b.dimension(0)),
        bad("qdrant.dimension", b -> b.dimension(65_537)),
        bad("qdrant.distance", b -> b.distance(null)),
        bad("qdrant.batch-size", b -> b.batchSize(0)),
        bad("qdrant.max-in-flight", b -> b.maxInFlight(0)),
        bad("qdrant.max-in-flight", b -> b.maxInFlight(65)),
        bad("qdrant.timeout", b -> b.timeout(Duration.ZERO)),
        bad("qdrant.timeout", b -> b.timeout(null)),
        bad("qdrant.fusion", b -> b.fusion(null)),
        bad("qdrant.candidates", b -> b.candidates(0)),
        bad("qdrant.collapse-overfetch", b -> b.collapseOverfetch(0)),
        bad("qdrant.bm25-k1", b -> b.bm25(-1f, 0.4f)),
        bad("qdrant.bm25-b", b -> b.bm25(0.9f, 1.5f)),
        bad("qdrant.bm25-avg-length", b -> b.bm25AvgLength(0)),
        bad(
            "qdrant.retry.max-attempts",
            b -> b.retry(0, Duration.ofMillis(1), Duration.ofMillis(1))),
        bad(
            "qdrant.retry.initial-backoff",
            b -> b.retry(3, Duration.ofMillis(-1), Duration.ofMillis(1))),
        bad(
            "qdrant.retry.max-backoff",
            b -> b.retry(3, Duration.ofMillis(10), Duration.ofMillis(5))));
  }

  private static Arguments bad(String key, UnaryOperator<QdrantStoreConfig.Builder> change) {
    return Arguments.of(key, change);
  }

  @Test
  void toBuilderRoundTrips() {
    QdrantStoreConfig config =
        valid()
            .port(7000)
            .tls(true)
            .dimension(8)
            .distance(QdrantStoreConfig.VectorDistance.DOT)
            .batchSize(3)
            .fusion(Fusion.rrf(20))
            .build();

    assertThat(config.toBuilder().build()).isEqualTo(config);
  }

  @Test
  void versionedNamesCarryTheVersion() {
    assertThat(QdrantCollections.versionedName("ragstream", 3)).isEqualTo("ragstream_v3");
    assertThat(QdrantCollections.versionOf("ragstream_v12")).contains(12);
    assertThat(QdrantCollections.versionOf("ragstream")).isEmpty();
    assertThatThrownBy(() -> QdrantCollections.versionedName("ragstream", 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
