package io.ragstream.cli.local;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@link AbstractLocalPlatformIT} on the MariaDB server of this machine ({@code
 * -Dragstream.it.mariadbUrl}, default {@code jdbc:mariadb://127.0.0.1:3306/test}, root without
 * password; binlog on in ROW format with FULL row images, as {@code .ci/run} configures): MariaDB →
 * Debezium's MariaDB connector → Kafka → normalizer → Flink → Lucene → search.
 */
class MariaDbLocalPlatformIT extends AbstractLocalPlatformIT {
  private static final String JDBC =
      System.getProperty("ragstream.it.mariadbUrl", "jdbc:mariadb://127.0.0.1:3306/test");

  @Override
  protected Connection connect() throws Exception {
    return DriverManager.getConnection(JDBC, "root", "");
  }

  @Override
  protected String schema() {
    return JDBC.substring(JDBC.lastIndexOf('/') + 1);
  }

  @Override
  protected String idPrefix() {
    return "mariadb:";
  }

  @Override
  protected String createTableSql(String qualifiedTable) {
    return "create table "
        + qualifiedTable
        + " (id varchar(255) primary key, title text, body longtext, tenant varchar(255), acl"
        + " json, updated_at timestamp(6) null default null)";
  }

  @Override
  protected String upsertSql(String qualifiedTable) {
    return "insert into "
        + qualifiedTable
        + " (id, title, body, tenant, acl, updated_at) values (?, ?, ?, 'public', '[\"public\"]',"
        + " now(6)) on duplicate key update title = values(title), body = values(body),"
        + " updated_at = now(6)";
  }

  @Override
  protected Map<String, String> sourceFlags() {
    return Map.of(
        "source.kind",
        "mariadb",
        "source.jdbc-url",
        JDBC,
        "source.server-id",
        Long.toString(1_000 + ThreadLocalRandom.current().nextLong(1L << 30)));
  }

  @Override
  protected void dropSourceState(Statement s) throws Exception {
    s.execute("drop table if exists " + qualified());
  }
}
