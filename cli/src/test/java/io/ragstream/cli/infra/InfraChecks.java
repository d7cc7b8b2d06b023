package io.ragstream.cli.infra;

import com.fasterxml.jackson.databind.JsonNode;
import io.debezium.config.CommonConnectorConfig;
import io.debezium.connector.binlog.BinlogConnectorConfig;
import io.debezium.connector.mariadb.MariaDbConnectorConfig;
import io.debezium.connector.postgresql.PostgresConnectorConfig;
import io.debezium.relational.RelationalDatabaseConnectorConfig;
import io.debezium.relational.TableId;
import io.debezium.spi.topic.TopicNamingStrategy;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.ServiceSettings;
import io.ragstream.cli.config.Settings;
import io.ragstream.ingest.cdc.internal.DebeziumProperties;
import io.ragstream.ingest.cdc.internal.HeartbeatTable;
import io.ragstream.ingest.config.CdcSourceConfig;
import io.ragstream.ingest.config.MariaDbSourceConfig;
import io.ragstream.ingest.config.PostgresSourceConfig;
import io.ragstream.ingest.config.SourceKind;
import io.ragstream.ingest.config.TableMapping;
import io.ragstream.ingest.normalize.NormalizerConfig;
import io.ragstream.job.ClusterIndexingJob;
import io.ragstream.job.config.ClusterJobOptions;
import io.ragstream.processors.config.IndexingOptions;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.ParameterTool;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * The checks of {@link InfraFilesTest}, each a function from file content to the list of problems
 * found (empty when the content is right), so that the same function runs on the real files and on
 * broken copies of them.
 */
final class InfraChecks {
  private InfraChecks() {}

  /** Every configuration key the CLI reads (environment variables are looked up for these). */
  static List<String> cliKeys() {
    return ServiceSettings.ALL_KEYS;
  }

  // ---------------------------------------------------------------- images

  /** Upstream images whose releases are numbered major.minor (PostgreSQL 17.5 is exact). */
  private static final Set<String> TWO_PART_VERSIONS = Set.of("postgres");

  private static final Pattern EXACT_TAG = Pattern.compile("v?\\d+\\.\\d+\\.\\d+([._-].*)?");
  private static final Pattern TWO_PART_TAG = Pattern.compile("\\d+\\.\\d+([._-].*)?");

  /**
   * Problems of one image reference: no tag, {@code latest}, or a tag that is not an exact version
   * (a three-part version, or major.minor for {@link #TWO_PART_VERSIONS}); a digest is always
   * exact. An image named {@code ragstream/NAME} must be built by {@code
   * infra/docker/NAME/Dockerfile} and tagged with the project version.
   */
  static List<String> imageProblems(String where, String ref, Path infra, String projectVersion) {
    List<String> problems = new ArrayList<>();
    if (ref.contains("@sha256:")) {
      return problems;
    }
    int slash = ref.lastIndexOf('/');
    int colon = ref.lastIndexOf(':');
    if (colon <= slash) {
      problems.add(where + ": image " + ref + " has no tag");
      return problems;
    }
    String repository = ref.substring(0, colon);
    String tag = ref.substring(colon + 1);
    String shortName = repository.substring(repository.lastIndexOf('/') + 1);
    boolean exact =
        EXACT_TAG.matcher(tag).matches()
            || (TWO_PART_VERSIONS.contains(repository) && TWO_PART_TAG.matcher(tag).matches());
    if (tag.equals("latest") || !exact) {
      problems.add(where + ": image " + ref + " is not pinned to an exact version");
    }
    if (repository.startsWith("ragstream/")) {
      Path dockerfile = infra.resolve("docker").resolve(shortName).resolve("Dockerfile");
      if (!dockerfile.toFile().isFile()) {
        problems.add(
            where + ": image " + ref + " has no Dockerfile at " + infra.relativize(dockerfile));
      }
      if (!tag.equals(projectVersion)) {
        problems.add(
            where + ": image " + ref + " is not tagged with the project version " + projectVersion);
      }
    }
    return problems;
  }

