package io.ragstream.core.event;

/**
 * A caller's judgement of one hit of an earlier query, as published on {@code ragstream.feedback}
 * (Kafka key = {@link #queryId()}, so it lands on the same partition number as its {@link
 * QueryEvent} when both topics have the same partition count; JSON by {@link GatewayEventJson};
 * contract in docs/contracts.md). Training joins it with the query on {@code queryId}.
 *
 * <p>{@link #toString()} leaves out the comment text so that an event can be logged.
 *
 * @param queryId the {@link QueryEvent#queryId()} the feedback is about, a UUID in canonical
 *     lowercase form
 * @param documentId the judged document; never blank
 * @param relevant whether the caller found the document relevant to the query
 * @param tenant the caller's tenant; never blank
 * @param subject the caller who gave the feedback; never blank
 * @param at when the feedback was received, epoch milliseconds, {@code >= 0}
 * @param comment free text from the caller, at most {@value #MAX_COMMENT_CHARS} UTF-16 characters;
 *     {@code null} when none
 * @throws IllegalArgumentException from the constructor, naming the field, when a value breaks the
 *     rules above
 */
public record FeedbackEvent(
    String queryId,
    String documentId,
    boolean relevant,
    String tenant,
    String subject,
    long at,
    String comment) {

  /** Longest accepted {@link #comment()}, in UTF-16 characters. */
  public static final int MAX_COMMENT_CHARS = 1_000;

  public FeedbackEvent {
    QueryEvent.requireQueryId(queryId);
    QueryEvent.requireNotBlank("documentId", documentId);
    QueryEvent.requireNotBlank("tenant", tenant);
    QueryEvent.requireNotBlank("subject", subject);
    if (at < 0) {
      throw new IllegalArgumentException("at must be >= 0, was " + at);
    }
    if (comment != null && comment.length() > MAX_COMMENT_CHARS) {
      throw new IllegalArgumentException(
          "comment must be at most " + MAX_COMMENT_CHARS + " characters, was " + comment.length());
    }
  }

  /** Everything but the comment text. */
  @Override
  public String toString() {
    return "FeedbackEvent[queryId="
        + queryId
        + ", documentId="
        + documentId
        + ", relevant="
        + relevant
        + ", tenant="
        + tenant
        + ", subject="
        + subject
        + ", at="
        + at
        + ", comment="
        + (comment == null ? "null" : "<" + comment.length() + " chars>")
        + "]";
  }
}
