package io.ragstream.core.event;

import static io.ragstream.core.event.SampleEvents.QUERY_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FeedbackEventTest {

  @Test
  void acceptsACommentOfExactlyTheMaximumLengthAndNone() {
    assertThat(SampleEvents.feedback(QUERY_ID, "x".repeat(1_000)).comment()).hasSize(1_000);
    assertThat(SampleEvents.feedback(QUERY_ID, null).comment()).isNull();
  }

  @Test
  void rejectsBadFieldsNamingThem() {
    assertRejected(
        () -> new FeedbackEvent(" ", "d", true, "t", "s", 1, null), "queryId must not be blank");
    assertRejected(
        () -> new FeedbackEvent("42", "d", true, "t", "s", 1, null),
        "queryId must be a UUID in canonical lowercase form, was '42'");
    assertRejected(
        () -> new FeedbackEvent(QUERY_ID, null, true, "t", "s", 1, null),
        "documentId must not be blank");
    assertRejected(
        () -> new FeedbackEvent(QUERY_ID, "d", false, "", "s", 1, null),
        "tenant must not be blank");
    assertRejected(
        () -> new FeedbackEvent(QUERY_ID, "d", false, "t", null, 1, null),
        "subject must not be blank");
    assertRejected(
        () -> new FeedbackEvent(QUERY_ID, "d", false, "t", "s", -1, null),
        "at must be >= 0, was -1");
    assertRejected(
        () -> SampleEvents.feedback(QUERY_ID, "x".repeat(1_001)),
        "comment must be at most 1000 characters, was 1001");
  }

  @Test
  void toStringLeavesOutTheComment() {
    assertThat(SampleEvents.feedback(QUERY_ID, "secret opinion").toString())
        .contains(QUERY_ID, "pg:public.documents:42", "relevant=true", "comment=<14 chars>")
        .doesNotContain("secret");
  }

  private static void assertRejected(Runnable construct, String message) {
    assertThatThrownBy(construct::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }
}