  private static final Pattern FROM =
      Pattern.compile("(?im)^FROM\\s+(?:--platform=\\S+\\s+)?(\\S+)(?:\\s+AS\\s+(\\S+))?");

  /** The base images of a Dockerfile ({@code FROM x}; earlier stage names are not images). */
  static List<String> dockerfileImages(String dockerfile) {
    Set<String> stages = new LinkedHashSet<>();
    List<String> images = new ArrayList<>();
    Matcher m = FROM.matcher(dockerfile);
    while (m.find()) {
      if (!stages.contains(m.group(1))) {
        images.add(m.group(1));
      }
      if (m.group(2) != null) {
        stages.add(m.group(2));
      }
    }
    return images;
  }

  // ---------------------------------------------------------------- configuration keys

  /** The dotted keys of a YAML configuration tree, as {@link Settings} flattens it. */
  static List<String> flatKeys(JsonNode tree) {
    List<String> keys = new ArrayList<>();
    flatten("", tree, keys);
    return keys;
  }

  private static void flatten(String prefix, JsonNode node, List<String> keys) {
    node.fields()
        .forEachRemaining(
            f -> {
              String key = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
              if (f.getValue().isObject()) {
                flatten(key, f.getValue(), keys);
              } else {
                keys.add(key);
              }
            });
  }

  /** Keys of a ragstream.yaml tree that the CLI does not read. */
  static List<String> unknownConfigKeys(String where, JsonNode tree) {
    Set<String> known = Set.copyOf(cliKeys());
    return flatKeys(tree).stream()
        .filter(k -> !known.contains(k))
        .map(k -> where + ": key " + k + " is not read by the CLI")
        .toList();
  }

  /**
   * {@code RAGSTREAM_*} variables that are neither the environment name of a CLI key nor one of
   * {@code launcherVariables} (read by the {@code ./ragstream} script itself).
   */
  static List<String> unknownEnvironment(
      String where, Iterable<String> names, Set<String> launcherVariables) {
    Set<String> known =
        cliKeys().stream()
            .map(Settings::envName)
            .collect(Collectors.toCollection(LinkedHashSet::new));
    known.addAll(launcherVariables);
    List<String> problems = new ArrayList<>();
    for (String name : names) {
      if (name.startsWith("RAGSTREAM_") && !known.contains(name)) {
        problems.add(where + ": environment variable " + name + " is not read by ragstream");
      }
    }
    return problems;
  }

