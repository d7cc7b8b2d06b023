package io.ragstream.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicPositionsTest {

  @Test
  void parsesTheTrainingJobRequestDatasetFormat() {
    TopicPositions p = TopicPositions.parse("ragstream.feedback@1:98, 0:120");

    assertThat(p.topic()).isEqualTo("ragstream.feedback");
    assertThat(p.endOffsets()).containsExactly(Map.entry(0, 120L), Map.entry(1, 98L));
    assertThat(p.records()).isEqualTo(218);
    assertThat(p).hasToString("ragstream.feedback@0:120,1:98");
    assertThat(TopicPositions.parse(p.toString())).isEqualTo(p);
    assertThat(TopicPositions.parse("ragstream.feedback@").endOffsets()).isEmpty();
  }

  @Test
  void namesWhatIsWrong() {
    assertThatThrownBy(() -> TopicPositions.parse("ragstream.feedback"))
        .hasMessageContaining("no '@'");
    assertThatThrownBy(() -> TopicPositions.parse("ragstream.feedback@0=12"))
        .hasMessageContaining("'0=12' is not partition:offset");
    assertThatThrownBy(() -> TopicPositions.parse("ragstream.feedback@0:-1"))
        .hasMessageContaining("offset '-1' is not a non-negative integer");
    assertThatThrownBy(() -> TopicPositions.parse("ragstream.feedback@x:1"))
        .hasMessageContaining("partition 'x'");
    assertThatThrownBy(() -> TopicPositions.parse("ragstream.feedback@0:1,0:2"))
        .hasMessageContaining("partition 0 is listed twice");
    assertThatThrownBy(() -> TopicPositions.parse("bad topic@0:1"))
        .hasMessageContaining("topic must be a Kafka topic name");
  }
}
