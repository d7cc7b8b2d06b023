package io.ragstream.cli.beir;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Runs {@code load beir} against the PostgreSQL server on the machine, in a table of its own. */
class LoadBeirCommandIT {
  private static final String JDBC_URL =
      System.getProperty("ragstream.it.jdbcUrl", "jdbc:postgresql://127.0.0.1:5432/postgres");

  @TempDir Path dir;

  private final String table =
      "beir_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private Connection db;

  @BeforeEach
  void connect() throws SQLException, IOException {
    db = DriverManager.getConnection(JDBC_URL, "postgres", "");
    Files.writeString(dir.resolve("queries.jsonl"), "");
    writeCorpus("body one", "body two", "body three");
  }

  @AfterEach
  void dropTable() throws SQLException {
    try (Statement s = db.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public." + table);
    }
    db.close();
  }

  @Test
  void createsTableUpsertsCorpusAndReloadsUnchangedRowsWithoutWriting() throws Exception {
    assertThat(load()).as(err.toString()).isZero();
    assertThat(err.toString()).contains("created table public." + table);
    assertThat(out.toString())
        .contains("upserted 3 rows")
        .contains("3 new or changed, 0 unchanged");
    assertThat(columnTypes())
        .containsEntry("id", "text")
        .containsEntry("title", "text")
        .containsEntry("body", "text")
        .containsEntry("tenant", "text")
        .containsEntry("acl", "ARRAY")
        .containsEntry("updated_at", "timestamp with time zone");
    assertThat(rows())
        .containsExactly(
            "d1|Title 1|body one|public|{public}",
            "d2||body two|public|{public}",
            "d3|Title 3|body three|public|{public}");
    Map<String, String> xminBefore = xmins();

    clear();
    assertThat(load()).as(err.toString()).isZero();

    assertThat(out.toString())
        .contains("upserted 3 rows")
        .contains("0 new or changed, 3 unchanged");
    assertThat(err.toString()).doesNotContain("created table");
    assertThat(xmins()).as("no row rewritten, so no CDC event").isEqualTo(xminBefore);

    clear();
    writeCorpus("body one", "body two CHANGED", "body three");
    assertThat(load()).isZero();

    assertThat(out.toString()).contains("1 new or changed, 2 unchanged");
    Map<String, String> xminAfter = xmins();
    assertThat(xminAfter.get("d1")).isEqualTo(xminBefore.get("d1"));
    assertThat(xminAfter.get("d2")).isNotEqualTo(xminBefore.get("d2"));
    assertThat(xminAfter.get("d3")).isEqualTo(xminBefore.get("d3"));
    assertThat(rows()).contains("d2||body two CHANGED|public|{public}");
  }

  @Test
  void honoursLimitBatchSizeTenantAndAcl() throws Exception {
    int exit =
        load("--limit", "2", "--batch-size", "1", "--tenant", "acme", "--acl", "staff, admins");

    assertThat(exit).as(err.toString()).isZero();
    assertThat(rows())
        .containsExactly(
            "d1|Title 1|body one|acme|{staff,admins}", "d2||body two|acme|{staff,admins}");

    clear();
    assertThat(load("--tenant", "other")).isZero();
    assertThat(out.toString())
        .as("a tenant change rewrites the rows")
        .contains("3 new or changed, 0 unchanged");
  }

  @Test
  void rejectsUnsafeTableNamesAndTablesWithTheWrongShape() throws Exception {
    assertThat(load("--table", "public.x; DROP TABLE y")).isEqualTo(2);
    assertThat(err.toString()).contains("table must be schema.table");

    try (Statement s = db.createStatement()) {
      s.execute("CREATE TABLE public." + table + " (id text PRIMARY KEY, content text)");
    }
    clear();
    assertThat(load()).isEqualTo(1);
    assertThat(err.toString())
        .contains("lacks the column(s) [acl, body, tenant, title, updated_at]");
  }

  @Test
  void reportsAMalformedCorpusLineWithFileAndLine() throws Exception {
    Files.writeString(dir.resolve("corpus.jsonl"), "{\"_id\": \"d1\", \"text\": \"a\"}\n{oops\n");

    assertThat(load()).isEqualTo(1);
    assertThat(err.toString()).contains("corpus.jsonl:2: malformed JSON");
  }

  private int load(String... options) {
    CommandLine cli = new CommandLine(new LoadBeirCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> args =
        new ArrayList<>(
            List.of(
                dir.toString(), "--jdbc-url", JDBC_URL, "--user", "postgres", "--password", ""));
    if (!List.of(options).contains("--table")) args.addAll(List.of("--table", "public." + table));
    args.addAll(List.of(options));
    return cli.execute(args.toArray(String[]::new));
  }

  private void clear() {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
  }

  private void writeCorpus(String... bodies) throws IOException {
    StringBuilder corpus = new StringBuilder();
    for (int i = 0; i < bodies.length; i++) {
      String title = i == 1 ? "" : ", \"title\": \"Title " + (i + 1) + "\"";
      corpus
          .append("{\"_id\": \"d")
          .append(i + 1)
          .append('"')
          .append(title)
          .append(", \"text\": \"")
          .append(bodies[i])
          .append("\", \"metadata\": {}}\n");
    }
    Files.writeString(dir.resolve("corpus.jsonl"), corpus);
  }

  private List<String> rows() throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT id, title, body, tenant, acl::text, updated_at FROM public."
                    + table
                    + " ORDER BY id")) {
      while (rs.next()) {
        assertThat(rs.getTimestamp("updated_at")).isNotNull();
        rows.add(
            String.join(
                "|",
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5)));
      }
    }
    return rows;
  }

  private Map<String, String> xmins() throws SQLException {
    Map<String, String> xmins = new LinkedHashMap<>();
    try (Statement s = db.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT id, xmin::text FROM public." + table + " ORDER BY id")) {
      while (rs.next()) xmins.put(rs.getString(1), rs.getString(2));
    }
    return xmins;
  }

  private Map<String, String> columnTypes() throws SQLException {
    Map<String, String> types = new LinkedHashMap<>();
    try (Statement s = db.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT column_name, data_type FROM information_schema.columns"
                    + " WHERE table_schema = 'public' AND table_name = '"
                    + table
                    + "'")) {
      while (rs.next()) types.put(rs.getString(1), rs.getString(2));
    }
    return types;
  }
}
