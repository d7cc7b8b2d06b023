package io.ragstream.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.ConfigException;
import io.ragstream.ingest.config.MariaDbSourceConfig;
import io.ragstream.ingest.config.PostgresSourceConfig;
import io.ragstream.ingest.config.SourceKind;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code source.kind} and the MariaDB/MySQL keys of {@link LocalConfig}. */
class LocalConfigBinlogSourceTest {

  private static LocalConfig load(Map<String, String> env, Map<String, String> flags) {
    return LocalConfig.from(Settings.load(null, env, flags, LocalConfig.KEYS));
  }

  @Test
  void mariadbKindHasTheMachinesDefaults() {
    LocalConfig c = load(Map.of("RAGSTREAM_SOURCE_KIND", "mariadb"), Map.of("data-dir", "/d"));

    assertThat(c.source()).isInstanceOf(MariaDbSourceConfig.class);
    MariaDbSourceConfig s = (MariaDbSourceConfig) c.source();
    assertThat(s.kind()).isEqualTo(SourceKind.MARIADB);
    assertThat(s.jdbcUrl()).isEqualTo("jdbc:mariadb://127.0.0.1:3306/test");
    assertThat(s.user()).isEqualTo("root");
    assertThat(s.serverId()).isEqualTo(MariaDbSourceConfig.DEFAULT_SERVER_ID);
    assertThat(s.tables())
        .singleElement()
        .satisfies(t -> assertThat(t.qualifiedName()).isEqualTo("test.documents"));
    assertThat(s.offsetsFile()).isEqualTo(Path.of("/d/debezium-binlog-offsets.dat"));
    assertThat(s.schemaHistoryFile()).isEqualTo(Path.of("/d/debezium-schema-history.dat"));
  }

  @Test
  void theKindFollowsTheJdbcUrlWhenNotGiven() {
    LocalConfig c =
        load(
            Map.of(),
            Map.of(
                "source.jdbc-url", "jdbc:mysql://db.internal:3307/kb",
                "source.server-id", "4242",
                "source.table", "kb.articles"));

    MariaDbSourceConfig s = (MariaDbSourceConfig) c.source();
    assertThat(s.kind()).isEqualTo(SourceKind.MYSQL);
    assertThat(s.host()).isEqualTo("db.internal");
    assertThat(s.port()).isEqualTo(3307);
    assertThat(s.database()).isEqualTo("kb");
    assertThat(s.serverId()).isEqualTo(4242);
    assertThat(s.tables().get(0).qualifiedName()).isEqualTo("kb.articles");
    assertThat(load(Map.of(), Map.of()).source()).isInstanceOf(PostgresSourceConfig.class);
  }

  @Test
  void aBadKindFailsNamingTheKey() {
    assertThatThrownBy(() -> load(Map.of("RAGSTREAM_SOURCE_KIND", "oracle"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("source.kind")
        .hasMessageContaining("'oracle'")
        .hasMessageContaining("must be postgresql, mariadb or mysql");
  }

  @Test
  void keysOfTheOtherKindAreRefused() {
    assertThatThrownBy(
            () ->
                load(
                    Map.of(),
                    Map.of(
                        "source.kind",
                        "mariadb",
                        "source.jdbc-url",
                        "jdbc:postgresql://127.0.0.1:5432/postgres")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("source.jdbc-url")
        .hasMessageContaining("must look like jdbc:mariadb://host:port/database");
    assertThatThrownBy(
            () -> load(Map.of(), Map.of("source.kind", "mariadb", "source.slot", "myslot")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("source.slot")
        .hasMessageContaining("postgresql only");
    assertThatThrownBy(() -> load(Map.of(), Map.of("source.server-id", "7")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("source.server-id");
  }
}