  /** The {@code RAGSTREAM_*} variables the {@code ./ragstream} launcher script reads. */
  static Set<String> launcherVariables(String script) {
    Set<String> names = new LinkedHashSet<>();
    Matcher m = Pattern.compile("\\$\\{(RAGSTREAM_[A-Z0-9_]+)").matcher(script);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /**
   * The configuration a service starts with, through the CLI's own loading and validation.
   *
   * @throws io.ragstream.core.error.ConfigException when the CLI would refuse it
   */
  static LocalConfig serviceConfig(Path file, Map<String, String> env) {
    Settings settings = Settings.load(file, env, Map.of(), cliKeys());
    ServiceSettings.from(settings); // the services' own keys (metrics ports, indexer group)
    return LocalConfig.from(settings);
  }

  static Settings serviceSettings(Path file, Map<String, String> env) {
    return Settings.load(file, env, Map.of(), cliKeys());
  }

  // ---------------------------------------------------------------- Flink job arguments

  /**
   * Every option key of the indexing job jar: {@link IndexingOptions} and the cluster job's {@link
   * ClusterJobOptions} (store kind, Qdrant, drift, parallelism).
   */
  static Set<String> jobOptionKeys() {
    Set<String> keys = new LinkedHashSet<>();
    for (ConfigOption<?> option : indexingOptions()) {
      keys.add(option.key());
    }
    return keys;
  }

  private static List<ConfigOption<?>> indexingOptions() {
    List<ConfigOption<?>> options = new ArrayList<>();
    options.addAll(options(IndexingOptions.class));
    options.addAll(options(ClusterJobOptions.class));
    return options;
  }

  private static List<ConfigOption<?>> options(Class<?> holder) {
    List<ConfigOption<?>> options = new ArrayList<>();
    for (Field f : holder.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
        try {
          options.add((ConfigOption<?>) f.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return options;
  }

  /** {@code --key value} pairs of the job's program arguments. */
  static Map<String, String> jobArguments(List<String> args) {
    Map<String, String> pairs = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i += 2) {
      String key = args.get(i);
      pairs.put(key, i + 1 < args.size() ? args.get(i + 1) : null);
    }
    return pairs;
  }

  /**
   * Problems of the job's program arguments: not {@code --key value} pairs, unknown keys, a value
   * the option's type rejects (read as the job reads them: {@code ParameterTool.fromArgs} into a
   * Flink {@code Configuration}), or a missing bootstrap server option.
   */
  static List<String> jobArgumentProblems(String where, List<String> args) {
    List<String> problems = new ArrayList<>();
    Set<String> known = jobOptionKeys();
    for (Map.Entry<String, String> e : jobArguments(args).entrySet()) {
      if (!e.getKey().startsWith("--") || e.getValue() == null || e.getValue().startsWith("--")) {
        problems.add(where + ": argument " + e.getKey() + " is not a --key value pair");
      } else if (!known.contains(e.getKey().substring(2))) {
        problems.add(where + ": option " + e.getKey() + " is not an indexing job option");
      }
    }
    if (!problems.isEmpty()) {
      return problems;
    }
    Configuration conf = ParameterTool.fromArgs(args.toArray(String[]::new)).getConfiguration();
    for (ConfigOption<?> option : indexingOptions()) {
      try {
        conf.get(option);
      } catch (RuntimeException e) {
        problems.add(where + ": option " + option.key() + ": " + e.getMessage());
      }
    }
    try {
      IndexingOptions.limits(conf);
    } catch (IllegalArgumentException e) {
      problems.add(where + ": " + e.getMessage());
    }
    if (conf.getOptional(IndexingOptions.BOOTSTRAP_SERVERS).isEmpty()) {
      problems.add(where + ": missing option " + IndexingOptions.BOOTSTRAP_SERVERS.key());
    }
    try {
      ClusterIndexingJob.store(conf); // the jar's own store validation (Qdrant options mapped)
    } catch (IllegalArgumentException e) {
      problems.add(where + ": " + e.getMessage());
    }
    return problems;
  }

  /**
   * Problems where the job's arguments and the services' configuration disagree: Kafka, embedder,
   * store kind, Qdrant URL and collection (the gateway must read what the job writes).
   */
  static List<String> jobMatchesServices(String where, List<String> args, Settings services) {
    Map<String, String> job = new TreeMap<>();
    jobArguments(args).forEach((k, v) -> job.put(k.substring(2), v));
    Map<String, String> pairs = new LinkedHashMap<>();
    pairs.put("ragstream.kafka.bootstrap-servers", "kafka.bootstrap-servers");
    pairs.put("ragstream.embedder", "indexing.embedder");
    pairs.put("ragstream.store.kind", "store.kind");
    pairs.put("ragstream.store.qdrant.url", "store.qdrant.url");
    pairs.put(
        "ragstream.store.qdrant.alias", "store.qdrant.collection"); // the CLI key names the alias
    List<String> problems = new ArrayList<>();
    pairs.forEach(
        (jobKey, serviceKey) -> {
          String jobValue = job.get(jobKey);
          String serviceValue = services.string(serviceKey, null);
          if (!Objects.equals(jobValue, serviceValue)) {
            problems.add(
                where
                    + ": job option "
                    + jobKey
                    + "="
                    + jobValue
                    + " but the services' "
                    + serviceKey
                    + "="
                    + serviceValue);
          }
        });
    return problems;
  }

  /** Flink's option classes whose keys a deployment's Flink configuration may use. */
  private static final List<Class<?>> FLINK_OPTION_CLASSES =
      List.of(
          org.apache.flink.configuration.CheckpointingOptions.class,
          org.apache.flink.configuration.CoreOptions.class,
          org.apache.flink.configuration.HighAvailabilityOptions.class,
          org.apache.flink.configuration.JobManagerOptions.class,
          org.apache.flink.configuration.RestOptions.class,
          org.apache.flink.configuration.StateBackendOptions.class,
          org.apache.flink.configuration.TaskManagerOptions.class);

  private static List<ConfigOption<?>> flinkOptions() {
    List<ConfigOption<?>> options = new ArrayList<>();
    for (Class<?> c : FLINK_OPTION_CLASSES) {
      for (Field f : c.getFields()) {
        if (Modifier.isStatic(f.getModifiers())
            && ConfigOption.class.isAssignableFrom(f.getType())) {
          try {
            options.add((ConfigOption<?>) f.get(null));
          } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
          }
        }
      }
    }
    return options;
  }

  /**
   * Problems of a Flink configuration (FlinkDeployment {@code flinkConfiguration}, compose {@code
   * FLINK_PROPERTIES}) against the option definitions of the Flink version in the build: a key that
   * is no option of {@link #FLINK_OPTION_CLASSES}, a deprecated key (Flink 1.x names), or a value
   * the option's type rejects.
   */
  static List<String> flinkConfigurationProblems(String where, Map<String, String> conf) {
    List<ConfigOption<?>> options = flinkOptions();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> e : conf.entrySet()) {
      ConfigOption<?> option =
          options.stream().filter(o -> o.key().equals(e.getKey())).findFirst().orElse(null);
      if (option == null) {
        String replacement =
            options.stream()
                .filter(
                    o ->
                        java.util.stream.StreamSupport.stream(o.fallbackKeys().spliterator(), false)
                            .anyMatch(k -> k.getKey().equals(e.getKey())))
                .map(ConfigOption::key)
                .findFirst()
                .orElse(null);
        problems.add(
            where
                + ": Flink option "
                + e.getKey()
                + (replacement == null ? " does not exist" : " is deprecated, use " + replacement));
        continue;
      }
      try {
        Configuration.fromMap(Map.of(e.getKey(), e.getValue())).get(option);
      } catch (RuntimeException ex) {
        problems.add(
            where + ": Flink option " + e.getKey() + "=" + e.getValue() + ": " + ex.getMessage());
      }
    }
    return problems;
  }

  // ---------------------------------------------------------------- Kafka Connect

  /**
   * Engine properties that have no place in a Kafka Connect connector config: Connect keeps
   * offsets, schema history and the engine name itself, and writes to its own Kafka; the password
   * comes from a config provider in both cases.
   */
  static final Set<String> EMBEDDED_ONLY =
      Set.of(
          "name",
          "offset.storage",
          "offset.storage.file.filename",
          "offset.flush.interval.ms",
          "offset.flush.timeout.ms",
          "bootstrap.servers",
          "notification.enabled.channels",
          "notification.sink.topic.name",
          "converter.schemas.enable",
          "schema.history.internal",
          "schema.history.internal.file.filename",
          "database.password");

  /** Connector config keys that Connect needs and the embedded engine sets elsewhere. */
  static final Set<String> CONNECT_ONLY =
      Set.of(
          "connector.class",
          "tasks.max",
          "database.password",
          "key.converter",
          "key.converter.schemas.enable",
          "value.converter",
          "value.converter.schemas.enable",
          "schema.history.internal",
          "schema.history.internal.kafka.bootstrap.servers",
          "schema.history.internal.kafka.topic");

  private static final String JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";

  /** The embedded engine's Debezium properties for a service configuration. */
  static Map<String, String> embeddedProperties(LocalConfig config) {
    Properties p;
    CdcSourceConfig source = config.source();
    if (source instanceof PostgresSourceConfig pg) {
      p = DebeziumProperties.of(pg);
      if (config.cdc().heartbeat().enabled()) {
        new HeartbeatTable(config.cdc().heartbeat(), pg).configure(p);
      }
    } else if (source instanceof MariaDbSourceConfig binlog) {
      p = DebeziumProperties.of(binlog);
    } else {
      throw new IllegalArgumentException("unknown source " + source);
    }
    Map<String, String> m = new TreeMap<>();
    p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
    return m;
  }

  /**
   * Problems where a Connect connector config would not produce what the embedded engine produces:
   * a property with another value, a property the engine does not set (it could change the
   * records), a connector class of another kind, converters other than JSON with the engine's
   * schema setting, or a Kafka schema history without its topic.
   */
  static List<String> sameAsEmbedded(
      String where, Map<String, String> connect, LocalConfig services) {
    List<String> problems = new ArrayList<>();
    Map<String, String> expected = embeddedProperties(services);
    for (Map.Entry<String, String> e : expected.entrySet()) {
      if (EMBEDDED_ONLY.contains(e.getKey())) {
        continue;
      }
      if (!Objects.equals(connect.get(e.getKey()), e.getValue())) {
        problems.add(
            where
                + ": "
                + e.getKey()
                + "="
                + connect.get(e.getKey())
                + ", the embedded engine uses "
                + e.getValue());
      }
    }
    for (String key : connect.keySet()) {
      if (!expected.containsKey(key) && !CONNECT_ONLY.contains(key)) {
        problems.add(where + ": " + key + " is not set by the embedded engine");
      }
    }
    String kindClass = services.source().kind().connectorClass();
    if (!kindClass.equals(connect.get("connector.class"))) {
      problems.add(where + ": connector.class is not " + kindClass);
    }
    String schemas = expected.get("converter.schemas.enable");
    for (String side : List.of("key", "value")) {
      if (!JSON_CONVERTER.equals(connect.get(side + ".converter"))) {
        problems.add(where + ": " + side + ".converter is not " + JSON_CONVERTER);
      }
      if (!Objects.equals(schemas, connect.get(side + ".converter.schemas.enable"))) {
        problems.add(where + ": " + side + ".converter.schemas.enable is not " + schemas);
      }
    }
    if (connect.containsKey("schema.history.internal")
        && !connect.containsKey("schema.history.internal.kafka.topic")) {
      problems.add(where + ": schema.history.internal without schema.history.internal.kafka.topic");
    }
    return problems;
  }

  /**
   * Problems with the topics: every table the normalizer reads ({@link NormalizerConfig} of the
   * services' configuration) must pass the connector's table filters and be written, by Debezium's
   * own topic naming strategy for this connector config, to the topic the normalizer subscribes to.
   */
  static List<String> topicProblems(
      String where, Map<String, String> connect, LocalConfig services) {
    CdcSourceConfig source = services.source();
    List<String> subscribed =
        NormalizerConfig.builder(
                "kafka:9092", Path.of("/tmp/ragstream-infra-check"), source.tables())
            .topicPrefix(source.topicPrefix())
            .sourceKind(source.kind())
            .build()
            .sourceTopics();
    io.debezium.config.Configuration debezium = io.debezium.config.Configuration.from(connect);
    RelationalDatabaseConnectorConfig config =
        source.kind() == SourceKind.POSTGRESQL
            ? new PostgresConnectorConfig(debezium)
            : new MariaDbConnectorConfig(debezium);
    // The field each connector's task reads its strategy from (the binlog connectors default to
    // another strategy than PostgreSQL's).
    @SuppressWarnings("unchecked")
    TopicNamingStrategy<TableId> naming =
        config.getTopicNamingStrategy(
            source.kind() == SourceKind.POSTGRESQL
                ? CommonConnectorConfig.TOPIC_NAMING_STRATEGY
                : BinlogConnectorConfig.TOPIC_NAMING_STRATEGY);
    List<String> problems = new ArrayList<>();
    for (TableMapping t : source.tables()) {
      TableId id =
          source.kind() == SourceKind.POSTGRESQL
              ? new TableId(null, t.schema(), t.table())
              : new TableId(t.schema(), null, t.table());
      if (!config.getTableFilters().dataCollectionFilter().isIncluded(id)) {
        problems.add(where + ": table " + t.qualifiedName() + " is not captured by the connector");
        continue;
      }
      String topic = naming.dataChangeTopic(id);
      if (!subscribed.contains(topic)) {
        problems.add(
            where
                + ": table "
                + t.qualifiedName()
                + " goes to topic "
                + topic
                + ", the normalizer reads "
                + subscribed);
      }
    }
    return problems;
  }

  /**
   * The outcome of Debezium's own connector validation ({@code SourceConnector.validate}).
   *
   * @param problems every error except the ones that only say the database cannot be reached
   * @param unreachable the errors that only say the database cannot be reached: Debezium tries to
   *     connect only once every field is valid, and the deployment's database does not exist here,
   *     so one such error shows that validation got that far
   */
  record Validation(List<String> problems, List<String> unreachable) {}

  static Validation debeziumValidation(String where, Map<String, String> connect) {
    SourceConnector connector;
    try {
      connector =
          (SourceConnector)
              Class.forName(connect.get("connector.class")).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return new Validation(
          List.of(where + ": connector.class " + connect.get("connector.class") + ": " + e),
          List.of());
    }
    Config result = connector.validate(new LinkedHashMap<>(connect));
    List<String> problems = new ArrayList<>();
    List<String> unreachable = new ArrayList<>();
    for (ConfigValue value : result.configValues()) {
      for (String message : value.errorMessages()) {
        (unreachableDatabase(value.name(), message) ? unreachable : problems)
            .add(where + ": " + value.name() + ": " + message);
      }
    }
    return new Validation(problems, unreachable);
  }

  /** Whether an error of {@code validate} only says that the database could not be reached. */
  static boolean unreachableDatabase(String field, String message) {
    return field.equals("database.hostname")
        && Stream.of(
                // PostgreSQL JDBC, MariaDB Connector/J (the messages seen when the host is absent)
                "The connection attempt failed",
                "Unable to connect",
                "Connection refused",
                "UnknownHostException")
            .anyMatch(message::contains);
  }

  // ---------------------------------------------------------------- compose

  /**
   * Problems of compose service references: {@code depends_on} naming a service that does not
   * exist, waiting for {@code service_healthy} on a service without healthcheck, an always-on
   * service depending on a profile-only one, named volumes not declared at the top level, and bind
   * mounts of files that do not exist.
   */
  static List<String> composeReferences(JsonNode compose, Path composeDir) {
    List<String> problems = new ArrayList<>();
    JsonNode services = compose.path("services");
    Set<String> volumes = new LinkedHashSet<>();
    compose.path("volumes").fieldNames().forEachRemaining(volumes::add);
    services
        .fields()
        .forEachRemaining(
            s -> {
              String name = s.getKey();
              JsonNode service = s.getValue();
              JsonNode deps = service.path("depends_on");
              Map<String, String> conditions = new LinkedHashMap<>();
              if (deps.isArray()) {
                deps.forEach(d -> conditions.put(d.asText(), "service_started"));
              } else {
                deps.fields()
                    .forEachRemaining(
                        d ->
                            conditions.put(
                                d.getKey(),
                                d.getValue().path("condition").asText("service_started")));
              }
              conditions.forEach(
                  (dep, condition) -> {
                    JsonNode target = services.path(dep);
                    if (target.isMissingNode()) {
                      problems.add("service " + name + " depends on missing service " + dep);
                      return;
                    }
                    if (condition.equals("service_healthy") && !target.has("healthcheck")) {
                      problems.add(
                          "service "
                              + name
                              + " waits for "
                              + dep
                              + " to be healthy, it has no healthcheck");
                    }
                    if (!service.has("profiles") && target.has("profiles")) {
                      problems.add(
                          "service "
                              + name
                              + " depends on "
                              + dep
                              + ", which runs only in a profile");
                    }
                  });
              for (JsonNode v : service.path("volumes")) {
                String spec = v.asText();
                String from =
                    spec.substring(0, spec.indexOf(':') < 0 ? spec.length() : spec.indexOf(':'));
                if (from.startsWith(".") || from.startsWith("/")) {
                  if (!composeDir.resolve(from).normalize().toFile().exists()) {
                    problems.add("service " + name + " mounts missing file " + from);
                  }
                } else if (!volumes.contains(from)) {
                  problems.add("service " + name + " mounts undeclared volume " + from);
                }
              }
            });
    return problems;
  }

  /** The host side of a compose volume spec mounted at {@code target}, if any. */
  static String composeMountSource(JsonNode service, String target) {
    for (JsonNode v : service.path("volumes")) {
      String[] parts = v.asText().split(":");
      if (parts.length >= 2 && parts[1].equals(target)) {
        return parts[0];
      }
    }
    return null;
  }

  /** Container ports published by a compose service ({@code "host:container"} or a number). */
  static List<Integer> composeContainerPorts(JsonNode service) {
    List<Integer> ports = new ArrayList<>();
    for (JsonNode p : service.path("ports")) {
      String s = p.asText();
      ports.add(Integer.parseInt(s.substring(s.lastIndexOf(':') + 1).replaceAll("/.*", "")));
    }
    return ports;
  }

  /** The port a {@code /dev/tcp/127.0.0.1/PORT} healthcheck probes, or null. */
  static Integer healthcheckPort(JsonNode service) {
    Matcher m =
        Pattern.compile("/dev/tcp/(?:127\\.0\\.0\\.1|localhost)/(\\d+)")
            .matcher(
                String.join(" ", InfraFiles.stringList(service.path("healthcheck").path("test"))));
    return m.find() ? Integer.valueOf(m.group(1)) : null;
  }

  // ---------------------------------------------------------------- Kubernetes

  /**
   * Problems of a container's ports and probes: a probe whose port (name or number) is not a
   * declared container port.
   */
  static List<String> probeProblems(String where, JsonNode container) {
    List<String> problems = new ArrayList<>();
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      JsonNode port = container.path(probe).path("httpGet").path("port");
      if (!port.isMissingNode() && containerPort(container, port) == null) {
        problems.add(where + ": " + probe + " port " + port.asText() + " is not a container port");
      }
    }
    return problems;
  }

