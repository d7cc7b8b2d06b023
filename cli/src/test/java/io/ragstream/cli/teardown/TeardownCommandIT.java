package io.ragstream.cli.teardown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ragstream.cli.RagstreamMain;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.ingest.cdc.CdcRecord;
import io.ragstream.ingest.cdc.CdcRecordSink;
import io.ragstream.ingest.cdc.PostgresCdcSource;
import io.ragstream.ingest.cdc.PostgresTeardown;
import io.ragstream.ingest.config.PostgresSourceConfig;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ragstream teardown} against the PostgreSQL server on the machine, after a real CDC source
 * created the slot, publication, heartbeat table and offsets of a configuration file.
 */
class TeardownCommandIT {
  private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/postgres";
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  @TempDir Path dir;
  private String suffix;
  private Path configFile;
  private LocalConfig config;

  @BeforeEach
  void configAndTable() throws Exception {
    suffix = String.format("%010x", ThreadLocalRandom.current().nextLong(1L << 40));
    sql(
        "CREATE TABLE public.td_it_"
            + suffix
            + " (id text PRIMARY KEY, title text, body text, tenant text, acl text[],"
            + " updated_at timestamptz)");
    configFile = dir.resolve("ragstream.yaml");
    Files.writeString(
        configFile,
        String.join(
            "\n",
            "data-dir: " + dir.resolve("data"),
            "source:",
            "  jdbc-url: " + JDBC,
            "  table: public.td_it_" + suffix,
            "  slot: ragstream_it_td_" + suffix,
            "  publication: ragstream_it_td_pub_" + suffix,
            "  topic-prefix: td" + suffix,
            "  heartbeat:",
            "    interval: 200ms",
            "    table: public.ragstream_it_td_hb_" + suffix,
            ""));
    config = LocalConfig.from(Settings.load(configFile, Map.of(), Map.of(), LocalConfig.KEYS));
  }

  @AfterEach
  void dropEverything() throws Exception {
    new PostgresTeardown((PostgresSourceConfig) config.source(), config.cdc().heartbeat()).run();
    sql("DROP TABLE IF EXISTS public.td_it_" + suffix);
    sql("DROP TABLE IF EXISTS public.ragstream_it_td_hb_" + suffix);
  }

  @Test
  void refusesWhileTheSlotIsActiveAndAsksBeforeDroppingThenDropsEverythingOnce() throws Exception {
    PostgresCdcSource source =
        new PostgresCdcSource(
            (PostgresSourceConfig) config.source(), new NoSink(), config.cdc().heartbeat());
    try {
      source.start();
      source.snapshotCompleted().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      await().atMost(TIMEOUT).until(() -> slotActive() == Boolean.TRUE);

      Run active = run("", "teardown", "--config", configFile.toString(), "--yes");

      assertThat(active.code()).isEqualTo(1);
      assertThat(active.err()).contains("is active").contains("nothing was removed");
      assertThat(slotActive()).isTrue();
    } finally {
      source.close();
    }
    await().atMost(TIMEOUT).until(() -> slotActive() == Boolean.FALSE);
    assertThat(((PostgresSourceConfig) config.source()).offsetsFile()).exists();

    Run declined = run("no\n", "teardown", "--config", configFile.toString());

    assertThat(declined.code()).isEqualTo(1);
    assertThat(declined.out())
        .contains("replication slot  ragstream_it_td_" + suffix)
        .contains("-> drop")
        .contains("Type 'yes'");
    assertThat(declined.err()).contains("not confirmed; nothing was removed");
    assertThat(slotActive()).isFalse();

    Run confirmed = run("yes\n", "teardown", "--config", configFile.toString());

    assertThat(confirmed.code()).as(confirmed.err()).isZero();
    assertThat(confirmed.out())
        .contains("slot dropped")
        .contains("publication dropped")
        .contains("heartbeat table dropped")
        .contains("offsets deleted");
    assertThat(slotActive()).isNull();
    assertThat(count("pg_publication WHERE pubname = 'ragstream_it_td_pub_" + suffix + "'"))
        .isZero();
    assertThat(count("pg_class WHERE relname = 'ragstream_it_td_hb_" + suffix + "'")).isZero();
    assertThat(((PostgresSourceConfig) config.source()).offsetsFile()).doesNotExist();

    Run again = run("", "teardown", "--config", configFile.toString(), "--yes");

    assertThat(again.code()).isZero();
    assertThat(again.out()).contains("nothing to remove");
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = RagstreamMain.commandLine();
    TeardownCommand command = cl.getSubcommands().get("teardown").getCommand();
    command.in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private Boolean slotActive() throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT active FROM pg_replication_slots WHERE slot_name = 'ragstream_it_td_"
                    + suffix
                    + "'")) {
      return rs.next() ? rs.getBoolean(1) : null;
    }
  }

  private static long count(String fromWhere) throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM " + fromWhere)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void sql(String statement) throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(JDBC, "postgres", "");
  }

  private static final class NoSink implements CdcRecordSink {
    @Override
    public void write(List<CdcRecord> batch) {}

    @Override
    public void close() {}
  }
}
