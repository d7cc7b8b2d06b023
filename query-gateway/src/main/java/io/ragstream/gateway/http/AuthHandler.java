package io.ragstream.gateway.http;

import io.ragstream.gateway.auth.Caller;
import io.ragstream.gateway.auth.CallerAuthenticator;
import io.ragstream.gateway.auth.RateLimiter;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;

/**
 * Authenticates the request ({@link CallerAuthenticator}) and applies the caller's rate limit; puts
 * the {@link Caller} under {@link #CALLER} for the handlers after it. 401 (with {@code
 * WWW-Authenticate: Bearer}) for missing or wrong credentials, 429 (with {@code Retry-After}, whole
 * seconds) over the limit.
 */
public final class AuthHandler implements Handler<RoutingContext> {

  /** Routing-context key of the authenticated {@link Caller}. */
  public static final String CALLER = "ragstream.caller";

  private final CallerAuthenticator authenticator;
  private final RateLimiter limiter;

  public AuthHandler(CallerAuthenticator authenticator, RateLimiter limiter) {
    this.authenticator = authenticator;
    this.limiter = limiter;
  }

  @Override
  public void handle(RoutingContext ctx) {
    authenticator
        .authenticate(ctx.request())
        .onSuccess(
            caller -> {
              long waitNanos = limiter.tryAcquire(caller);
              if (waitNanos > 0) {
                ctx.response()
                    .putHeader(
                        "Retry-After",
                        Long.toString(Math.max(1, (waitNanos + 999_999_999) / 1_000_000_000)));
                ctx.fail(
                    new HttpException(
                        429, "rate limit of " + limiter.perSecond() + " requests/s exceeded"));
                return;
              }
              ctx.put(CALLER, caller);
              ctx.next();
            })
        .onFailure(
            e -> {
              ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"ragstream\"");
              ctx.fail(new HttpException(401, e.getMessage()));
            });
  }

  /** The caller {@link AuthHandler} put on {@code ctx}. */
  public static Caller caller(RoutingContext ctx) {
    Caller caller = ctx.get(CALLER);
    if (caller == null) throw new IllegalStateException("route has no AuthHandler");
    return caller;
  }
}
