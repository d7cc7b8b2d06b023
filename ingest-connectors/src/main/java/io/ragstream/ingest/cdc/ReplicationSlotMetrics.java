package io.ragstream.ingest.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.ingest.cdc.internal.PostgresCatalog;
import io.ragstream.ingest.cdc.internal.ReplicationSlots;
import io.ragstream.ingest.config.PostgresSourceConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the CDC source's replication slot in {@code pg_replication_slots} and exposes it as
 * Micrometer gauges, tagged {@code slot=<name>} (Prometheus names):
 *
 * <ul>
 *   <li>{@code ragstream_cdc_slot_lag_bytes}: {@code pg_wal_lsn_diff(pg_current_wal_lsn(),
 *       confirmed_flush_lsn)}, WAL written since the last position the connector acknowledged;
 *   <li>{@code ragstream_cdc_slot_retained_wal_bytes}: {@code pg_wal_lsn_diff(pg_current_wal_lsn(),
 *       restart_lsn)}, WAL PostgreSQL keeps on disk for the slot;
 *   <li>{@code ragstream_cdc_slot_safe_wal_size_bytes}: {@code safe_wal_size}, WAL that can still
 *       be written before the slot risks becoming lost (NaN when {@code max_slot_wal_keep_size =
 *       -1});
 *   <li>{@code ragstream_cdc_slot_active}: 1 while a walsender streams from the slot, else 0;
 *   <li>{@code ragstream_cdc_slot_wal_status{status=...}}: 1 for the slot's current {@code
 *       wal_status} ({@code reserved}, {@code extended}, {@code unreserved}, {@code lost}) or
 *       {@code missing} when the slot does not exist, 0 for the others (a state set);
 *   <li>{@code ragstream_cdc_slot_poll_errors_total}: polls that failed (the gauges keep their last
 *       values).
 * </ul>
 *
 * <p>Byte gauges are NaN until the first successful poll and while the slot is missing. Each poll
 * uses the monitor's own JDBC connection (reconnected after a failure) with connect, socket and
 * query timeouts of at most {@link #QUERY_TIMEOUT}, on a single daemon thread. {@link #close()}
 * stops polling and removes the meters.
 */
public final class ReplicationSlotMetrics implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicationSlotMetrics.class);

  /** Default time between polls. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(10);

  /** Bound on connecting to and querying the database in one poll. */
  public static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);

  /** The values of {@code ragstream_cdc_slot_wal_status}'s {@code status} tag. */
  public static final List<String> WAL_STATUSES =
      List.of("reserved", "extended", "unreserved", "lost", "missing");

  private final PostgresSourceConfig config;
  private final PostgresCatalog catalog;
  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private final Counter pollErrors;
  private final ScheduledExecutorService poller;
  private final AtomicBoolean closed = new AtomicBoolean();
  private Connection connection; // poller thread only
  private volatile double lagBytes = Double.NaN;
  private volatile double retainedBytes = Double.NaN;
  private volatile double safeWalSizeBytes = Double.NaN;
  private volatile double active = Double.NaN;
  private volatile String walStatus;

  private ReplicationSlotMetrics(PostgresSourceConfig config, MeterRegistry registry) {
    this.config = config;
    this.catalog = new PostgresCatalog(config);
    this.registry = registry;
    String slot = config.slotName();
    meters.add(
        Gauge.builder("ragstream.cdc.slot.lag.bytes", this, m -> m.lagBytes)
            .description("WAL written since the slot's confirmed_flush_lsn")
            .tag("slot", slot)
            .register(registry));
    meters.add(
        Gauge.builder("ragstream.cdc.slot.retained.wal.bytes", this, m -> m.retainedBytes)
            .description("WAL retained for the slot (current LSN minus restart_lsn)")
            .tag("slot", slot)
            .register(registry));
    meters.add(
        Gauge.builder("ragstream.cdc.slot.safe.wal.size.bytes", this, m -> m.safeWalSizeBytes)
            .description("WAL that can be written before the slot risks being lost (safe_wal_size)")
            .tag("slot", slot)
            .register(registry));
    meters.add(
        Gauge.builder("ragstream.cdc.slot.active", this, m -> m.active)
            .description("1 while a walsender streams from the slot")
            .tag("slot", slot)
            .register(registry));
    for (String status : WAL_STATUSES) {
      meters.add(
          Gauge.builder(
                  "ragstream.cdc.slot.wal.status",
                  this,
                  m -> m.walStatus == null ? Double.NaN : status.equals(m.walStatus) ? 1 : 0)
              .description("1 for the slot's wal_status (missing: no such slot)")
              .tags("slot", slot, "status", status)
              .register(registry));
    }
    pollErrors =
        Counter.builder("ragstream.cdc.slot.poll.errors")
            .description("Failed polls of pg_replication_slots")
            .tag("slot", slot)
            .register(registry);
    meters.add(pollErrors);
    poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ragstream-slot-metrics-" + slot);
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Registers the gauges in {@code registry} and polls the slot now and then every {@code
   * interval}.
   */
  public static ReplicationSlotMetrics start(
      PostgresSourceConfig config, MeterRegistry registry, Duration interval) {
    ReplicationSlotMetrics m = new ReplicationSlotMetrics(config, registry);
    m.poller.scheduleWithFixedDelay(
        m::pollQuietly, 0, Math.max(100, interval.toMillis()), TimeUnit.MILLISECONDS);
    return m;
  }

  /**
   * Polls once on the poller thread and waits for it (tests, and callers that want fresh values).
   *
   * @return the slot as read, empty when it does not exist
   * @throws SQLException when the poll failed (also counted in the error counter)
   */
  public Optional<SlotState> poll() throws SQLException, InterruptedException {
    try {
      return poller.submit(this::pollOnce).get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof SQLException s) {
        throw s;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private void pollQuietly() {
    try {
      pollOnce();
    } catch (SQLException e) {
      LOG.debug("Polling replication slot {} failed: {}", config.slotName(), e.toString());
    }
  }

  private Optional<SlotState> pollOnce() throws SQLException {
    try {
      if (connection == null || connection.isClosed()) {
        connection = catalog.connect(QUERY_TIMEOUT);
      }
      Optional<SlotState> slot =
          ReplicationSlots.read(connection, config.slotName(), QUERY_TIMEOUT);
      if (slot.isEmpty()) {
        lagBytes = Double.NaN;
        retainedBytes = Double.NaN;
        safeWalSizeBytes = Double.NaN;
        active = 0;
        walStatus = "missing";
      } else {
        SlotState s = slot.get();
        lagBytes = toDouble(s.lagBytes());
        retainedBytes = toDouble(s.retainedBytes());
        safeWalSizeBytes = toDouble(s.safeWalSizeBytes());
        active = s.active() ? 1 : 0;
        walStatus = s.walStatus();
      }
      return slot;
    } catch (SQLException e) {
      pollErrors.increment();
      closeConnection();
      throw e;
    }
  }

  private static double toDouble(Long v) {
    return v == null ? Double.NaN : v.doubleValue();
  }

  private void closeConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        LOG.debug("Closing slot monitor connection: {}", e.toString());
      }
      connection = null;
    }
  }

  /** Stops polling, closes the connection and removes the meters from the registry. Idempotent. */
  @Override
  public void close() throws InterruptedException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    poller.submit(this::closeConnection);
    poller.shutdown();
    if (!poller.awaitTermination(QUERY_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS)) {
      poller.shutdownNow();
    }
    meters.forEach(registry::remove);
  }
}
