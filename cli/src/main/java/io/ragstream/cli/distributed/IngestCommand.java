package io.ragstream.cli.distributed;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.ServiceSettings;
import io.ragstream.cli.config.Settings;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ragstream ingest}: the CDC source and the change normalizer ({@link IngestService}). */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description =
        "Distributed mode: capture the source database (Debezium) and normalize its changes into"
            + " ragstream.changes on an external Kafka (kafka.bootstrap-servers); serves /metrics,"
            + " /health and /ready on ingest.metrics-port.")
public final class IngestCommand implements Callable<Integer> {

  @Option(names = "--config", description = "YAML configuration file (docs/distributed.md).")
  Path configFile;

  @Option(
      names = "--data-dir",
      description = "Debezium offsets and normalizer state (key data-dir, default ./data).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    Settings s = ServiceRun.settings(configFile, dataDir, Map.of());
    IngestService service = IngestService.start(LocalConfig.from(s), ServiceSettings.from(s));
    return ServiceRun.untilStopped(
        service, "ragstream ingest: /metrics, /health and /ready at " + service.opsUrl());
  }
}
