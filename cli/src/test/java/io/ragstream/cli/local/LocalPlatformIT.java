package io.ragstream.cli.local;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;

/** {@link AbstractLocalPlatformIT} on the PostgreSQL server of this machine (pgoutput). */
class LocalPlatformIT extends AbstractLocalPlatformIT {
  private static final String JDBC =
      System.getProperty("ragstream.it.jdbcUrl", "jdbc:postgresql://127.0.0.1:5432/postgres");

  private final String slot = "ragstream_it_" + suffix;
  private final String publication = "ragstream_it_pub_" + suffix;

  @Override
  protected Connection connect() throws Exception {
    return DriverManager.getConnection(JDBC, "postgres", "");
  }

  @Override
  protected String schema() {
    return "public";
  }

  @Override
  protected String idPrefix() {
    return "pg:";
  }

  @Override
  protected String createTableSql(String qualifiedTable) {
    return "create table "
        + qualifiedTable
        + " (id text primary key, title text, body text, tenant text, acl text[], updated_at"
        + " timestamptz)";
  }

  @Override
  protected String upsertSql(String qualifiedTable) {
    return "insert into "
        + qualifiedTable
        + " (id, title, body, tenant, acl, updated_at) values (?, ?, ?, 'public', '{public}',"
        + " now()) on conflict (id) do update set title = excluded.title, body = excluded.body,"
        + " updated_at = now()";
  }

  @Override
  protected Map<String, String> sourceFlags() {
    return Map.of("source.jdbc-url", JDBC, "source.slot", slot, "source.publication", publication);
  }

  @Override
  protected void dropSourceState(Statement s) throws Exception {
    s.execute(
        "select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '"
            + slot
            + "' and not active");
    s.execute("drop publication if exists " + publication);
    s.execute("drop table if exists " + qualified());
  }
}
