package io.ragstream.gateway.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns the credentials of an HTTP request (or of a WebSocket handshake, before the upgrade) into a
 * {@link Caller}.
 *
 * <p>Credentials are read from, in order: {@code Authorization: Bearer <token>} (a JWT when JWT is
 * configured and the token has three dot-separated parts, an API key otherwise), {@code X-API-Key:
 * <key>}, and — because browsers cannot set headers on a WebSocket handshake — the query parameters
 * {@code access_token} (JWT) and {@code api_key}. A request without any credential acts as {@link
 * AuthSettings#anonymous()} if one is configured. Wrong credentials never fall back to anonymous.
 *
 * <p>JWTs are verified by vertx-auth-jwt (signature, {@code exp}, {@code nbf}, issuer and audience
 * when configured); the caller is {@code sub}, the tenant claim and the groups claim ({@link
 * JwtSettings}). API keys are compared by their SHA-256, so the configuration holds no key.
 *
 * <p>Failures are {@link AuthenticationException}s (HTTP 401) with a message that names what is
 * wrong without echoing the credential.
 */
public final class CallerAuthenticator {

  private final AuthSettings settings;
  private final Map<String, Caller> callersByKeyHash = new HashMap<>();
  private final JWTAuth jwt;

  public CallerAuthenticator(Vertx vertx, AuthSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    for (ApiKey key : settings.apiKeys()) {
      if (callersByKeyHash.put(key.sha256(), key.caller()) != null) {
        throw new IllegalArgumentException("the same API key is configured twice");
      }
    }
    JwtSettings j = settings.jwt();
    if (j == null) {
      this.jwt = null;
    } else {
      JWTOptions options = new JWTOptions().setLeeway((int) j.leeway().toSeconds());
      if (j.issuer() != null) options.setIssuer(j.issuer());
      if (j.audience() != null) options.addAudience(j.audience());
      this.jwt =
          JWTAuth.create(
              vertx,
              new JWTAuthOptions()
                  .addPubSecKey(
                      new PubSecKeyOptions().setAlgorithm(j.algorithm()).setBuffer(j.key()))
                  .setJWTOptions(options));
    }
  }

  /** The settings this authenticator enforces. */
  public AuthSettings settings() {
    return settings;
  }

  /**
   * The caller of {@code request}; fails with {@link AuthenticationException} when credentials are
   * missing (and no anonymous caller is configured) or wrong.
   */
  public Future<Caller> authenticate(HttpServerRequest request) {
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization != null) {
      if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return fail("the Authorization header must be 'Bearer <token>'");
      }
      String token = authorization.substring(7).strip();
      return jwt != null && looksLikeJwt(token) ? verifyJwt(token) : apiKey(token);
    }
    String header = request.getHeader("X-API-Key");
    if (header != null) return apiKey(header.strip());
    String accessToken = request.getParam("access_token");
    if (accessToken != null) {
      return jwt == null ? fail("JWT authentication is not configured") : verifyJwt(accessToken);
    }
    String apiKey = request.getParam("api_key");
    if (apiKey != null) return apiKey(apiKey);
    if (settings.anonymous() != null) return Future.succeededFuture(settings.anonymous());
    return fail(
        "authentication required: send 'Authorization: Bearer <token>' or 'X-API-Key: <key>'");
  }

  private Future<Caller> apiKey(String key) {
    Caller caller = key.isEmpty() ? null : callersByKeyHash.get(ApiKey.hash(key));
    return caller == null ? fail("unknown API key") : Future.succeededFuture(caller);
  }

  private Future<Caller> verifyJwt(String token) {
    return jwt.authenticate(new TokenCredentials(token))
        .recover(e -> fail("invalid token: " + e.getMessage()))
        .compose(
            user -> {
              JsonObject claims = user.attributes().getJsonObject("accessToken");
              if (claims == null) claims = user.principal();
              return caller(claims);
            });
  }

  private Future<Caller> caller(JsonObject claims) {
    JwtSettings j = settings.jwt();
    Object sub = claims.getValue("sub");
    if (!(sub instanceof String subject) || subject.isBlank()) {
      return fail("invalid token: no 'sub' claim");
    }
    Object tenantValue = claims.getValue(j.tenantClaim());
    if (!(tenantValue instanceof String tenant) || tenant.isBlank()) {
      return fail("invalid token: no '" + j.tenantClaim() + "' claim (the caller's tenant)");
    }
    Set<String> groups = new LinkedHashSet<>();
    Object groupsValue = claims.getValue(j.groupsClaim());
    if (groupsValue instanceof JsonArray array) {
      for (Object group : array) {
        if (!(group instanceof String g) || g.isBlank()) {
          return fail("invalid token: '" + j.groupsClaim() + "' must be an array of strings");
        }
        groups.add(g);
      }
    } else if (groupsValue != null) {
      return fail("invalid token: '" + j.groupsClaim() + "' must be an array of strings");
    }
    return Future.succeededFuture(new Caller(subject, tenant, groups, "jwt"));
  }

  private static boolean looksLikeJwt(String token) {
    int first = token.indexOf('.');
    return first > 0 && token.indexOf('.', first + 1) > first + 1;
  }

  private static <T> Future<T> fail(String message) {
    return Future.failedFuture(new AuthenticationException(message));
  }
}
