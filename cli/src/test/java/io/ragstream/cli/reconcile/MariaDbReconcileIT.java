package io.ragstream.cli.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.cli.local.LocalPlatform;
import io.ragstream.core.model.Topics;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.IndexedDocument;
import io.ragstream.ingest.reconcile.Difference;
import io.ragstream.ingest.reconcile.KafkaRepairSink;
import io.ragstream.ingest.reconcile.ReconcileReport;
import io.ragstream.ingest.reconcile.Reconciler;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code reconcile} on a MariaDB source: the snapshot's horizon is MariaDB's consistent-snapshot
 * binlog position. A running platform's index is damaged through its own store handle (a widened
 * ACL, a document without a row); reconcile must find exactly those, and its repair — written with
 * binlog versions just below the horizon — must be applied by the running pipeline.
 */
class MariaDbReconcileIT {
  private static final String JDBC = "jdbc:mariadb://127.0.0.1:3306/test";
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path dataDir;

  private final String table =
      "ragstream_it_mrec_" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
  private LocalPlatform platform;

  @AfterEach
  void stop() throws Exception {
    if (platform != null) {
      platform.close();
    }
    exec("drop table if exists test." + table);
  }

  @Test
  void findsAndRepairsDamageOfAMariaDbIndex() throws Exception {
    exec(
        "create table test."
            + table
            + " (id bigint primary key, title text, body longtext, tenant varchar(64), acl json,"
            + " updated_at timestamp(3) null)");
    for (int i = 1; i <= 4; i++) {
      exec(
          "insert into test."
              + table
              + " values ("
              + i
              + ", 'Title "
              + i
              + "', 'Glaciers carve valleys number "
              + i
              + ".', 'acme', '[\"team"
              + i
              + "\", \"all\"]', now(3))");
    }
    LocalConfig config =
        LocalConfig.from(
            Settings.load(
                null,
                Map.of(),
                Map.of(
                    "data-dir",
                    dataDir.toString(),
                    "source.kind",
                    "mariadb",
                    "source.jdbc-url",
                    JDBC,
                    "source.table",
                    "test." + table,
                    "source.server-id",
                    Long.toString(1_000 + ThreadLocalRandom.current().nextLong(1L << 30)),
                    "source.topic-prefix",
                    "mrec",
                    "gateway.port",
                    "0",
                    "indexing.checkpoint-interval",
                    "1s"),
                LocalConfig.KEYS));
    platform = LocalPlatform.start(config);
    await()
        .atMost(WAIT)
        .until(
            () ->
                platform.store().documents(null, 100).stream()
                        .filter(d -> d.status() == IndexedDocument.Status.LIVE)
                        .count()
                    == 4);
    Reconciler.Options check = Reconciliation.options(config, false, Duration.ofSeconds(2), 100);
    // Reconcile reads the index's last commit from disk: until the indexing job's first
    // checkpoint there is none ("no Lucene index at ..."), so that error is waited out.
    await()
        .atMost(WAIT)
        .ignoreException(io.ragstream.core.error.StoreException.class)
        .until(() -> run(config, check, new ArrayList<>()).clean());

    String id2 = "mariadb:test." + table + ":2";
    long v2 = platform.store().version(id2);
    platform
        .store()
        .apply(
            new DocumentUpdate.UpdateAttributes(
                id2,
                v2 + 1,
                1L,
                new DocumentAttributes(
                    "Title 2", "acme", List.of("team2", "all", "everyone"), Map.of())));
    String ghost = "mariadb:test." + table + ":99";
    platform
        .store()
        .apply(
            new DocumentUpdate.Upsert(
                ghost,
                2,
                1L,
                new DocumentAttributes("Ghost", "acme", List.of("all"), Map.of()),
                "hash",
                List.of()));
    platform.store().flush();

    List<Difference> found = new ArrayList<>();
    ReconcileReport report = run(config, check, found);
    assertThat(found)
        .extracting(d -> d.kind() + " " + d.documentId())
        .containsExactlyInAnyOrder("WRONG_ACL " + id2, "DELETED_IN_SOURCE " + ghost);
    assertThat(report.rowsChecked()).isEqualTo(4);

    Reconciler.Options repair =
        new Reconciler.Options(
            check.chunkerSettingsId(), check.embedderId(), true, Duration.ZERO, 100, 1_000);
    try (KafkaRepairSink sink = new KafkaRepairSink(platform.bootstrapServers(), Topics.CHANGES)) {
      ReconcileReport repaired =
          Reconciliation.run(config, repair, sink, d -> {}, Duration.ofSeconds(30));
      assertThat(repaired.changesEmitted()).isEqualTo(3); // DELETE + UPSERT of 2, DELETE of 99
    }
    // Reconcile reads the index's last commit from disk: until the indexing job's first
    // checkpoint there is none ("no Lucene index at ..."), so that error is waited out.
    await()
        .atMost(WAIT)
        .ignoreException(io.ragstream.core.error.StoreException.class)
        .until(() -> run(config, check, new ArrayList<>()).clean());
    assertThat(platform.store().document(id2).orElseThrow().points())
        .allSatisfy(
            p -> assertThat(p.attributes().acl()).containsExactlyInAnyOrder("team2", "all"));
    assertThat(platform.store().document(ghost).orElseThrow().status())
        .isEqualTo(IndexedDocument.Status.TOMBSTONE);
  }

  private static ReconcileReport run(
      LocalConfig config, Reconciler.Options options, List<Difference> out) throws Exception {
    return Reconciliation.run(config, options, null, out::add, Duration.ofSeconds(30));
  }

  private static void exec(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(JDBC, "root", "");
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
