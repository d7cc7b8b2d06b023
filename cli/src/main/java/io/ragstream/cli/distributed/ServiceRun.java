package io.ragstream.cli.distributed;

import io.ragstream.cli.config.ServiceSettings;
import io.ragstream.cli.config.Settings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * What the service commands share: loading their settings and running until SIGTERM ({@code
 * ragstream local} runs until stopped through it too).
 */
public final class ServiceRun {
  private ServiceRun() {}

  /**
   * Settings from {@code configFile}, the environment ({@code RAGSTREAM_*} of {@link
   * ServiceSettings#ALL_KEYS}) and the flags given (null ones are ignored).
   */
  public static Settings settings(Path configFile, Path dataDir, Map<String, String> flags) {
    Map<String, String> all = new HashMap<>(flags);
    if (dataDir != null) all.put("data-dir", dataDir.toString());
    return Settings.load(configFile, System.getenv(), all, ServiceSettings.ALL_KEYS);
  }

  /**
   * Prints {@code banner} (the command's interface: where it serves) and blocks until the JVM shuts
   * down (SIGTERM, SIGINT), when a shutdown hook closes {@code service}.
   */
  public static int untilStopped(AutoCloseable service, String banner) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    service.close();
                  } catch (Exception e) {
                    System.err.println("ragstream: error while stopping: " + e);
                  } finally {
                    stopped.countDown();
                  }
                },
                "ragstream-shutdown"));
    System.out.println(banner + " (SIGTERM or Ctrl-C to stop)");
    System.out.flush();
    stopped.await();
    return 0;
  }
}
