package io.ragstream.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.trainer.adapter.TrainingPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdapterBenchTest {
  @Test
  void shuffledLabelsPermuteTheRelevantDocumentsAcrossPairsDeterministically() {
    List<TrainingPair> pairs = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      pairs.add(new TrainingPair("q" + i, "text " + i, new float[] {1, 0}, "d" + i, List.of()));
    }
    List<TrainingPair> shuffled = AdapterBench.shuffled(pairs, 42);

    assertThat(shuffled)
        .extracting(TrainingPair::queryId)
        .containsExactlyElementsOf(pairs.stream().map(TrainingPair::queryId).toList());
    assertThat(shuffled)
        .extracting(TrainingPair::relevantDocumentId)
        .containsExactlyInAnyOrderElementsOf(
            pairs.stream().map(TrainingPair::relevantDocumentId).toList());
    long unchanged =
        shuffled.stream()
            .filter(p -> p.relevantDocumentId().equals("d" + p.queryId().substring(1)))
            .count();
    assertThat(unchanged).as("labels actually moved").isLessThan(5);
    assertThat(AdapterBench.shuffled(pairs, 42)).isEqualTo(shuffled);
  }
}
