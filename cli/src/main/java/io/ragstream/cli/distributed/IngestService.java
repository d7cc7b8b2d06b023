package io.ragstream.cli.distributed;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.ServiceSettings;
import io.ragstream.cli.platform.Closeables;
import io.ragstream.cli.platform.IngestPart;
import io.ragstream.cli.platform.OpsEndpoints;
import io.ragstream.cli.platform.ReadinessMonitor;
import io.ragstream.gateway.metrics.GatewayMetrics;
import java.nio.file.Files;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ragstream ingest}: the CDC source and the change normalizer against an external Kafka
 * ({@code kafka.bootstrap-servers}, required), with {@code /metrics}, {@code /health} and {@code
 * /ready} on {@code ingest.metrics-host}:{@code ingest.metrics-port}.
 *
 * <p>{@code /health} is 503 once the CDC source has failed (it does not restart by itself: restart
 * the process); {@code /ready} is 200 once the initial snapshot is captured and the normalizer's
 * consumer group has no lag on the Debezium topics. {@code /metrics} carries the JVM meters, the
 * replication slot ({@code ragstream_cdc_slot_*}, PostgreSQL), the consumer lag and {@code
 * ragstream_ready}. Debezium offsets and the normalizer's state live under {@code data-dir}, which
 * must persist across restarts (else the source snapshots again).
 *
 * <p>With {@code ingest.cdc: connect} Debezium runs in Kafka Connect (infra/connect) and this
 * process runs the normalizer only (plus PostgreSQL's slot metrics): {@code /ready} then waits for
 * the normalizer's lag alone, and {@code /health} does not depend on a source.
 */
public final class IngestService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IngestService.class);
  private final Closeables parts = new Closeables();
  private IngestPart ingest;
  private OpsEndpoints ops;
  private ReadinessMonitor readiness;

  private IngestService() {}

  /**
   * Starts the normalizer, the endpoints, then the source (unless {@code ingest.cdc} is {@code
   * connect}).
   *
   * @throws io.ragstream.core.error.ConfigException naming {@code kafka.bootstrap-servers} when
   *     unset
   * @throws Exception when a part does not start; nothing is left running then
   */
  public static IngestService start(LocalConfig config, ServiceSettings services) throws Exception {
    String bootstrap = ServiceSettings.requireKafka(config, "ragstream ingest");
    IngestService s = new IngestService();
    try {
      Files.createDirectories(config.dataDir());
      GatewayMetrics metrics = s.parts.push(GatewayMetrics.create());
      s.ingest = s.parts.push(IngestPart.startNormalizer(config, bootstrap, "ragstream-ingest"));
      Admin admin =
          s.parts.push(Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap)));
      IngestPart ingest = s.ingest;
      boolean embedded = services.ingestCdc() == ServiceSettings.IngestCdc.EMBEDDED;
      s.readiness =
          s.parts.push(
              new ReadinessMonitor(
                  admin,
                  metrics.registry(),
                  Map.of(
                      ingest.normalizerConfig().applicationId(),
                      ingest.normalizerConfig().sourceTopics()),
                  embedded ? ingest::snapshotCompleted : () -> true,
                  "ingest"));
      ReadinessMonitor readiness = s.readiness;
      s.ops =
          s.parts.push(
              OpsEndpoints.start(
                  services.ingestMetricsHost(),
                  services.ingestMetricsPort(),
                  metrics,
                  () -> !ingest.sourceFailed(),
                  readiness::ready));
      if (embedded) {
        ingest.startSource(metrics.registry());
      } else {
        ingest.startSlotMetrics(metrics.registry());
        LOG.info(
            "ingest.cdc is connect: Debezium runs in Kafka Connect; running the normalizer only");
      }
      s.parts.push(ingest::stopSource);
      return s;
    } catch (Exception | Error e) {
      s.close();
      throw e;
    }
  }

  /** {@code http://host:port} of {@code /metrics}, {@code /health} and {@code /ready}. */
  public String opsUrl() {
    return ops.url();
  }

  /** The running parts (normalizer and CDC source). */
  public IngestPart ingest() {
    return ingest;
  }

  /** True once the snapshot is captured and the normalizer has no lag. */
  public boolean ready() {
    return readiness.ready();
  }

  /** Stops the source, the endpoints, then the normalizer. */
  @Override
  public void close() {
    parts.close();
    LOG.info("ragstream ingest stopped");
  }
}
