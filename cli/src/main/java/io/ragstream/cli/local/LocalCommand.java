package io.ragstream.cli.local;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.cli.distributed.ServiceRun;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ragstream local}: the whole platform in this JVM until interrupted. */
@Command(
    name = "local",
    mixinStandardHelpOptions = true,
    description =
        "Run the whole platform in one JVM against the configured PostgreSQL; prints the gateway URL.")
public final class LocalCommand implements Callable<Integer> {

  @Option(names = "--data-dir", description = "Data directory (default ./data; key data-dir).")
  Path dataDir;

  @Option(names = "--config", description = "YAML configuration file.")
  Path configFile;

  @Option(
      names = "--port",
      description = "Gateway port (key gateway.port, default 8080; 0 = free port).")
  Integer port;

  @Override
  public Integer call() throws Exception {
    LocalConfig config =
        LocalConfig.from(
            Settings.load(
                configFile, System.getenv(), LocalConfig.flags(dataDir, port), LocalConfig.KEYS));
    LocalPlatform platform = LocalPlatform.start(config);
    return ServiceRun.untilStopped(
        platform,
        "ragstream local: gateway at "
            + platform.gatewayUrl()
            + " (data in "
            + config.dataDir()
            + ")");
  }
}
