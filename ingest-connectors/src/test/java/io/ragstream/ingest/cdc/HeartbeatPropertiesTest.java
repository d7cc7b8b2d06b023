package io.ragstream.ingest.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.ingest.cdc.internal.DebeziumProperties;
import io.ragstream.ingest.cdc.internal.HeartbeatTable;
import io.ragstream.ingest.config.HeartbeatConfig;
import io.ragstream.ingest.config.PostgresSourceConfig;
import io.ragstream.ingest.config.Secret;
import io.ragstream.ingest.config.TableMapping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HeartbeatPropertiesTest {
  private final PostgresSourceConfig config =
      new PostgresSourceConfig(
          "jdbc:postgresql://db.example:5432/content",
          "cdc",
          Secret.none(),
          "kb",
          "kb_slot",
          null,
          List.of(TableMapping.defaults()),
          Path.of("/data/offsets.dat"));

  @Test
  void addsTheHeartbeatTableToTheIncludeListAndRunsAnUpsertOfThisSlotsRow() {
    HeartbeatConfig hb = HeartbeatConfig.of(true, Duration.ofSeconds(3), "ops.beats");
    Properties p = DebeziumProperties.of(config);

    new HeartbeatTable(hb, config).configure(p);

    assertThat(p)
        .containsEntry("heartbeat.interval.ms", "3000")
        .containsEntry("topic.heartbeat.prefix", "__debezium-heartbeat")
        .containsEntry(
            "heartbeat.action.query",
            "INSERT INTO \"ops\".\"beats\" (slot_name, beat_at) VALUES ('kb_slot', now())"
                + " ON CONFLICT (slot_name) DO UPDATE SET beat_at = EXCLUDED.beat_at");
    String[] include = p.getProperty("table.include.list").split(",");
    assertThat(include).hasSize(2);
    assertThat(Pattern.matches(include[0], "public.documents")).isTrue();
    assertThat(Pattern.matches(include[1], "ops.beats")).isTrue();
    assertThat(Pattern.matches(include[1], "opsXbeats")).isFalse();
  }

  @Test
  void namesTheTopicsWhoseEventsTheSourceKeepsToItself() {
    HeartbeatTable t = new HeartbeatTable(HeartbeatConfig.defaults(), config);

    assertThat(t.heartbeatTopic()).isEqualTo("__debezium-heartbeat.kb");
    assertThat(t.tableTopic()).isEqualTo("kb.public.ragstream_heartbeat");
  }

  @Test
  void refusesAHeartbeatTableThatIsAMappedTable() {
    HeartbeatConfig hb = HeartbeatConfig.of(true, Duration.ofSeconds(10), "public.documents");

    assertThatThrownBy(() -> new PostgresCdcSource(config, null, hb))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("source.heartbeat.table public.documents is a mapped table");
  }

  @Test
  void validatesIntervalAndNames() {
    assertThatThrownBy(() -> HeartbeatConfig.of(true, Duration.ofMillis(50), null))
        .hasMessageContaining("source.heartbeat.interval");
    assertThatThrownBy(() -> HeartbeatConfig.of(true, Duration.ofSeconds(1), "x.y;drop"))
        .hasMessageContaining("source.heartbeat.table");
    assertThat(HeartbeatConfig.of(true, Duration.ofSeconds(1), "beats").qualifiedName())
        .isEqualTo("public.beats");
  }
}
