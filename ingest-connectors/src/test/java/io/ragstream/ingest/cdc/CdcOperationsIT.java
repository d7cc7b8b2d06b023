package io.ragstream.ingest.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.ingest.config.HeartbeatConfig;
import io.ragstream.ingest.config.PostgresSourceConfig;
import io.ragstream.ingest.config.Secret;
import io.ragstream.ingest.config.TableMapping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operating CDC safely, against the PostgreSQL server on the machine ({@code
 * -Dragstream.it.jdbcUrl}, default {@code jdbc:postgresql://127.0.0.1:5432/postgres}, user {@code
 * postgres}; needs {@code wal_level=logical}): heartbeats, the slot metrics, the checks that refuse
 * a dropped or recreated slot, and teardown. Each test has its own tables, slot ({@code
 * ragstream_it_*}), publication and heartbeat table, dropped at the end. Records go to an in-memory
 * sink: Kafka plays no part in what is tested here.
 */
class CdcOperationsIT {
  private static final String JDBC_URL =
      System.getProperty("ragstream.it.jdbcUrl", PostgresSourceConfig.DEFAULT_JDBC_URL);
  private static final String USER = System.getProperty("ragstream.it.user", "postgres");
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  @TempDir Path dataDir;
  private String suffix;
  private String table;
  private String busyTable;
  private PostgresSourceConfig config;
  private HeartbeatConfig heartbeat;
  private final RecordingSink sink = new RecordingSink();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void uniqueNames() throws SQLException {
    suffix = String.format("%010x", ThreadLocalRandom.current().nextLong(1L << 40));
    table = "cdc_ops_" + suffix;
    busyTable = "cdc_busy_" + suffix;
    config =
        new PostgresSourceConfig(
            JDBC_URL,
            USER,
            Secret.none(),
            "ops" + suffix,
            "ragstream_it_" + suffix,
            "ragstream_it_pub_" + suffix,
            List.of(TableMapping.forTable("public", table)),
            dataDir.resolve("offsets.dat"));
    heartbeat =
        new HeartbeatConfig(true, Duration.ofMillis(300), "public", "ragstream_it_hb_" + suffix);
    sql(
        "CREATE TABLE public."
            + table
            + " (id text PRIMARY KEY, title text, body text, tenant text, acl text[],"
            + " updated_at timestamptz)");
    sql("CREATE TABLE public." + busyTable + " (id bigserial PRIMARY KEY, payload text)");
  }

