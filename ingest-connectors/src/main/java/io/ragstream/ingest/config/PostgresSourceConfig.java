package io.ragstream.ingest.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Configuration of the PostgreSQL CDC source ({@link io.ragstream.ingest.cdc.PostgresCdcSource}).
 *
 * <p>{@code null} for {@code topicPrefix}, {@code slotName}, {@code publicationName} or {@code
 * password} means the default. Validation happens here, at construction, and names the field and
 * the bad value.
 *
 * @param jdbcUrl {@code jdbc:postgresql://host[:port]/database[?params]} (one host; port defaults
 *     to 5432; only {@code sslmode} of the parameters is passed on to Debezium)
 * @param user database user; needs the REPLICATION attribute (or superuser) and the right to create
 *     publications on the mapped tables
 * @param password password, masked in {@link #toString()}
 * @param topicPrefix Debezium {@code topic.prefix}: raw events go to {@code
 *     <topicPrefix>.<schema>.<table>} (default {@value #DEFAULT_TOPIC_PREFIX})
 * @param slotName logical replication slot (default {@value #DEFAULT_SLOT_NAME}); {@code
 *     [a-z0-9_]{1,63}} as PostgreSQL requires
 * @param publicationName pgoutput publication (default {@value #DEFAULT_PUBLICATION_NAME}), created
 *     by Debezium for exactly the mapped tables
 * @param tables the mapped tables, at least one, no table twice
 * @param offsetsFile file of Debezium's {@code FileOffsetBackingStore}; keep it with the data dir:
 *     a restart with the same file resumes from the last acknowledged change without a new snapshot
 * @throws IllegalArgumentException naming the field when a value is invalid
 */
public record PostgresSourceConfig(
    String jdbcUrl,
    String user,
    Secret password,
    String topicPrefix,
    String slotName,
    String publicationName,
    List<TableMapping> tables,
    Path offsetsFile)
    implements CdcSourceConfig {

  /** DESIGN.md's default source database. */
  public static final String DEFAULT_JDBC_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";

  /** DESIGN.md's default source user. */
  public static final String DEFAULT_USER = "postgres";

  /** Default Debezium topic prefix. */
  public static final String DEFAULT_TOPIC_PREFIX = "ragstream";

  /** Default replication slot name. */
  public static final String DEFAULT_SLOT_NAME = "ragstream";

  /** Default publication name. */
  public static final String DEFAULT_PUBLICATION_NAME = "ragstream_pub";

  /** Default offsets file name inside the data dir ({@link #defaults(Path)}). */
  public static final String DEFAULT_OFFSETS_FILE = "debezium-offsets.dat";

  /** Default PostgreSQL port when the JDBC URL names none. */
  public static final int DEFAULT_PORT = 5432;

  private static final String JDBC_PREFIX = "jdbc:postgresql://";
  private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
  private static final Pattern TOPIC_PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,200}");

  public PostgresSourceConfig {
    if (jdbcUrl == null || jdbcUrl.isBlank()) {
      throw new IllegalArgumentException("source.jdbcUrl must not be blank");
    }
    parse(jdbcUrl); // validates
    if (user == null || user.isBlank()) {
      throw new IllegalArgumentException("source.user must not be blank");
    }
    password = password == null ? Secret.none() : password;
    topicPrefix = topicPrefix == null ? DEFAULT_TOPIC_PREFIX : topicPrefix;
    slotName = slotName == null ? DEFAULT_SLOT_NAME : slotName;
    publicationName = publicationName == null ? DEFAULT_PUBLICATION_NAME : publicationName;
    if (!TOPIC_PREFIX.matcher(topicPrefix).matches()) {
      throw new IllegalArgumentException(
          "source.topicPrefix must match " + TOPIC_PREFIX + ", was '" + topicPrefix + "'");
    }
    if (!SLOT_NAME.matcher(slotName).matches()) {
      throw new IllegalArgumentException(
          "source.slotName must match "
              + SLOT_NAME
              + " (PostgreSQL slot names), was '"
              + slotName
              + "'");
    }
    if (!IDENTIFIER.matcher(publicationName).matches()) {
      throw new IllegalArgumentException(
          "source.publicationName must match " + IDENTIFIER + ", was '" + publicationName + "'");
    }
    if (tables == null || tables.isEmpty()) {
      throw new IllegalArgumentException("source.tables must name at least one table");
    }
    tables = List.copyOf(tables);
    Set<String> seen = new HashSet<>();
    for (TableMapping t : tables) {
      if (!seen.add(t.qualifiedName())) {
        throw new IllegalArgumentException(
            "source.tables maps " + t.qualifiedName() + " more than once");
      }
    }
    Objects.requireNonNull(offsetsFile, "source.offsetsFile must not be null");
  }

  /**
   * DESIGN.md's defaults: {@value #DEFAULT_JDBC_URL} as {@value #DEFAULT_USER} without password,
   * table {@code public.documents} ({@link TableMapping#defaults()}), offsets in {@code
   * dataDir/}{@value #DEFAULT_OFFSETS_FILE}.
   */
  public static PostgresSourceConfig defaults(Path dataDir) {
    return new PostgresSourceConfig(
        DEFAULT_JDBC_URL,
        DEFAULT_USER,
        Secret.none(),
        DEFAULT_TOPIC_PREFIX,
        DEFAULT_SLOT_NAME,
        DEFAULT_PUBLICATION_NAME,
        List.of(TableMapping.defaults()),
        dataDir.resolve(DEFAULT_OFFSETS_FILE));
  }

  /** Always {@link SourceKind#POSTGRESQL}. */
  @Override
  public SourceKind kind() {
    return SourceKind.POSTGRESQL;
  }

  /** Host name or address from the JDBC URL (IPv6 without brackets). */
  public String host() {
    return parse(jdbcUrl).host();
  }

  /** Port from the JDBC URL, {@value #DEFAULT_PORT} when it names none. */
  public int port() {
    return parse(jdbcUrl).port();
  }

  /** Database name from the JDBC URL. */
  public String database() {
    return parse(jdbcUrl).database();
  }

  /** Query parameters of the JDBC URL (decoded, in order). */
  public Map<String, String> jdbcParameters() {
    return parse(jdbcUrl).parameters();
  }

  /** The Debezium topics of all mapped tables, in mapping order. */
  public List<String> topics() {
    return tables.stream().map(t -> t.topic(topicPrefix)).toList();
  }

  private record JdbcTarget(
      String host, int port, String database, Map<String, String> parameters) {}

  private static JdbcTarget parse(String jdbcUrl) {
    if (!jdbcUrl.startsWith(JDBC_PREFIX)) {
      throw new IllegalArgumentException(
          "source.jdbcUrl must look like jdbc:postgresql://host:port/database, was '"
              + jdbcUrl
              + "'");
    }
    URI uri;
    try {
      uri = new URI(jdbcUrl.substring("jdbc:".length()));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "source.jdbcUrl is not a valid URL: '" + jdbcUrl + "' (" + e.getMessage() + ")", e);
    }
    String host = uri.getHost();
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException(
          "source.jdbcUrl must name exactly one host (multi-host URLs are not supported), was '"
              + jdbcUrl
              + "'");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    String path = uri.getPath();
    String database = path == null || path.length() <= 1 ? null : path.substring(1);
    if (database == null || database.isBlank() || database.contains("/")) {
      throw new IllegalArgumentException(
          "source.jdbcUrl must name a database (jdbc:postgresql://host:port/database), was '"
              + jdbcUrl
              + "'");
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    if (uri.getRawQuery() != null) {
      for (String pair : uri.getRawQuery().split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : pair.substring(eq + 1);
        parameters.put(
            URLDecoder.decode(key, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      }
    }
    int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
    return new JdbcTarget(host, port, database, Collections.unmodifiableMap(parameters));
  }
}
