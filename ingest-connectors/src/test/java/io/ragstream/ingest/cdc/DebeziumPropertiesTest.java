package io.ragstream.ingest.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.ingest.cdc.internal.DebeziumProperties;
import io.ragstream.ingest.config.MariaDbSourceConfig;
import io.ragstream.ingest.config.PostgresSourceConfig;
import io.ragstream.ingest.config.Secret;
import io.ragstream.ingest.config.SourceKind;
import io.ragstream.ingest.config.TableMapping;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DebeziumPropertiesTest {
  private final PostgresSourceConfig config =
      new PostgresSourceConfig(
          "jdbc:postgresql://db.example:6543/content?sslmode=require",
          "cdc",
          Secret.of("s3cret"),
          null,
          null,
          null,
          List.of(TableMapping.defaults(), TableMapping.forTable("docs", "faq")),
          Path.of("/data/offsets.dat"));

  @Test
  void configuresPgoutputWithAFilteredPublicationAndFileOffsets() {
    Properties p = DebeziumProperties.of(config);

    assertThat(p)
        .containsEntry("connector.class", "io.debezium.connector.postgresql.PostgresConnector")
        .containsEntry("plugin.name", "pgoutput")
        .containsEntry("publication.autocreate.mode", "filtered")
        .containsEntry("slot.name", "ragstream")
        .containsEntry("publication.name", "ragstream_pub")
        .containsEntry("topic.prefix", "ragstream")
        .containsEntry("snapshot.mode", "initial")
        .containsEntry("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore")
        .containsEntry("offset.storage.file.filename", "/data/offsets.dat")
        .containsEntry("offset.flush.interval.ms", "1000")
        .containsEntry("converter.schemas.enable", "false")
        .containsEntry("tombstones.on.delete", "true")
        .containsEntry("decimal.handling.mode", "string")
        .containsEntry("database.hostname", "db.example")
        .containsEntry("database.port", "6543")
        .containsEntry("database.dbname", "content")
        .containsEntry("database.user", "cdc")
        .containsEntry("database.password", "s3cret")
        .containsEntry("database.sslmode", "require");
  }

  @Test
  void includesExactlyTheMappedTables() {
    String[] include = DebeziumProperties.of(config).getProperty("table.include.list").split(",");

    assertThat(include).hasSize(2);
    assertThat(Pattern.matches(include[0], "public.documents")).isTrue();
    assertThat(Pattern.matches(include[0], "publicXdocuments")).isFalse();
    assertThat(Pattern.matches(include[1], "docs.faq")).isTrue();
  }

  @Test
  void configuresTheMariaDbConnectorAsAReplicaWithAFileSchemaHistory() {
    MariaDbSourceConfig mariadb =
        new MariaDbSourceConfig(
            SourceKind.MARIADB,
            "db.example",
            3307,
            "cdc",
            Secret.of("s3cret"),
            "kb",
            "rs",
            4242,
            List.of(
                TableMapping.forTable("kb", "articles"), TableMapping.forTable("wiki", "pages")),
            Path.of("/data/binlog-offsets.dat"),
            null);

    Properties p = DebeziumProperties.of(mariadb);

    assertThat(p)
        .containsEntry("connector.class", "io.debezium.connector.mariadb.MariaDbConnector")
        .containsEntry("name", "ragstream-mariadb-rs")
        .containsEntry("database.hostname", "db.example")
        .containsEntry("database.port", "3307")
        .containsEntry("database.server.id", "4242")
        .containsEntry("database.password", "s3cret")
        .containsEntry("topic.prefix", "rs")
        .containsEntry("snapshot.mode", "initial")
        .containsEntry("offset.storage.file.filename", "/data/binlog-offsets.dat")
        .containsEntry(
            "schema.history.internal", "io.debezium.storage.file.history.FileSchemaHistory")
        .containsEntry("schema.history.internal.file.filename", "/data/debezium-schema-history.dat")
        .containsEntry("include.schema.changes", "false")
        .containsEntry("provide.transaction.metadata", "true")
        .containsEntry("tombstones.on.delete", "true")
        .containsEntry("converter.schemas.enable", "false");
    assertThat(p.getProperty("database.include.list").split(",")).hasSize(2);
    assertThat(Pattern.matches(p.getProperty("table.include.list").split(",")[1], "wiki.pages"))
        .isTrue();
    assertThat(
            new MariaDbSourceConfig(
                    SourceKind.MYSQL,
                    "h",
                    3306,
                    "u",
                    null,
                    "kb",
                    null,
                    1,
                    List.of(TableMapping.forTable("kb", "a")),
                    Path.of("/o"),
                    null)
                .kind()
                .connectorClass())
        .isEqualTo("io.debezium.connector.mysql.MySqlConnector");
  }
}
