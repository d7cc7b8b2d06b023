package io.ragstream.ingest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostgresSourceConfigTest {

  @Test
  void defaultsFollowTheDesign() {
    PostgresSourceConfig c = PostgresSourceConfig.defaults(Path.of("data"));

    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(5432);
    assertThat(c.database()).isEqualTo("postgres");
    assertThat(c.user()).isEqualTo("postgres");
    assertThat(c.topicPrefix()).isEqualTo("ragstream");
    assertThat(c.slotName()).isEqualTo("ragstream");
    assertThat(c.publicationName()).isEqualTo("ragstream_pub");
    assertThat(c.tables()).containsExactly(TableMapping.defaults());
    assertThat(c.topics()).containsExactly("ragstream.public.documents");
    assertThat(c.offsetsFile()).isEqualTo(Path.of("data", "debezium-offsets.dat"));
  }

  @Test
  void nullOptionalsMeanDefaults() {
    PostgresSourceConfig c =
        new PostgresSourceConfig(
            "jdbc:postgresql://[::1]/db?sslmode=disable&ApplicationName=x",
            "u",
            null,
            null,
            null,
            null,
            List.of(TableMapping.defaults()),
            Path.of("o"));

    assertThat(c.host()).isEqualTo("::1");
    assertThat(c.port()).isEqualTo(5432);
    assertThat(c.database()).isEqualTo("db");
    assertThat(c.jdbcParameters()).containsEntry("sslmode", "disable");
    assertThat(c.password().isEmpty()).isTrue();
    assertThat(c.slotName()).isEqualTo("ragstream");
  }

  @Test
  void masksThePasswordInToString() {
    PostgresSourceConfig c =
        new PostgresSourceConfig(
            PostgresSourceConfig.DEFAULT_JDBC_URL,
            "u",
            Secret.of("hunter2"),
            null,
            null,
            null,
            List.of(TableMapping.defaults()),
            Path.of("o"));

    assertThat(c.toString()).doesNotContain("hunter2").contains("****");
    assertThat(c.password().reveal()).isEqualTo("hunter2");
  }

  @Test
  void rejectsInvalidValuesNamingTheField() {
    assertThatThrownBy(() -> config("jdbc:mysql://h/db", "ragstream"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("source.jdbcUrl")
        .hasMessageContaining("jdbc:mysql://h/db");
    assertThatThrownBy(() -> config("jdbc:postgresql://h:5432/", "ragstream"))
        .hasMessageContaining("must name a database");
    assertThatThrownBy(() -> config("jdbc:postgresql://h1,h2/db", "ragstream"))
        .hasMessageContaining("source.jdbcUrl");
    assertThatThrownBy(() -> config(PostgresSourceConfig.DEFAULT_JDBC_URL, "Bad-Slot"))
        .hasMessageContaining("source.slotName")
        .hasMessageContaining("Bad-Slot");
    assertThatThrownBy(
            () ->
                new PostgresSourceConfig(
                    PostgresSourceConfig.DEFAULT_JDBC_URL,
                    "u",
                    null,
                    null,
                    null,
                    null,
                    List.of(TableMapping.defaults(), TableMapping.defaults()),
                    Path.of("o")))
        .hasMessageContaining("maps public.documents more than once");
  }

  private static PostgresSourceConfig config(String url, String slot) {
    return new PostgresSourceConfig(
        url, "u", null, null, slot, null, List.of(TableMapping.defaults()), Path.of("o"));
  }
}
