package io.ragstream.trainer.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.QueryEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeedbackJoinTest {
  static final String EMB = "bge@1";
  static final String Q1 = "00000000-0000-4000-8000-000000000001";
  static final String Q2 = "00000000-0000-4000-8000-000000000002";
  static final String Q3 = "00000000-0000-4000-8000-000000000003";
  static final String Q4 = "00000000-0000-4000-8000-000000000004";

  static QueryEvent query(String id, String mode, String embedder, String... docs) {
    float[] e = "bm25".equals(mode) ? null : new float[] {0.6f, 0.8f};
    double[] scores = new double[docs.length];
    return new QueryEvent(
        id,
        "search",
        "acme",
        "alice",
        "text of " + id,
        e,
        mode,
        10,
        scores,
        List.of(docs),
        5,
        1_000,
        e == null ? null : embedder);
  }

  static FeedbackEvent feedback(String queryId, String doc, boolean relevant) {
    return new FeedbackEvent(queryId, doc, relevant, "acme", "alice", 2_000, null);
  }

  @Test
  void joinsRelevantFeedbackWithItsQueryOnQueryId() {
    FeedbackJoin.Result r =
        FeedbackJoin.join(
            List.of(query(Q1, "dense", EMB, "d1", "d2", "d3"), query(Q2, "hybrid", EMB, "d9")),
            List.of(feedback(Q1, "d2", true), feedback(Q2, "d9", true), feedback(Q1, "d3", false)),
            EMB);
    assertThat(r.pairs())
        .extracting(TrainingPair::queryId, TrainingPair::relevantDocumentId)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(Q1, "d2"),
            org.assertj.core.groups.Tuple.tuple(Q2, "d9"));
    TrainingPair p = r.pairs().get(0);
    assertThat(p.queryEmbedding()).containsExactly(0.6f, 0.8f);
    assertThat(p.retrievedDocumentIds()).containsExactly("d1", "d2", "d3");
    assertThat(p.queryText()).isEqualTo("text of " + Q1);
  }

  @Test
  void theLatestJudgementOfAPairWins() {
    FeedbackJoin.Result r =
        FeedbackJoin.join(
            List.of(query(Q1, "dense", EMB, "d1", "d2")),
            List.of(
                feedback(Q1, "d1", true),
                feedback(Q1, "d2", false),
                feedback(Q1, "d1", false),
                feedback(Q1, "d2", true)),
            EMB);
    assertThat(r.pairs()).extracting(TrainingPair::relevantDocumentId).containsExactly("d2");
  }

  @Test
  void skipsOrphansBm25AndOtherEmbedders() {
    FeedbackJoin.Result r =
        FeedbackJoin.join(
            List.of(query(Q2, "bm25", null, "d1"), query(Q3, "dense", "other@2", "d1")),
            List.of(feedback(Q1, "d1", true), feedback(Q2, "d1", true), feedback(Q3, "d1", true)),
            EMB);
    assertThat(r.pairs()).isEmpty();
    assertThat(r.orphanFeedback()).isEqualTo(1);
    assertThat(r.otherEmbedder()).isEqualTo(2);
  }

  @Test
  void parsesAndPrintsDatasetPositions() {
    DatasetPosition p = DatasetPosition.parse("ragstream.feedback@1:98,0:120");
    assertThat(p.topic()).isEqualTo("ragstream.feedback");
    assertThat(p.endOffsets()).containsExactly(Map.entry(0, 120L), Map.entry(1, 98L));
    assertThat(p).hasToString("ragstream.feedback@0:120,1:98");
    assertThat(DatasetPosition.parse("t@").endOffsets()).isEmpty();
    assertThatThrownBy(() -> DatasetPosition.parse("ragstream.feedback"))
        .hasMessageContaining("no '@'");
    assertThatThrownBy(() -> DatasetPosition.parse("t@0:1,x:2"))
        .hasMessage("dataset 't@0:1,x:2': 'x:2' is not partition:offset (both >= 0)");
    assertThatThrownBy(() -> DatasetPosition.parse("t@0:1,0:2"))
        .hasMessageContaining("lists partition 0 twice");
    assertThatThrownBy(() -> DatasetPosition.parse("t@0:-1")).hasMessageContaining("both >= 0");
  }
}
