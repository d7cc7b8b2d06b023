package io.ragstream.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.ConfigException;
import io.ragstream.core.store.Fusion;
import io.ragstream.store.qdrant.QdrantStoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code store.*} (selection only: no Qdrant server runs here, so nothing connects) and the
 * distributed processes' own keys.
 */
class StoreSettingsTest {
  @TempDir Path dir;

  private static LocalConfig load(Map<String, String> env, Map<String, String> flags) {
    return LocalConfig.from(Settings.load(null, env, flags, LocalConfig.KEYS));
  }

  private static Map<String, String> qdrant(String... more) {
    Map<String, String> m = new HashMap<>();
    m.put("store.kind", "qdrant");
    m.put("store.qdrant.url", "http://qdrant.internal:6334");
    for (int i = 0; i < more.length; i += 2) m.put(more[i], more[i + 1]);
    return m;
  }

  @Test
  void luceneIsTheDefaultInTheDataDirectory() {
    LocalConfig c = load(Map.of(), Map.of("data-dir", dir.toString()));
    assertThat(c.store().kind()).isEqualTo(StoreSettings.Kind.LUCENE);
    assertThat(c.store().lucenePath()).isEqualTo(dir.resolve("index").toAbsolutePath());
    assertThat(c.store().qdrant()).isNull();
  }

