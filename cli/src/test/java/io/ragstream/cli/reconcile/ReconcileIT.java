package io.ragstream.cli.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.cli.RagstreamMain;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.cli.local.LocalPlatform;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.PointId;
import io.ragstream.core.store.ContentHash;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.IndexedDocument;
import io.ragstream.core.store.Point;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import io.ragstream.embedding.Embedders;
import io.ragstream.embedding.TokenChunker;
import io.ragstream.store.lucene.LuceneVectorStore;
import io.ragstream.store.lucene.internal.PointSchema;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, acceptance 4: {@code reconcile --repair} fixes an index that was damaged on purpose.
 *
 * <p>Real PostgreSQL → Debezium → Kafka → normalizer → Flink → Lucene ({@link LocalPlatform}). The
 * index is damaged while the platform is stopped — points deleted and state records removed with a
 * raw Lucene {@link IndexWriter}, a stale version, a wrong ACL and a document without a row written
 * directly through the store — and the platform is started again. {@code ./ragstream reconcile}
 * must then report exactly those differences, and {@code --repair} must make the index equal the
 * source through the running pipeline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReconcileIT {
  private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/postgres";
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir static Path dataDir;

  private final String suffix = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
  private final String table = "ragstream_it_rec_" + suffix;
  private final String slot = "ragstream_it_rec_" + suffix;
  private final String publication = "ragstream_it_recpub_" + suffix;
  private LocalConfig config;
  private Path configFile;
  private LocalPlatform platform;
  private Connection db;

  @BeforeAll
  void start() throws Exception {
    db = DriverManager.getConnection(JDBC, "postgres", "");
    exec(
        "create table public."
            + table
            + " (id bigint primary key, title text, body text, tenant text, acl text[],"
            + " updated_at timestamptz)");
    for (int i = 1; i <= 8; i++) {
      insert(i, "Title " + i, body(i), i % 2 == 0 ? "acme" : "globex", "{team" + i + ",all}");
    }
    insert(9, "Empty body", null, "acme", "{all}"); // a live document without points
    Map<String, String> flags = new HashMap<>();
    flags.put("data-dir", dataDir.toString());
    flags.put("source.jdbc-url", JDBC);
    flags.put("source.table", "public." + table);
    flags.put("source.slot", slot);
    flags.put("source.publication", publication);
    flags.put("source.topic-prefix", "rec" + suffix);
    flags.put("gateway.port", "0");
    flags.put("indexing.checkpoint-interval", "1s");
    configFile = dataDir.resolve("ragstream.yaml");
    StringBuilder yaml = new StringBuilder();
    flags.forEach((k, v) -> yaml.append(k).append(": \"").append(v).append("\"\n"));
    Files.writeString(configFile, yaml);
    config = LocalConfig.from(Settings.load(configFile, Map.of(), Map.of(), LocalConfig.KEYS));
    platform = LocalPlatform.start(config);
  }

  @AfterAll
  void stop() throws Exception {
    if (platform != null) {
      platform.close();
    }
    exec(
        "select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '"
            + slot
            + "' and not active");
    exec("drop publication if exists " + publication);
    exec("drop table if exists public." + table);
    db.close();
  }

  @Test
  void repairFixesAnIndexDamagedOnPurpose() throws Exception {
    awaitIndexed(9);
    Run clean = reconcile("--settle", "PT2S", "--json");
    assertThat(clean.exit).as(clean.out).isZero();
    assertThat(clean.differences()).isEmpty();
    assertThat(clean.summary().path("rowsChecked").asLong()).isEqualTo(9);

    Map<String, Long> versions = new HashMap<>();
    for (int i = 1; i <= 9; i++) {
      versions.put(id(i), platform.store().version(id(i)));
    }
    platform.close();
    platform = null;
    damage(versions);
    platform = LocalPlatform.start(config);
    await().atMost(WAIT).until(platform::ready);

    Run found = reconcile("--settle", "PT3S", "--json", "--limit", "100");
    assertThat(found.exit).as(found.out).isEqualTo(1);
    assertThat(found.differences())
        .as(found.out)
        .containsExactlyInAnyOrder(
            "ORPHAN_CHUNKS " + id(1), // points deleted, state kept
            "MISSING " + id(2), // state and points deleted
            "MISSING " + id(3), // state deleted, points kept ...
            "ORPHAN_CHUNKS " + id(3), // ... as orphans
            "STALE " + id(4), // an older text written with a newer version
            "WRONG_ACL " + id(5), // ACL widened directly in the store
            "DELETED_IN_SOURCE " + id(999)); // a document without a row

    Run repaired = reconcile("--repair", "--settle", "PT2S", "--verify-timeout", "PT90S", "--json");
    assertThat(repaired.exit).as(repaired.out).isZero();
    assertThat(repaired.out).contains("verified: the index equals the source");

    // What the gateway's store serves now is the source's content.
    assertThat(bm25Ids("obsolete")).isEmpty();
    assertThat(bm25Ids(word(4))).contains(id(4));
    assertThat(platform.store().document(id(999)).orElseThrow().status())
        .isEqualTo(IndexedDocument.Status.TOMBSTONE);
    assertThat(platform.store().document(id(5)).orElseThrow().points().get(0).attributes().acl())
        .containsExactlyInAnyOrder("team5", "all");
    for (int i = 1; i <= 3; i++) {
      IndexedDocument d = platform.store().document(id(i)).orElseThrow();
      assertThat(d.status()).isEqualTo(IndexedDocument.Status.LIVE);
      assertThat(d.points()).hasSize(d.chunkCount()).isNotEmpty();
    }
    Run after = reconcile("--settle", "PT1S", "--json");
    assertThat(after.exit).as(after.out).isZero();
  }

  @Test
  void repairWithoutARunningPlatformIsRefusedWithTheReason() throws Exception {
    Path other = dataDir.resolve("not-running");
    Files.createDirectories(other);
    Run run = reconcile("--repair", "--data-dir", other.toString());
    assertThat(run.exit).isEqualTo(2);
    assertThat(run.err).contains("ragstream local is not running");
  }

  /** Damages the stopped platform's index in six ways. */
  private void damage(Map<String, Long> versions) throws Exception {
    Path index = dataDir.resolve("index");
    try (IndexWriter raw =
        new IndexWriter(FSDirectory.open(index), new IndexWriterConfig(new StandardAnalyzer()))) {
      raw.deleteDocuments(PointSchema.chunksOf(id(1)));
      raw.deleteDocuments(new org.apache.lucene.search.TermQuery(PointSchema.documentTerm(id(2))));
      raw.deleteDocuments(PointSchema.stateOf(id(3)));
      raw.commit();
    }
    String chunker =
        new TokenChunker(config.chunkMaxTokens(), config.chunkOverlapTokens()).settingsId();
    String embedder;
    try (var e = Embedders.create(config.embedder(), 1)) {
      embedder = e.id();
    }
    try (LuceneVectorStore store = LuceneVectorStore.open(index, config.storeOptions())) {
      float[] vector = new float[384];
      vector[0] = 1f;
      String stale = "An obsolete text of this row.";
      store.apply(
          new DocumentUpdate.Upsert(
              id(4),
              versions.get(id(4)) + 1,
              1L,
              new DocumentAttributes("Title 4", "acme", List.of("team4", "all"), Map.of()),
              ContentHash.of(chunker, embedder, "Title 4", stale),
              List.of(
                  new Point(
                      PointId.of(id(4), 0), 0, 1, stale, 0, stale.length(), vector, embedder))));
      store.apply(
          new DocumentUpdate.UpdateAttributes(
              id(5),
              versions.get(id(5)) + 1,
              1L,
              new DocumentAttributes(
                  "Title 5", "globex", List.of("team5", "all", "everyone"), Map.of())));
      String ghost = "A document whose row never existed.";
      store.apply(
          new DocumentUpdate.Upsert(
              id(999),
              versions.get(id(9)) + 1,
              1L,
              new DocumentAttributes("Ghost", "acme", List.of("all"), Map.of()),
              ContentHash.of(chunker, embedder, "Ghost", ghost),
              List.of(
                  new Point(
                      PointId.of(id(999), 0), 0, 1, ghost, 0, ghost.length(), vector, embedder))));
      store.flush();
    }
  }

  private void awaitIndexed(int n) {
    await()
        .atMost(WAIT)
        .until(
            () ->
                platform.store().documents(null, 100).stream()
                        .filter(d -> d.status() == IndexedDocument.Status.LIVE)
                        .count()
                    == n);
  }

  private List<String> bm25Ids(String text) {
    return platform
        .store()
        .search(new SearchRequest(text, null, 10, SearchMode.BM25, SearchFilter.NONE, false))
        .stream()
        .map(h -> h.documentId())
        .toList();
  }

  /** Runs {@code ./ragstream reconcile --config <file> args} in this JVM. */
  private Run reconcile(String... args) {
    List<String> argv = new ArrayList<>(List.of("reconcile", "--config", configFile.toString()));
    argv.addAll(List.of(args));
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      exit = RagstreamMain.commandLine().execute(argv.toArray(String[]::new));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    Run run = new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    out.println(run.out);
    err.println(run.err);
    return run;
  }

  private record Run(int exit, String out, String err) {
    Set<String> differences() throws Exception {
      Set<String> d = new TreeSet<>();
      for (String line : out.split("\n")) {
        if (line.startsWith("{\"kind\"")) {
          JsonNode n = Json.mapper().readTree(line);
          d.add(n.get("kind").asText() + " " + n.get("documentId").asText());
        }
      }
      return d;
    }

    JsonNode summary() throws Exception {
      JsonNode last = null;
      for (String line : out.split("\n")) {
        if (line.startsWith("{\"summary\"")) {
          last = Json.mapper().readTree(line).get("summary");
        }
      }
      return last;
    }
  }

  private String id(int i) {
    return "pg:public." + table + ":" + i;
  }

  private static String word(int i) {
    return "zylophon" + (char) ('a' + i);
  }

  /** Two or more chunks of text with a word unique to row {@code i}. */
  private static String body(int i) {
    StringBuilder b = new StringBuilder();
    for (int s = 0; s < 60; s++) {
      b.append("Sentence ")
          .append(s)
          .append(" of row ")
          .append(i)
          .append(" mentions ")
          .append(word(i))
          .append(" and the tides of the northern ocean basins. ");
    }
    return b.toString();
  }

  private void insert(int id, String title, String body, String tenant, String acl)
      throws Exception {
    try (PreparedStatement s =
        db.prepareStatement(
            "insert into public."
                + table
                + " (id, title, body, tenant, acl, updated_at) values (?, ?, ?, ?, ?::text[], now())")) {
      s.setLong(1, id);
      s.setString(2, title);
      s.setString(3, body);
      s.setString(4, tenant);
      s.setString(5, acl);
      s.executeUpdate();
    }
  }

  private void exec(String sql) throws Exception {
    try (Statement s = db.createStatement()) {
      s.execute(sql);
    }
  }
}
