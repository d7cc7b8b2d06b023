package io.ragstream.cli.platform;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.cli.beir.SourceTable;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.ingest.cdc.CdcSource;
import io.ragstream.ingest.cdc.KafkaCdcRecordSink;
import io.ragstream.ingest.cdc.PostgresCdcSource;
import io.ragstream.ingest.cdc.ReplicationSlotMetrics;
import io.ragstream.ingest.config.CdcSourceConfig;
import io.ragstream.ingest.config.PostgresSourceConfig;
import io.ragstream.ingest.config.TableMapping;
import io.ragstream.ingest.normalize.ChangeNormalizerRunner;
import io.ragstream.ingest.normalize.NormalizerConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest side of the platform: the Kafka Streams change normalizer (Debezium topics → {@code
 * ragstream.changes}, malformed records → {@code ragstream.dlq}) and the Debezium CDC source
 * (PostgreSQL with its replication-slot metrics, or MariaDB/MySQL) writing to Kafka.
 *
 * <p>Started in two steps so that the source comes last, after every consumer downstream exists:
 * {@link #startNormalizer}, then {@link #startSource}. {@link #stopSource()} stops the source alone
 * (before the parts downstream stop); {@link #close()} stops whatever still runs, source first.
 * {@code ragstream local} runs it beside the other parts, {@code ragstream ingest} alone.
 */
public final class IngestPart implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IngestPart.class);

  private final LocalConfig config;
  private final String bootstrapServers;
  private final Closeables normalizerParts = new Closeables();
  private final Closeables sourceParts = new Closeables();
  private NormalizerConfig normalizerConfig;
  private ChangeNormalizerRunner normalizer;
  private volatile CdcSource cdc;

  private IngestPart(LocalConfig config, String bootstrapServers) {
    this.config = Objects.requireNonNull(config, "config");
    this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
  }

  /**
   * Starts the normalizer on {@code bootstrapServers} and waits up to 60 s until it runs. It
   * creates its input topics, {@code ragstream.changes} (compacted) and the DLQ with {@code
   * indexing.parallelism} partitions, and keeps its state under {@code <data-dir>}. Its static
   * group membership id is {@code <memberPrefix>-<hash of data-dir>}, so one restarted process
   * rejoins at once instead of waiting out the dead member's session.
   *
   * @throws Exception when it does not start; nothing is left running then
   */
  public static IngestPart startNormalizer(
      LocalConfig config, String bootstrapServers, String memberPrefix) throws Exception {
    IngestPart part = new IngestPart(config, bootstrapServers);
    try {
      part.normalizerConfig =
          NormalizerConfig.builder(bootstrapServers, config.dataDir(), config.source().tables())
              .topicPrefix(config.source().topicPrefix())
              .sourceKind(config.source().kind())
              .partitions(config.parallelism())
              .groupInstanceId(
                  memberPrefix + "-" + Integer.toHexString(config.dataDir().hashCode()))
              .build();
      part.normalizer =
          part.normalizerParts.push(new ChangeNormalizerRunner(part.normalizerConfig));
      part.normalizer.start().get(60, TimeUnit.SECONDS);
      return part;
    } catch (Exception | Error e) {
      part.close();
      throw e;
    }
  }

  /**
   * Creates missing source tables that use DESIGN's default columns, then starts the CDC source
   * (initial snapshot, then streaming). For PostgreSQL the replication slot's lag, retained WAL,
   * active flag and wal_status are registered in {@code registry} ({@code ragstream_cdc_slot_*}),
   * polled every {@code source.slot-metrics.interval}. A source that fails later is logged at ERROR
   * and shows in {@link #sourceFailed()}.
   *
   * @throws Exception when the tables cannot be checked or the source cannot start
   */
  public void startSource(MeterRegistry registry) throws Exception {
    createMissingDefaultTables(config.source());
    KafkaCdcRecordSink sink = sourceParts.push(KafkaCdcRecordSink.create(bootstrapServers));
    // (the sink is closed after the source, which does not close its sink)
    CdcSource source;
    if (config.source() instanceof PostgresSourceConfig pg) {
      sourceParts.push(
          ReplicationSlotMetrics.start(pg, registry, config.cdc().slotMetricsInterval()));
      source = new PostgresCdcSource(pg, sink, config.cdc().heartbeat());
    } else {
      source = CdcSource.create(config.source(), sink);
    }
    sourceParts.push(source);
    cdc = source;
    source.start();
    source
        .terminated()
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                LOG.error(
                    "CDC source failed; the index no longer follows the source and /ready stays"
                        + " false until a restart: {}",
                    e.getMessage());
              }
            });
  }

  /**
   * For a source captured elsewhere (Debezium in Kafka Connect): registers only PostgreSQL's
   * replication-slot metrics in {@code registry}, as {@link #startSource} does; nothing for
   * MariaDB/MySQL. Stopped by {@link #stopSource()}.
   */
  public void startSlotMetrics(MeterRegistry registry) {
    if (config.source() instanceof PostgresSourceConfig pg) {
      sourceParts.push(
          ReplicationSlotMetrics.start(pg, registry, config.cdc().slotMetricsInterval()));
    }
  }

  /** Stops the CDC source (and its slot metrics and sink); the normalizer keeps running. */
  public void stopSource() {
    sourceParts.close();
  }

  /** The normalizer's config (application id = consumer group, source topics). */
  public NormalizerConfig normalizerConfig() {
    return normalizerConfig;
  }

  /** The running normalizer. */
  public ChangeNormalizerRunner normalizer() {
    return normalizer;
  }

  /** The CDC source, null before {@link #startSource}. */
  public CdcSource cdc() {
    return cdc;
  }

  /** True once the source has terminated with an error (it does not restart by itself). */
  public boolean sourceFailed() {
    CdcSource c = cdc;
    return c != null && c.terminated().isCompletedExceptionally();
  }

  /** True once the source's initial snapshot is captured and the source has not failed. */
  public boolean snapshotCompleted() {
    CdcSource c = cdc;
    return c != null
        && !sourceFailed()
        && c.snapshotCompleted().isDone()
        && !c.snapshotCompleted().isCompletedExceptionally();
  }

  /** Stops the source (if still running), then the normalizer. */
  @Override
  public void close() {
    sourceParts.close();
    normalizerParts.close();
  }

  /**
   * Creates mapped tables that do not exist yet when they use DESIGN's default column names, so the
   * platform can start before {@code ragstream load} (which creates the same table). Tables with
   * other mappings must exist: they are the user's, and the CDC source says so.
   */
  private static void createMissingDefaultTables(CdcSourceConfig source) throws SQLException {
    try (Connection db =
        DriverManager.getConnection(source.jdbcUrl(), source.user(), source.password().reveal())) {
      for (TableMapping t : source.tables()) {
        if (t.equals(TableMapping.forTable(t.schema(), t.table()))) {
          new SourceTable(t.schema(), t.table()).createIfMissing(db);
        }
      }
    }
  }
}
