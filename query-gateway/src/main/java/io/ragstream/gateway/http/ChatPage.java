package io.ragstream.gateway.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The web chat page: {@code GET /} serves {@code webroot/index.html} and {@code GET /assets/*} its
 * script, style sheet and icon, from the class path, without authentication (the page holds no
 * data; it talks to {@code /v1/chat}, which authenticates). HEAD works too.
 *
 * <p>Every response of these routes carries a Content-Security-Policy that allows only the
 * gateway's own scripts, styles, images and connections (no inline script, no framing), {@code
 * X-Content-Type-Options: nosniff}, {@code Referrer-Policy: no-referrer} and {@code Cache-Control:
 * no-cache} (so a new gateway version is picked up at once). A path under {@code /assets/} with no
 * file falls through to the router's JSON 404; other methods get its JSON 405.
 */
final class ChatPage {
  /** CSP level 3: {@code 'self'} in connect-src also allows {@code ws:}/{@code wss:} to itself. */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src"
          + " 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private ChatPage() {}

  /** Adds the page's routes to {@code router}. */
  static void mount(Router router) {
    router
        .route("/")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(ChatPage::securityHeaders)
        .handler(files("webroot").setIndexPage("index.html"));
    // A route ending in /* hands the static handler the path below it: /assets/chat.js -> chat.js.
    router
        .route("/assets/*")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(ChatPage::securityHeaders)
        .handler(files("webroot/assets"));
  }

  private static StaticHandler files(String classPathFolder) {
    return StaticHandler.create(classPathFolder)
        .setDirectoryListing(false)
        .setCachingEnabled(false);
  }

  private static void securityHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Cache-Control", "no-cache");
    ctx.next();
  }
}
