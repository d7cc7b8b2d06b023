package io.ragstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.cli.reindex.AdminToken;
import io.ragstream.cli.reindex.IndexAdminClient;
import io.ragstream.cli.reindex.IndexGenerations;
import io.ragstream.cli.reindex.ReindexCommand;
import io.ragstream.core.json.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Issue 5's acceptance: {@code ragstream reindex} switches models with no window in which search
 * returns nothing, under concurrent queries. The whole platform on real parts (PostgreSQL on this
 * machine, Debezium, the in-JVM broker, Flink's MiniCluster, the ONNX models, Lucene, the gateway)
 * starts on embedder A; query threads hammer {@code POST /v1/search} (dense, so a query vector from
 * the wrong model would not find the relevant document) while the {@code reindex} command builds
 * generation 2 with embedder B, switches, rolls back and retires.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReindexIT {
  private static final Logger LOG = LoggerFactory.getLogger(ReindexIT.class);
  private static final String A = "all-minilm-l6-v2-q";
  private static final String B = "e5-small-v2-q";
  private static final Duration WAIT = Duration.ofSeconds(180);

  /** id, title, body: one clear topic each. */
  private static final String[][] CORPUS = {
    {"volcano", "Volcanoes", "Basaltic lava flows from shield volcanoes such as Mauna Loa."},
    {"photo", "Photosynthesis", "Chloroplasts convert sunlight into chemical energy in leaves."},
    {"tide", "Tides", "The gravitational pull of the moon raises ocean tides twice a day."},
    {"jazz", "Jazz", "Bebop jazz musicians improvised fast solos over complex chord changes."},
    {"bread", "Sourdough", "Sourdough bread rises with wild yeast and lactic acid bacteria."},
    {"chess", "Chess openings", "The Sicilian Defence answers the king pawn opening in chess."},
    {"bees", "Honeybees", "Honeybees dance to tell the hive where flowers with nectar are."},
    {"rust", "Corrosion", "Iron rusts when it reacts with oxygen and water to form oxide."},
    {"glacier", "Glaciers", "Glaciers carve U-shaped valleys as ice flows slowly downhill."},
    {"vaccine", "Vaccines", "Vaccines train the immune system to recognise a virus."},
    {"orbit", "Satellites", "Geostationary satellites orbit the earth once every day."},
    {"coffee", "Coffee", "Espresso is brewed by forcing hot water through ground coffee."},
    {"tennis", "Tennis", "A tennis player serves the ball diagonally into the service box."},
    {"pyramid", "Pyramids", "The pyramids of Giza were built as tombs for Egyptian pharaohs."},
    {"dna", "DNA", "The double helix of DNA stores genetic information in base pairs."},
    {"wind", "Wind power", "Wind turbines turn the kinetic energy of moving air into power."},
    {"penguin", "Penguins", "Emperor penguins huddle together to survive the Antarctic winter."},
    {"piano", "Piano", "A piano makes sound when felt hammers strike tuned steel strings."},
    {"sleep", "Sleep", "Deep sleep helps the brain consolidate memories every night."},
    {"bridge", "Bridges", "Suspension bridges hang the deck from cables between tall towers."},
  };

  /** query, relevant id. */
  private static final String[][] QUERIES = {
    {"how do plants turn sunlight into energy", "photo"},
    {"lava from a volcano", "volcano"},
    {"why does the sea have tides", "tide"},
    {"baking bread with wild yeast", "bread"},
    {"how do bees communicate", "bees"},
    {"how do suspension bridges hold the road", "bridge"},
  };

  private final PlatformFixture fixture = new PlatformFixture("reindex");
  private final String table = "ragstream_it_reindex" + fixture.suffix;
  private final SearchProbe probe = new SearchProbe(() -> this.platform.gatewayUrl(), this::id);
  private Path dataDir;
  private LocalPlatform platform;
  private Connection db;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    dataDir = dir;
    db = PlatformFixture.connect();
    try (Statement s = db.createStatement()) {
      s.execute(
          "create table public."
              + table
              + " (id text primary key, title text, body text, tenant text, acl text[],"
              + " updated_at timestamptz)");
    }
    for (String[] d : CORPUS) upsert(d[0], d[1], d[2]);
    Map<String, String> flags = fixture.settings(dataDir);
    flags.put("source.table", "public." + table);
    flags.put("indexing.embedder", A);
    // The anonymous caller's default of 10 searches/s would answer 429 to the query threads.
    flags.put("gateway.rate-limit.per-second", "10000");
    flags.put("gateway.rate-limit.burst", "10000");
    platform =
        LocalPlatform.start(
            LocalConfig.from(Settings.load(null, Map.of(), flags, LocalConfig.KEYS)));
  }

  @AfterAll
  void stop() throws Exception {
    if (platform != null) platform.close();
    fixture.dropAll("public." + table);
    if (db != null) db.close();
  }

  private void upsert(String id, String title, String body) throws Exception {
    try (PreparedStatement ps =
        db.prepareStatement(
            "insert into public."
                + table
                + " (id, title, body, tenant, acl, updated_at) values (?, ?, ?, 'public',"
                + " '{public}', now()) on conflict (id) do update set title = excluded.title,"
                + " body = excluded.body, updated_at = now()")) {
      ps.setString(1, id);
      ps.setString(2, title);
      ps.setString(3, body);
      ps.executeUpdate();
    }
  }

  private String id(String key) {
    return "pg:public." + table + ":" + key;
  }

  private int reindexCommand(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cmd = new CommandLine(new ReindexCommand());
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(out, true));
    List<String> all = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
    all.addAll(List.of(args));
    int code = cmd.execute(all.toArray(String[]::new));
    LOG.info("ragstream reindex {} -> {}\n{}", String.join(" ", args), code, out);
    return code;
  }

  @Test
  void switchesModelsUnderConcurrentQueriesWithoutEmptyResultsAndRollsBack() throws Exception {
    // Generation 1 (A) has every document.
    await()
        .atMost(WAIT)
        .until(() -> platform.ready() && QUERIES.length == probe.countRelevant(QUERIES));
    IndexAdminClient admin = new IndexAdminClient(platform.gatewayUrl(), AdminToken.read(dataDir));
    assertThat(admin.status().path("serving").path("embedder").asText()).isEqualTo(A);
    IndexAdminClient intruder = new IndexAdminClient(platform.gatewayUrl(), "not-the-admin-token");
    assertThatThrownBy(() -> intruder.reindex(B))
        .isInstanceOfSatisfying(
            IndexAdminClient.AdminException.class, e -> assertThat(e.status()).isEqualTo(401));
    assertThat(admin.status().path("building").path("number").isMissingNode()).isTrue();

    SearchProbe.Load load = probe.load(2, QUERIES);
    try {
      await().atMost(WAIT).until(() -> load.size() >= 20);

      // Reindex to B through the command, as an operator would; the platform keeps serving A.
      long reindexStart = System.nanoTime();
      assertThat(reindexCommand("--embedder", B, "--no-wait")).isZero();
      // A change committed during the build: the new index must have it after the switch.
      upsert(
          "late", "Lighthouses", "A lighthouse keeper tends the lamp that guides ships at night.");
      boolean committedWhileBuilding = admin.status().path("building").path("number").asInt() == 2;
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> admin.status().path("serving").path("number").asInt() == 2);
      long switched = System.nanoTime();
      assertThat(reindexCommand("--embedder", A))
          .as("a reindex to the serving embedder... is refused while a standby exists")
          .isEqualTo(1);

      await()
          .atMost(WAIT)
          .until(
              () -> {
                SearchProbe.Observed o =
                    probe.search("who guides ships at night with a lamp", "late");
                return o.generation() == 2 && o.relevantInTop3();
              });
      long afterSwitchStart = load.size();
      await().atMost(WAIT).until(() -> load.size() >= afterSwitchStart + 30);

      long rollbackStart = System.nanoTime();
      assertThat(reindexCommand("--rollback")).isZero();
      long rolledBack = System.nanoTime();
      // Generation 1 kept indexing while on standby: it has the late change too.
      SearchProbe.Observed late = probe.search("who guides ships at night with a lamp", "late");
      assertThat(late.generation()).isEqualTo(1);
      assertThat(late.relevantInTop3()).isTrue();
      long afterRollback = load.size();
      await().atMost(WAIT).until(() -> load.size() >= afterRollback + 30);

      load.stop();

      List<SearchProbe.Observed> all = load.stop();
      long failed = all.stream().filter(o -> o.status() != 200).count();
      long empty = all.stream().filter(o -> o.status() == 200 && o.hits() == 0).count();
      long irrelevant = all.stream().filter(o -> o.status() == 200 && !o.relevantInTop3()).count();
      long duringBuild =
          all.stream()
              .filter(o -> o.doneNanos() >= reindexStart && o.sentNanos() <= switched)
              .count();
      long fromB = all.stream().filter(o -> o.generation() == 2).count();
      long fromA = all.stream().filter(o -> o.generation() == 1).count();
      LOG.info(
          "reindex IT: {} searches, {} from generation 1 ({}), {} from generation 2 ({}); {}"
              + " during the build and switch ({} s), {} failed, {} empty, {} without the relevant"
              + " document in the top 3; late change committed while building: {}; rollback took"
              + " {} ms",
          all.size(),
          fromA,
          A,
          fromB,
          B,
          duringBuild,
          (switched - reindexStart) / 1e9,
          failed,
          empty,
          irrelevant,
          committedWhileBuilding,
          (rolledBack - rollbackStart) / 1_000_000);
      // The query vector always comes from the model that built the searched index.
      SearchProbe.assertEverySearchConsistent(all, Map.of(1, A, 2, B));
      assertThat(duringBuild).isPositive();
      assertThat(fromB).isPositive();
      // Phases: searches sent after the switch completed come from B, after the rollback from A.
      assertThat(
              all.stream()
                  .filter(o -> o.sentNanos() > switched && o.doneNanos() < rollbackStart)
                  .allMatch(o -> o.generation() == 2))
          .isTrue();
      assertThat(
              all.stream()
                  .filter(o -> o.sentNanos() > rolledBack)
                  .allMatch(o -> o.generation() == 1))
          .isTrue();
      assertThat(all.stream().filter(o -> o.sentNanos() > rolledBack).count()).isPositive();
      assertThat(committedWhileBuilding)
          .as("the late change was committed during the build")
          .isTrue();
    } finally {
      load.stop();
    }

    // Retire the standby (generation 2): its job stops and its files go; generation 1 serves on.
    assertThat(Files.isDirectory(dataDir.resolve("index-v2"))).isTrue();
    assertThat(reindexCommand("--retire")).isZero();
    assertThat(Files.exists(dataDir.resolve("index-v2"))).isFalse();
    assertThat(reindexCommand("--rollback")).as("nothing left to roll back to").isEqualTo(1);
    SearchProbe.Observed after = probe.search(QUERIES[0][0], QUERIES[0][1]);
    assertThat(after.generation()).isEqualTo(1);
    assertThat(after.relevantInTop3()).isTrue();
    JsonNode persisted =
        Json.mapper().readTree(dataDir.resolve(IndexGenerations.FILE_NAME).toFile());
    assertThat(persisted.path("generations").get(1).path("state").asText()).isEqualTo("RETIRED");
  }
}