  @AfterEach
  void dropEverything() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    new PostgresTeardown(config, heartbeat).run();
    sql("DROP TABLE IF EXISTS public." + table);
    sql("DROP TABLE IF EXISTS public." + busyTable);
    sql("DROP TABLE IF EXISTS public." + heartbeat.table());
  }

  @Test
  void heartbeatsAdvanceTheSlotWhileTheMappedTableIsQuietAndAnotherTableIsBusy() throws Exception {
    PostgresCdcSource source = start(heartbeat);
    long before = confirmedFlushLsn();

    long busyEnd = writeToBusyTable();

    await()
        .atMost(TIMEOUT)
        .untilAsserted(() -> assertThat(confirmedFlushLsn()).isGreaterThanOrEqualTo(busyEnd));
    assertThat(busyEnd).isGreaterThan(before);
    assertThat(source.heartbeatsAcknowledged()).isPositive();
    assertThat(sink.topics())
        .as("heartbeat events are acknowledged, never handed to the sink")
        .allMatch(t -> t.equals(config.tables().get(0).topic(config.topicPrefix())));
    assertThat(heartbeatRows()).containsExactly(config.slotName());
  }

  @Test
  void withoutHeartbeatsTheSlotStaysBehindWhileOnlyAnotherTableChanges() throws Exception {
    HeartbeatConfig off = HeartbeatConfig.disabled();
    heartbeat = off;
    start(off);
    sql("INSERT INTO public." + table + " VALUES ('1', 'One', 'body', 't', NULL, now())");
    await().atMost(TIMEOUT).until(() -> sink.topics().size() == 1);
    long mappedChange = currentWalLsn();
    await().atMost(TIMEOUT).until(() -> confirmedFlushLsn() >= mappedChange - 1024);
    long settled = confirmedFlushLsn();

    long busyEnd = writeToBusyTable();

    await()
        .during(Duration.ofSeconds(4))
        .atMost(Duration.ofSeconds(10))
        .until(() -> confirmedFlushLsn() == settled);
    assertThat(busyEnd - settled).as("WAL pinned by the quiet slot").isGreaterThan(100_000);
    assertThat(tableExists(HeartbeatConfig.DEFAULT_TABLE + "_never")).isFalse();
  }

  @Test
  void slotMetricsFollowTheWalAndTheSlotState() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ReplicationSlotMetrics metrics =
        ReplicationSlotMetrics.start(config, registry, Duration.ofHours(1));
    closeables.add(metrics);
    metrics.poll();
    assertThat(gauge(registry, "ragstream.cdc.slot.wal.status", "missing")).isEqualTo(1.0);
    assertThat(gauge(registry, "ragstream.cdc.slot.lag.bytes", null)).isNaN();

    HeartbeatConfig off = HeartbeatConfig.disabled();
    heartbeat = off;
    start(off);
    await() // the walsender attaches once streaming starts, just after the snapshot
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              assertThat(metrics.poll()).isPresent();
              assertThat(gauge(registry, "ragstream.cdc.slot.active", null)).isEqualTo(1.0);
            });
    assertThat(gauge(registry, "ragstream.cdc.slot.wal.status", "reserved")).isEqualTo(1.0);
    assertThat(gauge(registry, "ragstream.cdc.slot.wal.status", "missing")).isEqualTo(0.0);
    double lagBefore = gauge(registry, "ragstream.cdc.slot.lag.bytes", null);
    double retainedBefore = gauge(registry, "ragstream.cdc.slot.retained.wal.bytes", null);

    writeToBusyTable();
    metrics.poll();

    assertThat(gauge(registry, "ragstream.cdc.slot.lag.bytes", null))
        .isGreaterThan(lagBefore + 100_000);
    assertThat(gauge(registry, "ragstream.cdc.slot.retained.wal.bytes", null))
        .isGreaterThan(retainedBefore + 100_000);

    for (PostgresCdcSource s : sources) {
      s.close();
    }
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              metrics.poll();
              assertThat(gauge(registry, "ragstream.cdc.slot.active", null)).isEqualTo(0.0);
            });
    metrics.close();
    assertThat(registry.find("ragstream.cdc.slot.lag.bytes").gauge()).isNull();
  }

  @Test
  void refusesToStartWhenTheSlotWasDroppedWhileOffsetsExist() throws Exception {
    captureOneChangeAndStop();
    sql("SELECT pg_drop_replication_slot('" + config.slotName() + "')");

    PostgresCdcSource again = new PostgresCdcSource(config, sink, heartbeat);
    sources.add(again);
    assertThatThrownBy(again::start)
        .isInstanceOf(SlotLostException.class)
        .hasMessageContaining("replication slot '" + config.slotName() + "' does not exist")
        .hasMessageContaining("may have been lost")
        .hasMessageContaining("./ragstream teardown --yes");
    assertThat(slot()).as("no new slot created at a later position").isEmpty();
  }

  @Test
  void refusesToStartWhenTheSlotWasRecreatedBehindTheConnectorsBack() throws Exception {
    captureOneChangeAndStop();
    sql("SELECT pg_drop_replication_slot('" + config.slotName() + "')");
    sql("INSERT INTO public." + table + " VALUES ('2', 'Two', 'lost?', 't', NULL, now())");
    sql("SELECT pg_create_logical_replication_slot('" + config.slotName() + "', 'pgoutput')");

    PostgresCdcSource again = new PostgresCdcSource(config, sink, heartbeat);
    sources.add(again);
    assertThatThrownBy(again::start)
        .isInstanceOf(SlotLostException.class)
        .hasMessageContaining("dropped and recreated, or advanced, behind the connector's back")
        .hasMessageContaining("may have been lost");
    assertThat(sink.topics()).hasSize(1);
  }

  @Test
  void resumesAfterANormalRestartWithHeartbeats() throws Exception {
    captureOneChangeAndStop();
    sql("INSERT INTO public." + table + " VALUES ('2', 'Two', 'while stopped', 't', NULL, now())");

    start(heartbeat);

    await().atMost(TIMEOUT).until(() -> sink.topics().size() == 2);
    assertThat(sink.records.get(1).value()).contains("while stopped");
  }

  @Test
  void teardownRefusesAnActiveSlotThenRemovesEverythingAndIsIdempotent() throws Exception {
    PostgresCdcSource source = start(heartbeat);
    PostgresTeardown teardown = new PostgresTeardown(config, heartbeat);
    await().atMost(TIMEOUT).until(() -> Files.exists(config.offsetsFile()));

    assertThatThrownBy(teardown::run)
        .isInstanceOf(SlotInUseException.class)
        .hasMessageContaining("is active")
        .hasMessageContaining("nothing was removed");
    assertThat(slot()).isPresent();

    source.close();
    await().atMost(TIMEOUT).until(() -> slot().map(s -> !s.active()).orElse(true));
    PostgresTeardown.Inventory before = teardown.inventory();
    assertThat(before.slot()).isPresent();
    assertThat(before.publication()).isTrue();
    assertThat(before.heartbeatTable()).isTrue();
    assertThat(before.offsetsFile()).isTrue();

    PostgresTeardown.Result result = teardown.run();

    assertThat(result).isEqualTo(new PostgresTeardown.Result(true, true, true, true));
    assertThat(slot()).isEmpty();
    assertThat(tableExists(heartbeat.table())).isFalse();
    assertThat(Files.exists(config.offsetsFile())).isFalse();
    assertThat(teardown.inventory().empty()).isTrue();
    assertThat(teardown.run()).isEqualTo(new PostgresTeardown.Result(false, false, false, false));
  }

  @Test
  void teardownKeepsAHeartbeatTableThatAnotherSlotStillUses() throws Exception {
    start(heartbeat);
    for (PostgresCdcSource s : sources) {
      s.close();
    }
    sql(
        "INSERT INTO public."
            + heartbeat.table()
            + " VALUES ('ragstream_it_other_"
            + suffix
            + "', now())");
    await().atMost(TIMEOUT).until(() -> slot().map(s -> !s.active()).orElse(true));

    PostgresTeardown.Result result = new PostgresTeardown(config, heartbeat).run();

    assertThat(result.slotDropped()).isTrue();
    assertThat(result.heartbeatTableDropped()).isFalse();
    assertThat(heartbeatRows()).containsExactly("ragstream_it_other_" + suffix);
  }

  // ---------------------------------------------------------------------------------------------

  private final List<PostgresCdcSource> sources = new ArrayList<>();

  private PostgresCdcSource start(HeartbeatConfig hb) throws Exception {
    PostgresCdcSource source = new PostgresCdcSource(config, sink, hb);
    sources.add(source);
    closeables.add(source);
    source.start();
    source.snapshotCompleted().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    return source;
  }

  private void captureOneChangeAndStop() throws Exception {
    PostgresCdcSource first = start(heartbeat);
    sql("INSERT INTO public." + table + " VALUES ('1', 'One', 'body', 't', NULL, now())");
    await().atMost(TIMEOUT).until(() -> sink.topics().size() == 1);
    first.close();
    await().atMost(TIMEOUT).until(() -> slot().map(s -> !s.active()).orElse(true));
  }

  /** Writes about 1 MB of WAL to a table outside the publication; returns the WAL end after it. */
  private long writeToBusyTable() throws SQLException {
    sql(
        "INSERT INTO public."
            + busyTable
            + " (payload) SELECT repeat(md5(g::text), 8) FROM generate_series(1, 5000) g");
    return currentWalLsn();
  }

  private Optional<SlotState> slot() throws SQLException {
    try (Connection c = connect()) {
      return io.ragstream.ingest.cdc.internal.ReplicationSlots.read(c, config.slotName());
    }
  }

  private long confirmedFlushLsn() throws SQLException {
    return slot().map(SlotState::confirmedFlushLsn).orElseThrow();
  }

  private long currentWalLsn() throws SQLException {
    return queryLong("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint");
  }

  private List<String> heartbeatRows() throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT slot_name FROM public." + heartbeat.table() + " ORDER BY 1")) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }

  private boolean tableExists(String name) throws SQLException {
    return queryLong("SELECT count(*) FROM pg_class WHERE relname = '" + name + "'") > 0;
  }

  private static double gauge(SimpleMeterRegistry registry, String name, String status) {
    var search = registry.find(name);
    if (status != null) {
      search = search.tag("status", status);
    }
    return search.gauge().value();
  }

  private static long queryLong(String query) throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(query)) {
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
    return DriverManager.getConnection(JDBC_URL, USER, "");
  }

  /** Keeps what the source hands on, in order. */
  static final class RecordingSink implements CdcRecordSink {
    final List<CdcRecord> records = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void write(List<CdcRecord> batch) {
      records.addAll(batch);
    }

    List<String> topics() {
      synchronized (records) {
        return records.stream().map(CdcRecord::topic).toList();
      }
    }

    @Override
    public void close() {}
  }
}
