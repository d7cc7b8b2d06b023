package io.ragstream.gateway.http;

import io.ragstream.core.json.Json;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;

/** Writes JSON responses with the shared Jackson mapper. */
final class Responses {
  static final String JSON = "application/json";

  private Responses() {}

  /** Ends the response with {@code status} and {@code body} serialized as JSON. */
  static Future<Void> json(RoutingContext ctx, int status, Object body) {
    return ctx.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end(Json.write(body));
  }

  /** ISO-8601 instant of an epoch-ms time, or null for 0 (nothing applied yet). */
  static String instant(long epochMillis) {
    return epochMillis <= 0 ? null : Instant.ofEpochMilli(epochMillis).toString();
  }
}
