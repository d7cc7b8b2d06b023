package io.ragstream.gateway.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.ragstream.core.error.RetriableException;
import io.ragstream.core.log.LogKeys;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The one place that turns a failed or unrouted request into {@code {"error": {"code",
 * "message"}}}.
 *
 * <p>Installed both as the failure handler of every route and as the router's error handler for the
 * statuses the router produces itself (404, 405, ...). An {@link HttpException} carries the status
 * and a client-facing message (its payload); any other exception is a 500 with a generic message
 * (503 for a {@link RetriableException}) and is logged with its stack trace; the request body and
 * the query text are never logged.
 */
final class ErrorHandler implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorHandler.class);

  /** Statuses for which the router calls its error handler without a failing route. */
  static final int[] ROUTER_STATUSES = {400, 404, 405, 406, 413, 414, 415, 431, 500, 503};

  private final long maxBodyBytes;

  ErrorHandler(long maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String requestId = RequestIds.of(ctx);
    if (requestId == null) {
      respond(ctx);
      return;
    }
    try (MDC.MDCCloseable ignored = MDC.putCloseable(LogKeys.REQUEST_ID, requestId)) {
      respond(ctx);
    }
  }

  private void respond(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status;
    String message;
    if (failure instanceof HttpException http) {
      status = http.getStatusCode();
      message = http.getPayload() != null ? http.getPayload() : defaultMessage(ctx, status);
    } else if (failure != null) {
      status = failure instanceof RetriableException ? 503 : 500;
      message = status == 503 ? "temporarily unavailable, retry later" : "internal error";
      LOG.error(
          "{} {} failed with {}", ctx.request().method(), ctx.request().path(), status, failure);
    } else {
      status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      message = defaultMessage(ctx, status);
    }
    if (status < 500) {
      LOG.debug("{} {} -> {}: {}", ctx.request().method(), ctx.request().path(), status, message);
    }
    if (ctx.response().ended() || ctx.response().closed() || ctx.response().headWritten()) {
      return;
    }
    Responses.json(ctx, status, ErrorResponse.of(code(status), message));
  }

  private String defaultMessage(RoutingContext ctx, int status) {
    return switch (status) {
      case 404 -> "no resource at " + ctx.request().path();
      case 405 -> "method " + ctx.request().method() + " is not allowed on " + ctx.request().path();
      case 413 -> "request body exceeds " + maxBodyBytes + " bytes";
      case 415 -> "unsupported Content-Type; send application/json";
      case 500 -> "internal error";
      default -> HttpResponseStatus.valueOf(status).reasonPhrase();
    };
  }

  /** {@code bad_request}, {@code not_found}, ... from the status's reason phrase. */
  static String code(int status) {
    return switch (status) {
      case 413 -> "payload_too_large";
      case 500 -> "internal_error";
      case 503 -> "unavailable";
      default ->
          HttpResponseStatus.valueOf(status)
              .reasonPhrase()
              .toLowerCase(Locale.ROOT)
              .replaceAll("[^a-z0-9]+", "_")
              .replaceAll("^_|_$", "");
    };
  }
}