  @Test
  void qdrantKeysComeFromTheEnvironment() {
    LocalConfig c =
        load(
            Map.of(
                "RAGSTREAM_STORE_KIND", "QDRANT",
                "RAGSTREAM_STORE_QDRANT_URL", "https://xyz.cloud.qdrant.io",
                "RAGSTREAM_STORE_QDRANT_API_KEY", "s3cret",
                "RAGSTREAM_STORE_QDRANT_COLLECTION", "docs",
                "RAGSTREAM_STORE_QDRANT_TIMEOUT", "3s"),
            Map.of("search.fusion", "rrf"));
    QdrantStoreConfig q = c.store().qdrant();
    assertThat(c.store().kind()).isEqualTo(StoreSettings.Kind.QDRANT);
    assertThat(q.host()).isEqualTo("xyz.cloud.qdrant.io");
    assertThat(q.port()).isEqualTo(QdrantStoreConfig.DEFAULT_PORT);
    assertThat(q.tls()).isTrue();
    assertThat(q.apiKey().reveal()).isEqualTo("s3cret");
    assertThat(q.toString()).doesNotContain("s3cret");
    assertThat(q.alias()).isEqualTo("docs");
    assertThat(q.collection()).isEqualTo("docs_v1");
    assertThat(q.timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(q.fusion()).isEqualTo(Fusion.rrf(Fusion.DEFAULT_RRF_K));
  }

  @Test
  void qdrantForTakesTheLoadedEmbeddersIdAndDimension() {
    StoreSettings s = load(Map.of(), qdrant()).store();
    QdrantStoreConfig q = s.qdrantFor("bge-small-en-v1.5-q@langchain4j-embeddings-1.20.0", 768);
    assertThat(q.embedder()).isEqualTo("bge-small-en-v1.5-q@langchain4j-embeddings-1.20.0");
    assertThat(q.dimension()).isEqualTo(768);
    assertThat(q.alias()).isEqualTo(QdrantStoreConfig.DEFAULT_ALIAS);
    assertThat(q.host()).isEqualTo("qdrant.internal");
    assertThat(q.port()).isEqualTo(6334);
    assertThatThrownBy(() -> load(Map.of(), Map.of()).store().qdrantFor("x", 384))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void yamlFileSelectsQdrant() throws Exception {
    Path file = dir.resolve("dist.yaml");
    Files.writeString(
        file, "store:\n  kind: qdrant\n  qdrant:\n    url: http://q:7000\n    collection: kb\n");
    LocalConfig c = LocalConfig.from(Settings.load(file, Map.of(), Map.of(), LocalConfig.KEYS));
    assertThat(c.store().qdrant().port()).isEqualTo(7000);
    assertThat(c.store().qdrant().alias()).isEqualTo("kb");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "store.kind|elastic",
        "store.qdrant.url|",
        "store.qdrant.url|grpc://q:6334",
        "store.qdrant.url|http://q:6334/path",
        "store.qdrant.url|http://q:99999",
        "store.qdrant.collection|has space",
        "store.qdrant.collection|''",
        "store.qdrant.timeout|0s",
        "store.qdrant.timeout|soon",
        "store.lucene.path|/var/index",
        "search.bm25-fields|multifield"
      })
  void eachBadQdrantValueNamesItsKey(String key, String value) {
    Map<String, String> flags = qdrant(key, value == null ? "" : value);
    assertThatThrownBy(() -> load(Map.of(), flags))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key))
        .hasMessageContaining(key);
  }

  @Test
  void qdrantKeysAreRefusedWithLucene() {
    assertThatThrownBy(() -> load(Map.of("RAGSTREAM_STORE_QDRANT_API_KEY", "s3cret"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("store.qdrant.api-key")
        .hasMessageContaining("store.kind qdrant only")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void serviceKeysHaveDefaultsAndNameTheirKeyWhenBad() {
    ServiceSettings d =
        ServiceSettings.from(Settings.load(null, Map.of(), Map.of(), ServiceSettings.ALL_KEYS));
    assertThat(d.ingestMetricsPort()).isEqualTo(ServiceSettings.DEFAULT_INGEST_METRICS_PORT);
    assertThat(d.trainerMetricsPort()).isEqualTo(ServiceSettings.DEFAULT_TRAINER_METRICS_PORT);
    assertThat(d.ingestMetricsHost()).isEqualTo("0.0.0.0");
    assertThat(d.indexerGroup()).isEqualTo("ragstream-indexer");
    assertThat(d.ingestCdc()).isEqualTo(ServiceSettings.IngestCdc.EMBEDDED);
    assertThat(
            ServiceSettings.from(
                    Settings.load(
                        null,
                        Map.of("RAGSTREAM_INGEST_CDC", "Connect"),
                        Map.of(),
                        ServiceSettings.ALL_KEYS))
                .ingestCdc())
        .isEqualTo(ServiceSettings.IngestCdc.CONNECT);
    ServiceSettings env =
        ServiceSettings.from(
            Settings.load(
                null,
                Map.of(
                    "RAGSTREAM_INGEST_METRICS_PORT", "9500", "RAGSTREAM_TRAINER_METRICS_PORT", "0"),
                Map.of(),
                ServiceSettings.ALL_KEYS));
    assertThat(env.ingestMetricsPort()).isEqualTo(9500);
    assertThat(env.trainerMetricsPort()).isZero();
    for (var bad :
        Map.of(
                "ingest.metrics-port", "70000",
                "trainer.metrics-port", "x",
                "ingest.metrics-host", " ",
                "indexing.group-id", "",
                "ingest.cdc", "debezium-server")
            .entrySet()) {
      assertThatThrownBy(
              () ->
                  ServiceSettings.from(
                      Settings.load(
                          null,
                          Map.of(),
                          Map.of(bad.getKey(), bad.getValue()),
                          ServiceSettings.ALL_KEYS)))
          .as(bad.getKey())
          .isInstanceOf(ConfigException.class)
          .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(bad.getKey()));
    }
  }

  @Test
  void distributedProcessesRequireKafka() {
    LocalConfig noKafka = load(Map.of(), Map.of());
    assertThatThrownBy(() -> ServiceSettings.requireKafka(noKafka, "ragstream ingest"))
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e -> assertThat(((ConfigException) e).key()).isEqualTo("kafka.bootstrap-servers"))
        .hasMessageContaining("ragstream ingest");
    assertThat(
            ServiceSettings.requireKafka(
                load(Map.of("RAGSTREAM_KAFKA_BOOTSTRAP_SERVERS", "k:9092"), Map.of()), "x"))
        .isEqualTo("k:9092");
  }
}
