package io.ragstream.cli.options;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.cli.local.LocalRuntime;
import io.ragstream.core.error.ConfigException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where to find Kafka: the same configuration {@code ragstream local} reads. */
public final class KafkaOptions {
  @Option(names = "--config", description = "YAML configuration file (as for ragstream local).")
  Path configFile;

  @Option(names = "--data-dir", description = "Data directory (key data-dir, default ./data).")
  Path dataDir;

  @Option(
      names = "--bootstrap-servers",
      description = "Kafka to read (key kafka.bootstrap-servers); default: the configured one.")
  String bootstrapServers;

  /**
   * {@code kafka.bootstrap-servers}, else what the running platform on the data dir recorded.
   *
   * @throws ConfigException when neither is available
   */
  public String bootstrapServers() {
    LocalConfig config = config();
    if (config.kafkaBootstrapServers() != null) {
      return config.kafkaBootstrapServers();
    }
    Optional<LocalRuntime> runtime = LocalRuntime.read(config.dataDir());
    if (runtime.isEmpty() || !runtime.get().alive()) {
      throw new ConfigException(
          "kafka.bootstrap-servers",
          "not set, and ragstream local is not running on "
              + config.dataDir()
              + " (no live "
              + LocalRuntime.FILE_NAME
              + "); start ragstream local with this data dir, or pass --bootstrap-servers");
    }
    return runtime.get().kafkaBootstrapServers();
  }

  /**
   * The configuration {@code ragstream local} would read with these options.
   *
   * @throws ConfigException naming the key whose value is wrong
   */
  public LocalConfig config() {
    Map<String, String> flags = new HashMap<>(LocalConfig.flags(dataDir, null));
    if (bootstrapServers != null) {
      flags.put("kafka.bootstrap-servers", bootstrapServers);
    }
    return LocalConfig.from(Settings.load(configFile, System.getenv(), flags, LocalConfig.KEYS));
  }
}
