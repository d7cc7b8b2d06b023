package io.ragstream.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.json.Json;
import io.ragstream.gateway.index.IndexAdmin;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.Callable;

/**
 * The index-generation admin API (docs/reindex.md), every route behind the bearer token of {@link
 * IndexAdmin#adminToken()} (401 without it):
 *
 * <ul>
 *   <li>{@code GET /admin/index}: 200 with the generations
 *   <li>{@code POST /admin/index/reindex} {@code {"embedder": NAME}}: 202, the build has started
 *   <li>{@code POST /admin/index/rollback}: 200, the previous generation serves again
 *   <li>{@code POST /admin/index/retire}: 200, the previous generation is deleted
 * </ul>
 *
 * <p>A refusal is 400 (bad argument) or 409 (not allowed in the current state) with the reason. The
 * token is a separate secret from the API keys of {@code /v1}: the gateway's auth has no admin
 * role, and whoever can read the data directory (where {@code ragstream local} writes the token)
 * can already delete the index.
 */
final class IndexAdminRoutes {
  private IndexAdminRoutes() {}

  static void mount(Router router, IndexAdmin admin, long maxBodyBytes) {
    byte[] token = ("Bearer " + admin.adminToken()).getBytes(StandardCharsets.UTF_8);
    if (admin.adminToken().length() < 16) {
      throw new IllegalArgumentException("the admin token must have at least 16 characters");
    }
    router
        .route("/admin/index*")
        .handler(
            ctx -> {
              String presented = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
              if (presented == null
                  || !MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
                ctx.fail(new HttpException(401, "admin token required (Authorization: Bearer)"));
                return;
              }
              ctx.next();
            });
    router.get("/admin/index").handler(ctx -> run(ctx, 200, admin::status));
    router
        .post("/admin/index/reindex")
        .handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes))
        .handler(ctx -> run(ctx, 202, () -> admin.reindex(embedder(ctx))));
    router.post("/admin/index/rollback").handler(ctx -> run(ctx, 200, admin::rollback));
    router.post("/admin/index/retire").handler(ctx -> run(ctx, 200, admin::retire));
  }

  private static String embedder(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    JsonNode root;
    try {
      root = Json.mapper().readTree(body == null ? new byte[0] : body.getBytes());
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("body must be JSON {\"embedder\": NAME}");
    }
    JsonNode name = root == null ? null : root.get("embedder");
    if (name == null || !name.isTextual() || name.asText().isBlank()) {
      throw new IllegalArgumentException("field 'embedder' must be a non-blank string");
    }
    return name.asText();
  }

  private static void run(RoutingContext ctx, int status, Callable<Object> operation) {
    ctx.vertx()
        .executeBlocking(operation, false)
        .onSuccess(body -> Responses.json(ctx, status, body))
        .onFailure(
            e -> {
              if (e instanceof IllegalArgumentException) {
                ctx.fail(new HttpException(400, e.getMessage()));
              } else if (e instanceof IllegalStateException) {
                ctx.fail(new HttpException(409, e.getMessage()));
              } else {
                ctx.fail(e);
              }
            });
  }
}