  /** The number of a container port given by name or number, or null if not declared. */
  static Integer containerPort(JsonNode container, JsonNode port) {
    for (JsonNode p : container.path("ports")) {
      if (port.isInt() && p.path("containerPort").asInt() == port.asInt()) {
        return port.asInt();
      }
      if (port.isTextual() && port.asText().equals(p.path("name").asText())) {
        return p.path("containerPort").asInt();
      }
    }
    return null;
  }

  /**
   * Problems of a Service in front of a workload: its target ports must be container ports of the
   * workload's pods, and its selector must match the pod labels.
   */
  static List<String> serviceProblems(JsonNode service, JsonNode workload) {
    List<String> problems = new ArrayList<>();
    String name = "Service/" + service.path("metadata").path("name").asText();
    JsonNode labels = workload.path("spec").path("template").path("metadata").path("labels");
    service
        .path("spec")
        .path("selector")
        .fields()
        .forEachRemaining(
            f -> {
              if (!f.getValue().asText().equals(labels.path(f.getKey()).asText())) {
                problems.add(name + ": selector " + f.getKey() + " does not match the pods");
              }
            });
    for (JsonNode p : service.path("spec").path("ports")) {
      JsonNode target = p.has("targetPort") ? p.path("targetPort") : p.path("port");
      boolean found =
          InfraFiles.containers(workload).values().stream()
              .anyMatch(c -> containerPort(c, target) != null);
      if (!found) {
        problems.add(name + ": targetPort " + target.asText() + " is not a container port");
      }
    }
    return problems;
  }

  /** The kustomization's resources that do not exist, and manifests in its directory it omits. */
  static List<String> kustomizationProblems(Path dir, JsonNode kustomization, boolean complete) {
    List<String> problems = new ArrayList<>();
    Set<String> listed = new LinkedHashSet<>();
    for (JsonNode r : kustomization.path("resources")) {
      Path p = dir.resolve(r.asText()).normalize();
      listed.add(p.toString());
      boolean ok = p.toFile().isFile() || p.resolve("kustomization.yaml").toFile().isFile();
      if (!ok) {
        problems.add(dir + ": resource " + r.asText() + " does not exist");
      }
    }
    if (complete) {
      for (Path f : InfraFiles.files(dir, ".yaml")) {
        if (f.getParent().equals(dir)
            && !f.getFileName().toString().equals("kustomization.yaml")
            && !listed.contains(f.normalize().toString())) {
          problems.add(dir + ": " + f.getFileName() + " is not listed in kustomization.yaml");
        }
      }
    }
    return problems;
  }
}
