package io.ragstream.cli.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.cli.bench.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three service commands refuse to start without what they need, naming the key. */
class ServiceCommandsTest {
  @TempDir Path dir;

  @Test
  void ingestAndTrainerRequireKafka() throws Exception {
    Path config = dir.resolve("c.yaml");
    Files.writeString(config, "data-dir: " + dir.resolve("data") + "\n");
    for (String command : new String[] {"ingest", "trainer"}) {
      CliRun run = CliRun.of(command, "--config", config.toString());
      assertThat(run.exitCode()).as(command).isEqualTo(2);
      assertThat(run.err())
          .as(command)
          .contains("kafka.bootstrap-servers")
          .contains("ragstream " + command);
    }
    assertThat(dir.resolve("data")).as("nothing started").doesNotExist();
  }

  @Test
  void gatewayRequiresKafkaWhileEventsAreOn() throws Exception {
    Path config = dir.resolve("c.yaml");
    Files.writeString(config, "gateway:\n  port: 0\n");
    CliRun run = CliRun.of("gateway", "--config", config.toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("kafka.bootstrap-servers").contains("gateway.events.enabled");
  }

  @Test
  void badStoreKindFailsBeforeAnythingStarts() throws Exception {
    Path config = dir.resolve("c.yaml");
    Files.writeString(config, "kafka:\n  bootstrap-servers: 127.0.0.1:1\nstore:\n  kind: chroma\n");
    CliRun run = CliRun.of("gateway", "--config", config.toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("store.kind").contains("chroma").contains("lucene or qdrant");
  }

  @Test
  void trainerRefusesToRunWithTheTrainerDisabled() throws Exception {
    Path config = dir.resolve("c.yaml");
    Files.writeString(
        config, "kafka:\n  bootstrap-servers: 127.0.0.1:1\ntrainer:\n  enabled: false\n");
    CliRun run = CliRun.of("trainer", "--config", config.toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("trainer.enabled");
  }
}
