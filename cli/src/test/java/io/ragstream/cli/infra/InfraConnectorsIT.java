package io.ragstream.cli.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Kafka Connect connector configs of {@code infra/connect/rest} through Debezium's whole
 * validation, connection step included, against the databases on this machine: only the address and
 * the credentials are replaced (PostgreSQL from {@code -Dragstream.it.jdbcUrl}, user postgres
 * without password; MariaDB from {@code -Dragstream.it.mariadbUrl}, root without password). {@link
 * InfraFilesTest} stops at the connection error the deployment's absent hosts give.
 */
class InfraConnectorsIT {

  private static Map<String, String> restConfig(String kind) {
    Map<String, String> config = new LinkedHashMap<>();
    InfraFiles.json(InfraFiles.infra().resolve("connect/rest/" + kind + "-connector.json"))
        .path("config")
        .fields()
        .forEachRemaining(f -> config.put(f.getKey(), f.getValue().asText()));
    return config;
  }

  private static URI uri(String property, String defaultJdbcUrl) {
    return URI.create(System.getProperty(property, defaultJdbcUrl).substring("jdbc:".length()));
  }

  @Test
  void postgresConnectorPassesDebeziumValidationAgainstARealPostgres() {
    URI db = uri("ragstream.it.jdbcUrl", "jdbc:postgresql://127.0.0.1:5432/postgres");
    Map<String, String> config = restConfig("postgres");
    config.put("database.hostname", db.getHost());
    config.put("database.port", Integer.toString(db.getPort() < 0 ? 5432 : db.getPort()));
    config.put("database.dbname", db.getPath().substring(1));
    config.put("database.user", "postgres");
    config.put("database.password", "");
    InfraChecks.Validation v = InfraChecks.debeziumValidation("postgres", config);
    assertThat(v.problems()).isEmpty();
    assertThat(v.unreachable()).isEmpty();
  }

  @Test
  void mariadbConnectorPassesDebeziumValidationAgainstARealMariadb() {
    URI db = uri("ragstream.it.mariadbUrl", "jdbc:mariadb://127.0.0.1:3306/test");
    Map<String, String> config = restConfig("mariadb");
    config.put("database.hostname", db.getHost());
    config.put("database.port", Integer.toString(db.getPort() < 0 ? 3306 : db.getPort()));
    config.put("database.user", "root");
    config.put("database.password", "");
    InfraChecks.Validation v = InfraChecks.debeziumValidation("mariadb", config);
    assertThat(v.problems()).isEmpty();
    assertThat(v.unreachable()).isEmpty();
  }

  @Test
  void aDatabaseThatDoesNotExistFailsTheConnectionStep() {
    URI db = uri("ragstream.it.jdbcUrl", "jdbc:postgresql://127.0.0.1:5432/postgres");
    Map<String, String> config = restConfig("postgres");
    config.put("database.hostname", db.getHost());
    config.put("database.port", Integer.toString(db.getPort() < 0 ? 5432 : db.getPort()));
    config.put("database.dbname", "no_such_database_ragstream");
    config.put("database.user", "postgres");
    config.put("database.password", "");
    InfraChecks.Validation v = InfraChecks.debeziumValidation("postgres", config);
    assertThat(v.problems()).as("a database that does not exist").isNotEmpty();
  }
}
