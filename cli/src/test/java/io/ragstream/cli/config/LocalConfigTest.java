package io.ragstream.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.ConfigException;
import io.ragstream.core.store.Fusion;
import io.ragstream.processors.indexing.IndexingLimits;
import io.ragstream.store.lucene.Bm25Fields;
import io.ragstream.store.lucene.LuceneStoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalConfigTest {
  @TempDir Path dir;

  private static LocalConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
    return LocalConfig.from(Settings.load(file, env, flags, LocalConfig.KEYS));
  }

  @Test
  void defaultsFollowDesign() {
    LocalConfig c = load(null, Map.of(), Map.of());
    assertThat(c.source().jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/postgres");
    assertThat(c.source().tables())
        .singleElement()
        .satisfies(t -> assertThat(t.qualifiedName()).isEqualTo("public.documents"));
    assertThat(c.gatewayHost()).isEqualTo("127.0.0.1");
    assertThat(c.gatewayPort()).isEqualTo(8080);
    assertThat(c.gateway().chat().ratePerSecond()).isEqualTo(10);
    assertThat(c.gateway().chat().rateBurst()).isEqualTo(20);
    assertThat(c.kafkaBootstrapServers()).isNull();
    assertThat(c.dataDir()).isEqualTo(Path.of("data").toAbsolutePath().normalize());
  }

  @Test
  void flagsBeatEnvironmentWhichBeatsTheFile() throws Exception {
    Path file = dir.resolve("r.yaml");
    Files.writeString(
        file, "gateway:\n  port: 9000\n  host: 127.0.0.2\nindexing:\n  checkpoint-interval: 2s\n");
    LocalConfig c = load(file, Map.of("RAGSTREAM_GATEWAY_PORT", "9001"), Map.of());
    assertThat(c.gatewayPort()).isEqualTo(9001);
    assertThat(c.gatewayHost()).isEqualTo("127.0.0.2");
    assertThat(c.checkpointInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(
            load(file, Map.of("RAGSTREAM_GATEWAY_PORT", "9001"), Map.of("gateway.port", "9002"))
                .gatewayPort())
        .isEqualTo(9002);
  }

  @Test
  void gatewayRateLimitIsConfigurable() {
    LocalConfig c =
        load(
            null,
            Map.of("RAGSTREAM_GATEWAY_RATE_LIMIT_PER_SECOND", "500"),
            Map.of("gateway.rate-limit.burst", "1000"));
    assertThat(c.gateway().chat().ratePerSecond()).isEqualTo(500);
    assertThat(c.gateway().chat().rateBurst()).isEqualTo(1000);
    assertThatThrownBy(
            () -> load(null, Map.of("RAGSTREAM_GATEWAY_RATE_LIMIT_BURST", "0"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("gateway.rate-limit.burst")
        .hasMessageContaining("'0'");
  }

  @Test
  void yamlTablesAreMapped() throws Exception {
    Path file = dir.resolve("r.yaml");
    Files.writeString(
        file,
        """
        source:
          tables:
            - {schema: kb, table: articles, id-column: article_id, title-column: headline,
               body-column: content, tenant-column: org, acl-column: readers, metadata-columns: [lang]}
        """);
    var t = load(file, Map.of(), Map.of()).source().tables().get(0);
    assertThat(t.qualifiedName()).isEqualTo("kb.articles");
    assertThat(t.idColumn()).isEqualTo("article_id");
    assertThat(t.bodyColumn()).isEqualTo("content");
    assertThat(t.metadataColumns()).containsExactly("lang");
  }

  @Test
  void badValuesNameTheKeyTheValueAndTheirOrigin() {
    assertThatThrownBy(() -> load(null, Map.of("RAGSTREAM_GATEWAY_PORT", "http"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("gateway.port")
        .hasMessageContaining("'http'")
        .hasMessageContaining("environment RAGSTREAM_GATEWAY_PORT");
    assertThatThrownBy(
            () ->
                load(
                    null,
                    Map.of(),
                    Map.of(
                        "indexing.chunk.overlap-tokens",
                        "500",
                        "indexing.chunk.max-tokens",
                        "100")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("indexing.chunk.overlap-tokens");
    assertThatThrownBy(() -> load(null, Map.of(), Map.of("indexing.checkpoint-interval", "soon")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("indexing.checkpoint-interval");
    assertThatThrownBy(() -> load(null, Map.of(), Map.of("source.table", "documents")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("source.table");
    assertThatThrownBy(() -> load(null, Map.of(), Map.of("source.slot", "Bad-Slot")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("slot");
  }

  @Test
  void indexingCapsHaveDefaultsUnitsAndNamedErrors() throws Exception {
    LocalConfig defaults = load(null, Map.of(), Map.of());
    assertThat(defaults.limits()).isEqualTo(IndexingLimits.defaults());
    assertThat(defaults.limits().maxBodyBytes()).isEqualTo(1 << 20);

    Path file = dir.resolve("caps.yaml");
    Files.writeString(file, "indexing:\n  max-body-size: 512kb\n  max-chunks: 40\n");
    LocalConfig c = load(file, Map.of(), Map.of());
    assertThat(c.limits()).isEqualTo(new IndexingLimits(512 * 1024, 40));
    assertThat(load(null, Map.of("RAGSTREAM_INDEXING_MAX_BODY_SIZE", "2MiB"), Map.of()).limits())
        .extracting(IndexingLimits::maxBodyBytes)
        .isEqualTo(2L << 20);
    assertThat(load(null, Map.of(), Map.of("indexing.max-body-size", "4096")).limits())
        .extracting(IndexingLimits::maxBodyBytes)
        .isEqualTo(4096L);

    assertThatThrownBy(() -> load(file, Map.of(), Map.of("indexing.max-body-size", "big")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("indexing.max-body-size")
        .hasMessageContaining("'big'")
        .hasMessageContaining("not a size");
    assertThatThrownBy(() -> load(null, Map.of(), Map.of("indexing.max-body-size", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("indexing.max-body-size");
    assertThatThrownBy(() -> load(null, Map.of(), Map.of("indexing.max-body-size", "2gb")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("indexing.max-body-size");
    assertThatThrownBy(() -> load(null, Map.of(), Map.of("indexing.max-chunks", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("indexing.max-chunks")
        .hasMessageContaining("(from flag)");
  }

  @Test
  void chunkSizeFollowsTheEmbeddersLimit() {
    LocalConfig bge = load(null, Map.of(), Map.of());
    assertThat(bge.embedder()).isEqualTo("bge-small-en-v1.5-q");
    assertThat(bge.chunkMaxTokens()).isEqualTo(400);
    LocalConfig miniLm = load(null, Map.of(), Map.of("indexing.embedder", "all-minilm-l6-v2-q"));
    assertThat(miniLm.chunkMaxTokens()).isEqualTo(254);
    assertThatThrownBy(
            () ->
                load(
                    null,
                    Map.of(),
                    Map.of(
                        "indexing.embedder",
                        "all-minilm-l6-v2",
                        "indexing.chunk.max-tokens",
                        "300")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("indexing.chunk.max-tokens")
        .hasMessageContaining("254");
    assertThatThrownBy(() -> load(null, Map.of(), Map.of("indexing.embedder", "bert-large")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("indexing.embedder")
        .hasMessageContaining("e5-small-v2-q");
  }

  @Test
  void searchFusionAndBm25FieldsAreConfigurable() {
    assertThat(load(null, Map.of(), Map.of()).storeOptions())
        .isEqualTo(LuceneStoreOptions.defaults());
    LuceneStoreOptions convex =
        load(
                null,
                Map.of("RAGSTREAM_SEARCH_FUSION", "convex", "RAGSTREAM_SEARCH_ALPHA", "0.6"),
                Map.of("search.bm25-fields", "multifield"))
            .storeOptions();
    assertThat(convex.fusion()).isEqualTo(Fusion.convex(0.6));
    assertThat(convex.bm25Fields()).isEqualTo(Bm25Fields.MULTIFIELD);
    assertThat(
            load(null, Map.of(), Map.of("search.fusion", "rrf", "search.rrf-k", "20"))
                .storeOptions()
                .fusion())
        .isEqualTo(Fusion.rrf(20));
    assertThat(load(null, Map.of(), Map.of("search.fusion", "convex")).storeOptions().fusion())
        .isEqualTo(Fusion.convex(Fusion.DEFAULT_ALPHA));
    assertThatThrownBy(
            () -> load(null, Map.of(), Map.of("search.fusion", "convex", "search.alpha", "x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("search.alpha");
    assertThatThrownBy(() -> load(null, Map.of(), Map.of("search.fusion", "max")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("search.fusion");
    assertThatThrownBy(() -> load(null, Map.of(), Map.of("search.alpha", "0.5")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("search.alpha");
    assertThatThrownBy(() -> load(null, Map.of(), Map.of("search.bm25-fields", "title")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("search.bm25-fields");
  }

  @Test
  void unreadableFileIsAConfigError() {
    assertThatThrownBy(() -> load(dir.resolve("missing.yaml"), Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("missing.yaml");
  }

  @Test
  void heartbeatsAreOnByDefaultAndConfigurable() {
    LocalConfig d = load(null, Map.of(), Map.of());
    assertThat(d.cdc().heartbeat().enabled()).isTrue();
    assertThat(d.cdc().heartbeat().interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(d.cdc().heartbeat().qualifiedName()).isEqualTo("public.ragstream_heartbeat");
    assertThat(d.cdc().slotMetricsInterval()).isEqualTo(Duration.ofSeconds(10));

    LocalConfig c =
        load(
            null,
            Map.of(
                "RAGSTREAM_SOURCE_HEARTBEAT_ENABLED", "false",
                "RAGSTREAM_SOURCE_HEARTBEAT_INTERVAL", "2s",
                "RAGSTREAM_SOURCE_HEARTBEAT_TABLE", "ops.beats",
                "RAGSTREAM_SOURCE_SLOT_METRICS_INTERVAL", "500ms"),
            Map.of());
    assertThat(c.cdc().heartbeat().enabled()).isFalse();
    assertThat(c.cdc().heartbeat().interval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.cdc().heartbeat().schema()).isEqualTo("ops");
    assertThat(c.cdc().heartbeat().table()).isEqualTo("beats");
    assertThat(c.cdc().slotMetricsInterval()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void badHeartbeatSettingsNameTheKey() {
    assertThatThrownBy(
            () -> load(null, Map.of("RAGSTREAM_SOURCE_HEARTBEAT_INTERVAL", "10ms"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("source.heartbeat.interval");
    assertThatThrownBy(
            () -> load(null, Map.of("RAGSTREAM_SOURCE_HEARTBEAT_TABLE", "a.b-c"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("source.heartbeat.table")
        .hasMessageContaining("a.b-c");
    assertThatThrownBy(
            () -> load(null, Map.of("RAGSTREAM_SOURCE_HEARTBEAT_ENABLED", "maybe"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("source.heartbeat.enabled");
  }
}
