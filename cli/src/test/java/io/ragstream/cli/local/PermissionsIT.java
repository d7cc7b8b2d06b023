package io.ragstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.core.json.Json;
import io.ragstream.gateway.auth.ApiKey;
import io.ragstream.gateway.events.GatewayEvents;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Permissions end to end: rows of several tenants with random ACLs go through PostgreSQL → Debezium
 * → Kafka → Flink → Lucene, and many random principals (JWTs, plus one API key) search and ask
 * through the gateway. No hit, citation or answer sentence may come from a row the principal may
 * not read, and an ACL change in the source takes effect as fast as a content change.
 *
 * <p>Every row's sentences carry the row's code word, so an answer sentence taken from a row gives
 * itself away. The seed is printed; set {@code -Dragstream.it.seed=N} to replay a run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PermissionsIT {
  private static final String JDBC =
      System.getProperty("ragstream.it.jdbcUrl", "jdbc:postgresql://127.0.0.1:5432/postgres");
  private static final Duration WAIT = Duration.ofSeconds(90);

  /**
   * The freshness promise (README: searchable about a second after the commit), with room for a
   * shared 2-core CI machine. The measured figure is printed.
   */
  private static final Duration FRESHNESS_BOUND = Duration.ofSeconds(5);

  private static final String SECRET = "permissions-it-secret-0123456789abcdef";
  private static final String API_KEY = "permissions-it-api-key-0123";
  private static final List<String> TENANTS = List.of("acme", "globex", "initech");
  private static final List<String> USERS = List.of("u0", "u1", "u2", "u3", "u4", "u5");
  private static final List<String> GROUPS = List.of("eng", "hr", "sales", "exec");
  private static final String[] TOPICS = {
    "Engineers get paid vacation days and the unused vacation carries over to next year",
    "Salary bands are reviewed by the compensation committee every spring",
    "The security incident was contained after the intrusion on the build servers",
    "The product launch moves to the autumn because the supplier is late",
    "Parental leave policy grants sixteen weeks of paid leave to every parent",
    "Travel expenses above the limit need approval from a director",
  };
  private static final String[] QUESTIONS = {
    "How many vacation days do engineers get?",
    "When are salary bands reviewed?",
    "What happened in the security incident?",
    "Why is the product launch delayed?",
    "How long is parental leave?",
    "Who approves travel expenses?",
    "paid leave policy",
    "compensation committee salary",
  };

  @TempDir static Path dataDir;

  private final long seed = Long.getLong("ragstream.it.seed", System.nanoTime());
  private final Random random = new Random(seed);
  private final String suffix = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
  private final String table = "ragstream_it_perm_" + suffix;
  private final String slot = "ragstream_it_perm_" + suffix;
  private final String publication = "ragstream_it_pub_perm_" + suffix;
  private final HttpClient http = HttpClient.newHttpClient();

  /** key → the row as written to PostgreSQL (the ground truth of who may read what). */
  private final Map<String, Row> rows = new LinkedHashMap<>();

  private Connection db;
  private LocalPlatform platform;
  private Vertx vertx;
  private JWTAuth issuer;

  private record Row(String key, String tenant, List<String> acl, String code, String body) {
    boolean readableBy(Principal p) {
      if (!tenant.equals(p.tenant)) return false;
      for (String entry : acl) {
        if (entry.equals(p.subject) || p.groups.contains(entry)) return true;
      }
      return false;
    }
  }

  private record Principal(String subject, String tenant, Set<String> groups) {}

  @BeforeAll
  void start() throws Exception {
    System.out.println("PermissionsIT seed = " + seed);
    db = DriverManager.getConnection(JDBC, "postgres", "");
    exec(
        "create table public."
            + table
            + " (id text primary key, title text, body text, tenant text, acl text[],"
            + " updated_at timestamptz)");
    for (int i = 0; i < 36; i++) {
      String tenant = TENANTS.get(random.nextInt(TENANTS.size()));
      List<String> acl = new ArrayList<>();
      if (random.nextInt(8) > 0) { // one row in eight has an empty ACL: readable by nobody
        int n = 1 + random.nextInt(3);
        for (int j = 0; j < n; j++) {
          acl.add(
              random.nextBoolean()
                  ? USERS.get(random.nextInt(USERS.size()))
                  : GROUPS.get(random.nextInt(GROUPS.size())));
        }
      }
      String code = "zq" + i + "x" + (char) ('a' + random.nextInt(26));
      StringBuilder body = new StringBuilder();
      for (int s = 0; s < 2; s++) {
        body.append(TOPICS[random.nextInt(TOPICS.length)])
            .append(" at ")
            .append(tenant)
            .append(" (ref ")
            .append(code)
            .append("). ");
      }
      write(new Row("d" + i, tenant, List.copyOf(new LinkedHashSet<>(acl)), code, body.toString()));
    }

    Path keys = dataDir.resolve("keys.yaml");
    Files.writeString(
        keys,
        "keys:\n  - {sha256: "
            + ApiKey.hash(API_KEY)
            + ", subject: u1, tenant: acme, groups: [eng]}\n");
    Map<String, String> flags = new HashMap<>();
    flags.put("data-dir", dataDir.resolve("platform").toString());
    flags.put("source.jdbc-url", JDBC);
    flags.put("source.table", "public." + table);
    flags.put("source.slot", slot);
    flags.put("source.publication", publication);
    flags.put("source.topic-prefix", "perm" + suffix);
    flags.put("gateway.port", "0");
    flags.put("indexing.checkpoint-interval", "1s");
    flags.put("gateway.auth.jwt.secret", SECRET);
    flags.put("gateway.auth.api-keys-file", keys.toString());
    flags.put("gateway.rate-limit.per-second", "1000");
    flags.put("gateway.rate-limit.burst", "1000");
    platform =
        LocalPlatform.start(
            LocalConfig.from(Settings.load(null, Map.of(), flags, LocalConfig.KEYS)));
    vertx = Vertx.vertx();
    issuer =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    await().atMost(WAIT).until(platform::ready);
  }

  @AfterAll
  void stop() throws Exception {
    if (platform != null) platform.close();
    if (vertx != null) vertx.close().await();
    exec(
        "select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '"
            + slot
            + "' and not active");
    exec("drop publication if exists " + publication);
    exec("drop table if exists public." + table);
    db.close();
  }

  @Test
  @Order(1)
  void noHitCitationOrAnswerSentenceComesFromARowTheCallerMayNotRead() throws Exception {
    int hits = 0;
    int answersWithCitations = 0;
    int principals = 60;
    for (int i = 0; i < principals; i++) {
      Principal p = randomPrincipal();
      String token = token(p);
      String question = QUESTIONS[random.nextInt(QUESTIONS.length)];
      String context = "seed " + seed + ", principal " + p + ", question '" + question + "'";

      JsonNode search =
          post("/v1/search", token, new JsonObject().put("query", question).put("k", 20));
      for (JsonNode h : search.get("hits")) {
        assertThat(readable(p, h.get("documentId").asText())).as(context + ", hit " + h).isTrue();
        hits++;
      }

      JsonNode answer =
          post("/v1/answer", token, new JsonObject().put("question", question).put("k", 5));
      for (JsonNode c : answer.get("citations")) {
        assertThat(readable(p, c.get("documentId").asText()))
            .as(context + ", citation " + c)
            .isTrue();
      }
      if (!answer.get("citations").isEmpty()) answersWithCitations++;
      String text = answer.get("answer").asText();
      for (Row r : rows.values()) {
        if (!r.readableBy(p)) {
          assertThat(text).as(context + ", answer text").doesNotContain(r.code);
        }
      }
    }
    System.out.printf(
        "PermissionsIT: %d principals, %d hits and %d cited answers checked%n",
        principals, hits, answersWithCitations);
    // The check must have had something to check.
    assertThat(hits).as("hits returned over all principals").isGreaterThan(principals);
    assertThat(answersWithCitations).isGreaterThan(principals / 4);

    // The API key caller is filtered the same way.
    Principal keyCaller = new Principal("u1", "acme", Set.of("eng"));
    JsonNode search =
        post("/v1/search", API_KEY, new JsonObject().put("query", "paid vacation").put("k", 20));
    for (JsonNode h : search.get("hits")) {
      assertThat(readable(keyCaller, h.get("documentId").asText())).isTrue();
    }
  }

  @Test
  @Order(2)
  void revokingAccessInTheSourceRemovesTheRowAsFastAsAContentChange() throws Exception {
    Row target = rows.get("d0");
    Principal reader = new Principal("u-reader", target.tenant, Set.of("readers"));
    write(new Row(target.key, target.tenant, List.of("readers"), target.code, target.body));
    String token = token(reader);
    await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> visible(token, target));

    // Revoke: the reader's group leaves the ACL.
    long revokedAt = System.nanoTime();
    write(new Row(target.key, target.tenant, List.of("u0"), target.code, target.body));
    await()
        .atMost(FRESHNESS_BOUND)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> !visible(token, target));
    long revokeMs = (System.nanoTime() - revokedAt) / 1_000_000;

    // Move to another tenant: a reader of the old tenant loses it, one of the new tenant gains it.
    String otherTenant = TENANTS.stream().filter(t -> !t.equals(target.tenant)).findFirst().get();
    Principal oldTenant = new Principal("u0", target.tenant, Set.of());
    Principal newTenant = new Principal("u0", otherTenant, Set.of());
    await().atMost(WAIT).until(() -> visible(token(oldTenant), target));
    long movedAt = System.nanoTime();
    write(new Row(target.key, otherTenant, List.of("u0"), target.code, target.body));
    await()
        .atMost(FRESHNESS_BOUND)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> !visible(token(oldTenant), target) && visible(token(newTenant), target));
    long moveMs = (System.nanoTime() - movedAt) / 1_000_000;

    // A content change on the same path, for comparison.
    String newCode = target.code + "v2";
    long editedAt = System.nanoTime();
    write(
        new Row(
            target.key,
            otherTenant,
            List.of("u0"),
            newCode,
            target.body + " (ref " + newCode + ")."));
    Row edited = rows.get(target.key);
    await()
        .atMost(FRESHNESS_BOUND)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> visible(token(newTenant), edited, newCode));
    long editMs = (System.nanoTime() - editedAt) / 1_000_000;
    System.out.printf(
        "PermissionsIT: commit to effect through the gateway: ACL revoke %d ms, tenant move %d ms,"
            + " content change %d ms (bound %d ms)%n",
        revokeMs, moveMs, editMs, FRESHNESS_BOUND.toMillis());
  }

  @Test
  @Order(3)
  void queriesAndFeedbackArePublishedToKafka() throws Exception {
    Principal p = new Principal("u0", rows.get("d0").tenant, Set.of());
    String token = token(p);
    JsonNode search =
        post("/v1/search", token, new JsonObject().put("query", rows.get("d0").code).put("k", 5));
    String queryId = search.get("queryId").asText();
    String documentId = search.get("hits").get(0).get("documentId").asText();
    HttpResponse<String> feedback =
        send(
            "/v1/feedback",
            token,
            new JsonObject()
                .put("queryId", queryId)
                .put("documentId", documentId)
                .put("relevant", true));
    assertThat(feedback.statusCode()).as(feedback.body()).isEqualTo(202);

    Map<String, JsonNode> queries = consume(GatewayEvents.QUERIES_TOPIC, queryId);
    Map<String, JsonNode> judged = consume(GatewayEvents.FEEDBACK_TOPIC, queryId);
    JsonNode q = queries.get(queryId);
    assertThat(q.get("kind").asText()).isEqualTo("search");
    assertThat(q.get("tenant").asText()).isEqualTo(p.tenant);
    assertThat(q.get("subject").asText()).isEqualTo("u0");
    assertThat(q.get("embedding")).hasSize(384);
    assertThat(q.get("documentIds").get(0).asText()).isEqualTo(documentId);
    JsonNode f = judged.get(queryId);
    assertThat(f.get("documentId").asText()).isEqualTo(documentId);
    assertThat(f.get("relevant").asBoolean()).isTrue();
  }

  // --- helpers ---------------------------------------------------------------------------------

  private Principal randomPrincipal() {
    Set<String> groups = new HashSet<>();
    for (String g : GROUPS) {
      if (random.nextInt(3) == 0) groups.add(g);
    }
    return new Principal(
        USERS.get(random.nextInt(USERS.size())),
        TENANTS.get(random.nextInt(TENANTS.size())),
        groups);
  }

  private String token(Principal p) {
    return issuer.generateToken(
        new JsonObject()
            .put("sub", p.subject)
            .put("tenant", p.tenant)
            .put("groups", new JsonArray(new ArrayList<>(p.groups))),
        new JWTOptions().setExpiresInMinutes(30));
  }

  private boolean readable(Principal p, String documentId) {
    String prefix = "pg:public." + table + ":";
    assertThat(documentId).startsWith(prefix);
    Row r = rows.get(documentId.substring(prefix.length()));
    return r != null && r.readableBy(p);
  }

  private boolean visible(String token, Row row) throws Exception {
    return visible(token, row, row.code);
  }

  /** Whether a BM25 search for the code word returns the row. */
  private boolean visible(String token, Row row, String code) throws Exception {
    JsonNode r =
        post(
            "/v1/search",
            token,
            new JsonObject().put("query", code).put("k", 5).put("mode", "bm25"));
    for (JsonNode h : r.get("hits")) {
      if (h.get("documentId").asText().endsWith(":" + row.key)
          && h.get("text").asText().contains(code)) {
        return true;
      }
    }
    return false;
  }

  private JsonNode post(String path, String credential, JsonObject body) throws Exception {
    HttpResponse<String> r = send(path, credential, body);
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body());
  }

  private HttpResponse<String> send(String path, String credential, JsonObject body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(platform.gatewayUrl() + path))
            .header("Authorization", "Bearer " + credential)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
            .build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private void write(Row row) throws Exception {
    try (PreparedStatement s =
        db.prepareStatement(
            "insert into public."
                + table
                + " (id, title, body, tenant, acl, updated_at) values (?, ?, ?, ?, ?, now())"
                + " on conflict (id) do update set title = excluded.title, body = excluded.body,"
                + " tenant = excluded.tenant, acl = excluded.acl, updated_at = now()")) {
      Array acl = db.createArrayOf("text", row.acl.toArray());
      s.setString(1, row.key);
      s.setString(2, "Row " + row.key);
      s.setString(3, row.body);
      s.setString(4, row.tenant);
      s.setArray(5, acl);
      s.executeUpdate();
    }
    rows.put(row.key, row);
  }

  private void exec(String sql) throws Exception {
    try (Statement s = db.createStatement()) {
      s.execute(sql);
    }
  }

  /** Reads {@code topic} from the start until the record keyed {@code key} shows up. */
  private Map<String, JsonNode> consume(String topic, String key) throws Exception {
    Map<String, JsonNode> out = new HashMap<>();
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                platform.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "perm-it-" + topic + "-" + suffix,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!out.containsKey(key) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          out.put(r.key(), Json.mapper().readTree(r.value()));
        }
      }
    }
    assertThat(out).as("a record keyed %s on %s", key, topic).containsKey(key);
    return out;
  }
}
