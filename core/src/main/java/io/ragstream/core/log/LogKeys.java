package io.ragstream.core.log;

/**
 * The SLF4J {@link org.slf4j.MDC} keys ragstream puts on log events, so that one request or one
 * document can be followed through the logs (docs/observability.md, "Logs"). With {@code
 * RAGSTREAM_LOG_FORMAT=json} they appear as fields of the {@code mdc} object of each JSON line.
 */
public final class LogKeys {
  private LogKeys() {}

  /**
   * The gateway request id: the caller's {@code X-Request-Id} header when it is a valid one, else a
   * random UUID; returned in the response's {@code X-Request-Id} header.
   */
  public static final String REQUEST_ID = "requestId";

  /** The query id of a search, answer or chat turn (the {@code queryId} clients and events see). */
  public static final String QUERY_ID = "queryId";

  /** The document id a pipeline stage is working on ({@code pg:public.documents:42}). */
  public static final String DOCUMENT_ID = "documentId";
}
