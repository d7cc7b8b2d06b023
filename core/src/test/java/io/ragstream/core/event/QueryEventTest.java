package io.ragstream.core.event;

import static io.ragstream.core.event.SampleEvents.EMBEDDER;
import static io.ragstream.core.event.SampleEvents.QUERY_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.store.SearchMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class QueryEventTest {

  /** The components of a valid hybrid event, to change one at a time. */
  private static final class B {
    String queryId = QUERY_ID;
    String kind = "answer";
    String tenant = "acme";
    String subject = "alice";
    String query = "bees";
    float[] embedding = SampleEvents.embedding(1);
    String mode = "dense";
    int k = 3;
    double[] topScores = {0.9, 0.8};
    List<String> documentIds = List.of("a", "b");
    long latencyMs = 7;
    long at = 1_000;
    String embedder = EMBEDDER;

    QueryEvent build() {
      return new QueryEvent(
          queryId,
          kind,
          tenant,
          subject,
          query,
          embedding,
          mode,
          k,
          topScores,
          documentIds,
          latencyMs,
          at,
          embedder);
    }
  }

  private static QueryEvent with(Consumer<B> change) {
    B b = new B();
    change.accept(b);
    return b.build();
  }

  private static void rejects(Consumer<B> change, String message) {
    assertThatThrownBy(() -> with(change))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void acceptsEveryKindAndModeAndNoHits() {
    for (String kind : QueryEvent.KINDS) {
      assertThat(with(b -> b.kind = kind).kind()).isEqualTo(kind);
    }
    assertThat(with(b -> b.mode = "hybrid").mode()).isEqualTo("hybrid");
    QueryEvent bm25 =
        with(
            b -> {
              b.mode = "bm25";
              b.embedding = null;
              b.embedder = null;
            });
    assertThat(bm25.embedding()).isNull();
    assertThat(bm25.embedder()).isNull();
    QueryEvent none =
        with(
            b -> {
              b.topScores = new double[0];
              b.documentIds = List.of();
            });
    assertThat(none.documentIds()).isEmpty();
    assertThat(none.topScores()).isEmpty();
  }

  @Test
  void rejectsBadIdentityFieldsNamingThem() {
    rejects(b -> b.queryId = null, "queryId must not be blank");
    rejects(b -> b.queryId = " ", "queryId must not be blank");
    rejects(
        b -> b.queryId = "not-a-uuid",
        "queryId must be a UUID in canonical lowercase form, was 'not-a-uuid'");
    rejects(
        b -> b.queryId = QUERY_ID.toUpperCase(),
        "queryId must be a UUID in canonical lowercase form, was '" + QUERY_ID.toUpperCase() + "'");
    rejects(b -> b.kind = "browse", "kind must be one of search, answer, chat, was 'browse'");
    rejects(b -> b.kind = null, "kind must be one of search, answer, chat, was null");
    rejects(b -> b.tenant = "", "tenant must not be blank");
    rejects(b -> b.subject = null, "subject must not be blank");
    rejects(b -> b.query = "  ", "query must not be blank");
    rejects(b -> b.mode = "DENSE", "mode must be one of dense, bm25, hybrid, was 'DENSE'");
  }

  @Test
  void rejectsEmbeddingThatDoesNotFitTheMode() {
    rejects(b -> b.embedding = null, "embedding is required when mode is dense");
    rejects(
        b -> {
          b.mode = "bm25";
          b.embedder = null;
        },
        "embedding must be null when mode is bm25");
    rejects(b -> b.embedding = new float[0], "embedding must not be empty");
    rejects(
        b -> b.embedding = new float[] {0.5f, Float.NaN}, "embedding[1] must be finite, was NaN");
    rejects(b -> b.embedder = null, "embedder is required with an embedding");
    rejects(b -> b.embedder = " ", "embedder must not be blank");
    rejects(
        b -> {
          b.mode = "bm25";
          b.embedding = null;
        },
        "embedder must be null without an embedding");
  }

  @Test
  void rejectsHitsThatDoNotMatch() {
    rejects(
        b -> b.topScores = new double[] {0.9},
        "topScores must have one score per documentIds entry: 1 scores, 2 documentIds");
    rejects(
        b -> b.documentIds = List.of("a", "b", "c"),
        "topScores must have one score per documentIds entry: 2 scores, 3 documentIds");
    rejects(
        b -> {
          b.k = 1;
        },
        "documentIds must have at most k = 1 entries, has 2");
    rejects(b -> b.documentIds = Arrays.asList("a", null), "documentIds[1] must not be blank");
    rejects(b -> b.documentIds = List.of("a", " "), "documentIds[1] must not be blank");
    rejects(b -> b.documentIds = null, "documentIds must not be null");
    rejects(b -> b.topScores = null, "topScores must not be null");
    rejects(
        b -> b.topScores = new double[] {0.8, 0.9},
        "topScores must be best first (non-increasing), but topScores[1] = 0.9 > topScores[0] = 0.8");
    rejects(
        b -> b.topScores = new double[] {Double.POSITIVE_INFINITY, 0.9},
        "topScores[0] must be finite, was Infinity");
  }

  @Test
  void rejectsBadNumbers() {
    rejects(b -> b.k = 0, "k must be >= 1, was 0");
    rejects(b -> b.latencyMs = -1, "latencyMs must be >= 0, was -1");
    rejects(b -> b.at = -5, "at must be >= 0, was -5");
  }

  @Test
  void isImmutableAndComparesArraysByContent() {
    float[] embedding = SampleEvents.embedding(7);
    double[] scores = {0.5, 0.4};
    List<String> ids = new ArrayList<>(List.of("a", "b"));
    B b = new B();
    b.embedding = embedding;
    b.topScores = scores;
    b.documentIds = ids;
    QueryEvent event = b.build();
    embedding[0] = 99f;
    scores[0] = 99;
    ids.set(0, "z");
    event.embedding()[1] = 99f;
    event.topScores()[1] = 99;
    assertThat(event.embedding()).containsExactly(copyOf(SampleEvents.embedding(7)));
    assertThat(event.topScores()).containsExactly(0.5, 0.4);
    assertThat(event.documentIds()).containsExactly("a", "b");
    assertThatThrownBy(() -> event.documentIds().add("c"))
        .isInstanceOf(UnsupportedOperationException.class);

    QueryEvent same = new B().build();
    assertThat(same).isEqualTo(new B().build()).hasSameHashCodeAs(new B().build());
    assertThat(same).isNotEqualTo(with(x -> x.embedding = SampleEvents.embedding(2)));
  }

  @Test
  void toStringLeavesOutQueryTextAndEmbedding() {
    String s = SampleEvents.hybrid(QUERY_ID).toString();
    assertThat(s)
        .contains(QUERY_ID, "query=<23 chars>", "embedding=float[384]", "hits=3")
        .doesNotContain("bees", "0.91", Float.toString(SampleEvents.embedding(42)[0]));
  }

  @Test
  void helpers() {
    assertThat(QueryEvent.newQueryId()).matches("[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}");
    assertThat(Arrays.stream(SearchMode.values()).map(QueryEvent::modeName))
        .containsExactlyElementsOf(QueryEvent.MODES);
  }

  private static float[] copyOf(float[] v) {
    return v.clone();
  }
}
