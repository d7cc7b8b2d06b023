package io.ragstream.cli.distributed;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.ServiceSettings;
import io.ragstream.cli.config.Settings;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ragstream trainer}: the trainer trigger and the trainer ({@link TrainerService}). */
@Command(
    name = "trainer",
    mixinStandardHelpOptions = true,
    description =
        "Distributed mode: the retraining trigger and the query-adapter trainer on an external"
            + " Kafka; adapters go to trainer.registry-dir (shared with the gateways); serves"
            + " /metrics, /health and /ready on trainer.metrics-port.")
public final class TrainerCommand implements Callable<Integer> {

  @Option(names = "--config", description = "YAML configuration file (docs/distributed.md).")
  Path configFile;

  @Option(names = "--data-dir", description = "Trigger state (key data-dir, default ./data).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    Settings s = ServiceRun.settings(configFile, dataDir, Map.of());
    LocalConfig config = LocalConfig.from(s);
    TrainerService service = TrainerService.start(config, ServiceSettings.from(s));
    return ServiceRun.untilStopped(
        service,
        "ragstream trainer: /metrics, /health and /ready at "
            + service.opsUrl()
            + "; adapters in "
            + service.trainer().registryDir());
  }
}
