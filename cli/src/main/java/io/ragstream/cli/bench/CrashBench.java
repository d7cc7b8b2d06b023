package io.ragstream.cli.bench;

import io.ragstream.cli.RagstreamMain;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.cli.local.LocalRuntime;
import io.ragstream.cli.reconcile.Reconciliation;
import io.ragstream.ingest.reconcile.Difference;
import io.ragstream.ingest.reconcile.ReconcileReport;
import io.ragstream.ingest.reconcile.Reconciler;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ragstream bench crash}: the crash-consistency harness of issue 8.
 *
 * <p>Runs {@code ragstream local} as a child JVM over a fresh PostgreSQL or MariaDB table ({@code
 * --source}), drives a seeded random workload against the table (inserts, body and title updates,
 * ACL and tenant changes, deletes, primary-key changes, large, empty and NULL bodies) and kills the
 * child with SIGKILL ({@link Process#destroyForcibly()}) at random moments — the first one while it
 * is still snapshotting or catching up, about half of the others after it has caught up and streams
 * — restarting it each time; halfway through it restarts PostgreSQL once (and the platform after
 * it). When the workload is done it waits until {@link Reconciliation} reports that the index holds
 * exactly what the table holds, and prints the seed, the counts and the result. Exit code 0 when
 * the index converged to zero differences, 1 otherwise.
 *
 * <p>The same seed gives the same workload and the same kill points (as operation indexes), so a
 * failure can be replayed; the timing of the pipeline itself is not deterministic.
 */
@Command(
    name = "crash",
    mixinStandardHelpOptions = true,
    description =
        "Crash-consistency harness: random workload + SIGKILLs of ragstream local + a PostgreSQL"
            + " restart, then reconcile must report zero differences.")
public final class CrashBench implements Callable<Integer> {

  @Option(names = "--operations", defaultValue = "10000", description = "Workload operations.")
  int operations;

  @Option(names = "--kills", defaultValue = "10", description = "SIGKILLs of the platform.")
  int kills;

  @Option(names = "--seed", description = "Random seed (default: random, printed).")
  Long seed;

  @Option(names = "--rows", defaultValue = "1000", description = "Rows before the first start.")
  int rows;

  @Option(names = "--ids", defaultValue = "3000", description = "Size of the id space.")
  int ids;

  @Option(names = "--rate", defaultValue = "100", description = "Operations per second.")
  int rate;

  @Option(
      names = {"--skip-database-restart", "--skip-postgres-restart"},
      description = "Do not restart PostgreSQL halfway (it is restarted once by default).")
  boolean skipPostgresRestart;

  @Option(
      names = {"--restart-command", "--postgres-restart-command"},
      description =
          "Command that restarts the source database (default: pg_ctlcluster"
              + " --skip-systemctl-redirect <newest cluster> main restart; MariaDB: mariadb-admin"
              + " shutdown, then start-stop-daemon --start ... /usr/sbin/mariadbd).")
  String postgresRestartCommand;

  @Option(
      names = "--source",
      defaultValue = "postgresql",
      description = "Source database kind: postgresql or mariadb (default ${DEFAULT-VALUE}).")
  String sourceKind;

  @Option(
      names = "--jdbc-url",
      description =
          "Source database (default jdbc:postgresql://127.0.0.1:5432/postgres as postgres, or"
              + " jdbc:mariadb://127.0.0.1:3306/test as root).")
  String jdbcUrl;

  @Option(names = "--data-dir", description = "Data directory (default: a new temp directory).")
  Path dataDir;

  @Option(
      names = "--converge-timeout",
      defaultValue = "PT15M",
      description = "How long to wait for zero differences after the workload.")
  Duration convergeTimeout;

  @Option(names = "--child-heap", defaultValue = "3g", description = "-Xmx of the platform JVM.")
  String childHeap;

  @Option(names = "--keep", description = "Keep the table, slot and data directory.")
  boolean keep;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Map<String, Integer> opCounts = new TreeMap<>();
  private final List<String> killLog = new ArrayList<>();
  private Path configFile;
  private LocalConfig config;
  private Process child;
  private int starts;
  private int sigkills;
  private String table;
  private String qualified;
  private boolean mariadb;
  private String dbUser;
  private String slot;
  private String publication;

  @Override
  public Integer call() throws Exception {
    long s = seed != null ? seed : new Random().nextLong();
    Random random = new Random(s);
    String tag = Long.toString(Math.abs(s) % 1_000_000_000L, 36);
    table = "ragstream_crash_" + tag;
    mariadb =
        switch (sourceKind.toLowerCase()) {
          case "postgresql", "postgres" -> false;
          case "mariadb" -> true;
          default ->
              throw new picocli.CommandLine.ParameterException(
                  new picocli.CommandLine(this), "--source must be postgresql or mariadb");
        };
    if (jdbcUrl == null) {
      jdbcUrl =
          mariadb
              ? "jdbc:mariadb://127.0.0.1:3306/test"
              : "jdbc:postgresql://127.0.0.1:5432/postgres";
    }
    dbUser = mariadb ? "root" : "postgres";
    qualified =
        (mariadb ? jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1) : "public") + "." + table;
    slot = "ragstream_it_crash_" + tag;
    publication = "ragstream_crash_pub_" + tag;
    if (dataDir == null) {
      dataDir = Files.createTempDirectory("ragstream-crash-");
    }
    Files.createDirectories(dataDir);
    System.out.printf(
        "crash harness: seed %d, %s, %d operations at %d/s, %d kills, database restart %s,"
            + " table %s, data %s%n",
        s,
        mariadb ? "MariaDB" : "PostgreSQL",
        operations,
        rate,
        kills,
        !skipPostgresRestart,
        qualified,
        dataDir);
    writeConfig();
    TreeSet<Integer> killAt = new TreeSet<>();
    while (killAt.size() < Math.max(0, kills - 1)) {
      killAt.add(1 + random.nextInt(Math.max(1, operations - 1)));
    }
    int pgRestartAt = skipPostgresRestart ? -1 : operations / 2;
    long started = System.nanoTime();
    int failed = 0;
    try (Connection db = connect()) {
      createTable(db, random);
      startChild();
      if (kills > 0) {
        // The first kill while the platform boots, snapshots or catches up.
        Thread.sleep(3_000 + random.nextInt(12_000));
        kill("startup");
        startChild();
      }
      Connection c = db;
      long next = System.nanoTime();
      for (int op = 0; op < operations; op++) {
        if (killAt.contains(op)) {
          if (random.nextBoolean()) {
            // Half the kills hit a platform that has caught up and streams (indexing and
            // checkpointing the workload); the workload pauses while it gets there.
            awaitReady(Duration.ofSeconds(120));
            Thread.sleep(random.nextInt(3_000));
          }
          kill("op " + op);
          startChild();
        }
        if (op == pgRestartAt) {
          restartPostgres();
          kill("after the database restart");
          startChild();
        }
        try {
          if (c.isClosed() || !c.isValid(2)) {
            c = connect();
          }
          operation(c, random);
        } catch (SQLException e) {
          failed++; // e.g. a duplicate key on a primary-key change, or the PostgreSQL restart
        }
        next += 1_000_000_000L / rate;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      if (c != db) {
        c.close();
      }
    }
    long workloadDone = System.nanoTime();
    System.out.printf(
        "workload done in %.0f s: %s, %d failed statements%n",
        (workloadDone - started) / 1e9, opCounts, failed);

    ReconcileReport report = awaitConverged();
    long convergedAt = System.nanoTime();
    stopChild();
    System.out.printf("SIGKILLs: %d; events: %s%n", sigkills, killLog);
    System.out.printf("platform starts: %d%n", starts);
    System.out.printf(
        "reconcile: %d rows, %d index documents, %d differences %s; converged %.0f s after the"
            + " workload%n",
        report.rowsChecked(),
        report.documentsChecked(),
        report.totalDifferences(),
        report.differences(),
        (convergedAt - workloadDone) / 1e9);
    System.out.printf("seed %d: %s%n", s, report.clean() ? "PASS" : "FAIL");
    if (!keep) {
      cleanUp();
    }
    return report.clean() ? 0 : 1;
  }

  // ------------------------------------------------------------------------------- workload

  private void createTable(Connection db, Random random) throws SQLException {
    try (Statement st = db.createStatement()) {
      st.execute(
          mariadb
              ? "create table "
                  + qualified
                  + " (id bigint primary key, title text, body longtext, tenant text, acl json,"
                  + " updated_at timestamp(3) null)"
              : "create table "
                  + qualified
                  + " (id bigint primary key, title text, body text, tenant text, acl text[],"
                  + " updated_at timestamptz)");
    }
    for (int i = 0; i < rows; i++) {
      upsert(db, 1 + random.nextInt(ids), random, text(random, 20 + random.nextInt(40)));
    }
  }

  private void operation(Connection c, Random random) throws SQLException {
    int id = 1 + random.nextInt(ids);
    int p = random.nextInt(100);
    if (p < 30) {
      count("upsert");
      upsert(c, id, random, text(random, 10 + random.nextInt(60)));
    } else if (p < 45) {
      count("acl-change");
      exec(
          c,
          "update " + qualified + " set acl = " + aclParam() + ", updated_at = now() where id = ?",
          acl(random),
          id);
    } else if (p < 52) {
      count("tenant-change");
      exec(
          c,
          "update " + qualified + " set tenant = ?, updated_at = now() where id = ?",
          random.nextBoolean() ? "acme" : "globex",
          id);
    } else if (p < 60) {
      count("title-change");
      exec(c, "update " + qualified + " set title = ? where id = ?", text(random, 4), id);
    } else if (p < 78) {
      count("delete");
      exec(c, "delete from " + qualified + " where id = ?", id);
    } else if (p < 85) {
      count("pk-change");
      exec(
          c,
          "update " + qualified + " set id = ? where id = ?",
          (long) (1 + random.nextInt(ids)),
          id);
    } else if (p < 88) {
      count("large-body");
      upsert(c, id, random, text(random, 1_500 + random.nextInt(1_500)));
    } else if (p < 94) {
      count("empty-body");
      upsert(c, id, random, "");
    } else {
      count("null-body");
      upsert(c, id, random, null);
    }
  }

  private void upsert(Connection c, int id, Random random, String body) throws SQLException {
    exec(
        c,
        mariadb
            ? "insert into "
                + qualified
                + " (id, title, body, tenant, acl, updated_at) values (?, ?, ?, ?, ?, now(3))"
                + " on duplicate key update title = values(title), body = values(body),"
                + " tenant = values(tenant), acl = values(acl), updated_at = now(3)"
            : "insert into "
                + qualified
                + " (id, title, body, tenant, acl, updated_at) values (?, ?, ?, ?, ?::text[],"
                + " now()) on conflict (id) do update set title = excluded.title, body ="
                + " excluded.body, tenant = excluded.tenant, acl = excluded.acl, updated_at ="
                + " now()",
        (long) id,
        text(random, 3),
        body,
        random.nextBoolean() ? "acme" : "globex",
        acl(random));
  }

  private static void exec(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      ps.executeUpdate();
    }
  }

  private void count(String kind) {
    opCounts.merge(kind, 1, Integer::sum);
  }

  private static final String[] WORDS = {
    "ocean",
    "current",
    "salinity",
    "gradient",
    "plankton",
    "upwelling",
    "protein",
    "enzyme",
    "membrane",
    "receptor",
    "neuron",
    "cortex",
    "glacier",
    "sediment",
    "basalt",
    "magma",
    "orbit",
    "photon",
    "lattice",
    "polymer",
    "catalyst",
    "genome",
    "vaccine",
    "antibody",
    "climate"
  };

  private static String text(Random random, int words) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < words; i++) {
      b.append(WORDS[random.nextInt(WORDS.length)]).append(i % 12 == 11 ? ". " : " ");
    }
    return b.toString().trim();
  }

  /** A random ACL of 0 to 2 groups: a text[] literal (PostgreSQL) or a JSON array (MariaDB). */
  private String acl(Random random) {
    int n = random.nextInt(3); // 0 = an empty ACL: nobody may read
    StringBuilder b = new StringBuilder(mariadb ? "[" : "{");
    for (int i = 0; i < n; i++) {
      String g = "group" + random.nextInt(5);
      b.append(i == 0 ? "" : ",").append(mariadb ? "\"" + g + "\"" : g);
    }
    return b.append(mariadb ? "]" : "}").toString();
  }

  private String aclParam() {
    return mariadb ? "?" : "?::text[]";
  }

  // ------------------------------------------------------------------------------- platform

  private void writeConfig() throws IOException {
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("data-dir", dataDir.toString());
    keys.put("source.jdbc-url", jdbcUrl);
    keys.put("source.table", qualified);
    if (mariadb) {
      keys.put("source.kind", "mariadb");
      keys.put("source.user", dbUser);
      keys.put(
          "source.server-id", Long.toString(200_000 + Math.floorMod(table.hashCode(), 100_000)));
    } else {
      keys.put("source.slot", slot);
      keys.put("source.publication", publication);
    }
    keys.put("source.topic-prefix", "crash");
    keys.put("gateway.port", "0");
    keys.put("indexing.checkpoint-interval", "1s");
    StringBuilder yaml = new StringBuilder();
    keys.forEach((k, v) -> yaml.append(k).append(": \"").append(v).append("\"\n"));
    configFile = dataDir.resolve("crash.yaml");
    Files.writeString(configFile, yaml);
    config = LocalConfig.from(Settings.load(configFile, Map.of(), Map.of(), LocalConfig.KEYS));
  }

  private void startChild() throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx" + childHeap);
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens")) {
        cmd.add(arg);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(RagstreamMain.class.getName());
    cmd.add("local");
    cmd.add("--config");
    cmd.add(configFile.toString());
    starts++;
    File log = dataDir.resolve("local-" + starts + ".log").toFile();
    child =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log))
            .start();
  }

  private void kill(String when) throws InterruptedException {
    String phase = ready() ? "caught up" : "starting, snapshotting or indexing a backlog";
    child.destroyForcibly(); // SIGKILL
    child.waitFor();
    sigkills++;
    killLog.add(when + " (" + phase + ")");
    System.out.printf("SIGKILL %d: %s, %s%n", sigkills, when, phase);
  }

  private void stopChild() throws InterruptedException {
    if (child != null && child.isAlive()) {
      child.destroy(); // SIGTERM: graceful stop
      if (!child.waitFor(90, TimeUnit.SECONDS)) {
        child.destroyForcibly().waitFor();
      }
    }
  }

  private void awaitReady(Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (!ready() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
  }

  private boolean ready() {
    try {
      LocalRuntime runtime = LocalRuntime.read(dataDir).orElse(null);
      if (runtime == null || runtime.pid() != child.pid()) {
        return false;
      }
      HttpResponse<Void> r =
          http.send(
              HttpRequest.newBuilder(URI.create(runtime.gatewayUrl() + "/ready"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException | RuntimeException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void restartPostgres() throws IOException, InterruptedException {
    String command = postgresRestartCommand;
    if (command == null && mariadb) {
      command =
          "mariadb-admin -uroot shutdown; for i in $(seq 1 30); do pgrep -x mariadbd >/dev/null ||"
              + " break; sleep 1; done; start-stop-daemon --start --oknodo --background --exec"
              + " /usr/sbin/mariadbd";
    }
    if (command == null) {
      String[] versions = new File("/etc/postgresql").list();
      if (versions == null || versions.length == 0) {
        throw new IllegalStateException(
            "no /etc/postgresql cluster: pass --postgres-restart-command or --no-restart-postgres");
      }
      java.util.Arrays.sort(versions);
      command =
          "pg_ctlcluster --skip-systemctl-redirect "
              + versions[versions.length - 1]
              + " main restart";
    }
    System.out.printf("restarting the database: %s%n", command);
    Process p = new ProcessBuilder("sh", "-c", command).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("database restart failed: " + command);
    }
    killLog.add((mariadb ? "MariaDB" : "PostgreSQL") + " restarted");
  }

  private ReconcileReport awaitConverged() throws InterruptedException {
    Reconciler.Options options = Reconciliation.options(config, false, Duration.ZERO, 1_000);
    long deadline = System.nanoTime() + convergeTimeout.toNanos();
    ReconcileReport report = null;
    while (System.nanoTime() < deadline) {
      try {
        report = Reconciliation.run(config, options, null, d -> {}, Duration.ofSeconds(60));
        if (report.clean()) {
          // Clean once; confirm on a second pass so a momentary state is not taken for the end.
          Thread.sleep(3_000);
          report = Reconciliation.run(config, options, null, d -> {}, Duration.ofSeconds(60));
          if (report.clean()) {
            return report;
          }
        }
        System.out.printf(
            "  waiting for the index: %d differences %s%n",
            report.totalDifferences(), report.differences());
      } catch (RuntimeException e) {
        System.out.printf("  reconcile not possible yet: %s%n", e.getMessage());
      }
      Thread.sleep(5_000);
    }
    List<Difference> last = new ArrayList<>();
    report = Reconciliation.run(config, options, null, last::add, Duration.ofSeconds(60));
    last.stream().limit(20).forEach(d -> System.out.printf("  %s%n", d));
    return report;
  }

  private Connection connect() throws SQLException, InterruptedException {
    SQLException last = null;
    for (int attempt = 0; attempt < 60; attempt++) {
      try {
        return DriverManager.getConnection(jdbcUrl, dbUser, "");
      } catch (SQLException e) {
        last = e; // PostgreSQL restarting
        Thread.sleep(500);
      }
    }
    throw last;
  }

  private void cleanUp() throws Exception {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      if (!mariadb) {
        st.execute(
            "select pg_drop_replication_slot(slot_name) from pg_replication_slots"
                + " where slot_name = '"
                + slot
                + "' and not active");
        st.execute("drop publication if exists " + publication);
      }
      st.execute("drop table if exists " + qualified);
    }
  }
}
