package io.ragstream.gateway.http;

import io.ragstream.core.log.LogKeys;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Gives every request an id for the logs: the caller's {@value #HEADER} header when it is 1 to 128
 * characters of {@code [A-Za-z0-9._:-]}, else a random UUID. The id is echoed in the response's
 * {@value #HEADER} header and put on log events of the request as the MDC key {@link
 * LogKeys#REQUEST_ID} (by the handlers that log, see {@link #of}).
 */
final class RequestIds implements Handler<RoutingContext> {

  /** The request and response header. */
  static final String HEADER = "X-Request-Id";

  private static final String KEY = "ragstream.requestId";

  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  @Override
  public void handle(RoutingContext ctx) {
    String given = ctx.request().getHeader(HEADER);
    String id =
        given != null && VALID.matcher(given).matches() ? given : UUID.randomUUID().toString();
    ctx.put(KEY, id);
    ctx.response().putHeader(HEADER, id);
    ctx.next();
  }

  /** The request's id, or {@code null} when the request did not pass this handler. */
  static String of(RoutingContext ctx) {
    return ctx.get(KEY);
  }
}
