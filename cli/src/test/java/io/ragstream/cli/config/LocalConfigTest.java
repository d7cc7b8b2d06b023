package io.ragstream.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.ConfigException;
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
  void unreadableFileIsAConfigError() {
    assertThatThrownBy(() -> load(dir.resolve("missing.yaml"), Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("missing.yaml");
  }
}
