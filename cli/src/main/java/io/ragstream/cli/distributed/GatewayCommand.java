package io.ragstream.cli.distributed;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.ServiceSettings;
import io.ragstream.cli.config.Settings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ragstream gateway}: one query gateway over the shared store ({@link GatewayService}). */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    description =
        "Distributed mode: one query gateway over the store of store.kind, publishing events to"
            + " kafka.bootstrap-servers; prints its URL.")
public final class GatewayCommand implements Callable<Integer> {

  @Option(names = "--config", description = "YAML configuration file (docs/distributed.md).")
  Path configFile;

  @Option(names = "--data-dir", description = "Data directory (key data-dir, default ./data).")
  Path dataDir;

  @Option(
      names = "--port",
      description = "Gateway port (key gateway.port, default 8080; 0 = free port).")
  Integer port;

  @Override
  public Integer call() throws Exception {
    Map<String, String> flags = new HashMap<>();
    if (port != null) flags.put("gateway.port", port.toString());
    Settings s = ServiceRun.settings(configFile, dataDir, flags);
    LocalConfig config = LocalConfig.from(s);
    GatewayService service = GatewayService.start(config, ServiceSettings.from(s));
    return ServiceRun.untilStopped(
        service,
        "ragstream gateway: API, /metrics, /health and /ready at "
            + service.url()
            + " (store "
            + config.store().kind().name().toLowerCase(java.util.Locale.ROOT)
            + ")");
  }
}
