package io.ragstream.cli.infra;

import static io.ragstream.cli.infra.InfraFiles.containers;
import static io.ragstream.cli.infra.InfraFiles.infra;
import static io.ragstream.cli.infra.InfraFiles.named;
import static io.ragstream.cli.infra.InfraFiles.ofKind;
import static io.ragstream.cli.infra.InfraFiles.stringList;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.core.error.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the deployment files under {@code infra/} against the code they deploy: they cannot be run
 * here (no Docker engine, no Kubernetes, no container registry), so every fact that can be checked
 * without running them is checked against the classes the services and the job use. Each check is
 * also run on a broken copy, to show it can fail.
 */
class InfraFilesTest {
  private static final String PLACEHOLDER_SECRET = "placeholder-secret";

  @TempDir Path tmp;

  private final Path infra = infra();
  private final JsonNode compose = InfraFiles.yaml(infra.resolve("compose.yaml"));
  private final List<JsonNode> k8s = InfraFiles.k8sObjects(infra.resolve("k8s"));
  private final String version = InfraFiles.projectVersion();

  // ------------------------------------------------------------------ parsing

  @Test
  void everyYamlAndJsonFileParses() {
    List<Path> yaml = InfraFiles.files(infra, ".yaml", ".yml");
    List<Path> json = InfraFiles.files(infra, ".json");
    assertThat(yaml).hasSizeGreaterThanOrEqualTo(15);
    assertThat(json).isNotEmpty();
    for (Path f : yaml) {
      assertThat(InfraFiles.yamlDocuments(f)).as(f.toString()).isNotEmpty();
    }
    for (Path f : json) {
      assertThat(InfraFiles.json(f).isObject()).as(f.toString()).isTrue();
    }
  }

  @Test
  void yamlWithDuplicateKeysOrBadSyntaxIsRejected() {
    assertThatThrownBy(() -> InfraFiles.yamlDocuments("services:\n  a: 1\n  a: 2\n"))
        .hasMessageContaining("duplicate key");
    assertThatThrownBy(() -> InfraFiles.yamlDocuments("a: [1, 2\nb: 3\n"))
        .isInstanceOf(RuntimeException.class);
  }

  @Test
  void composeVariablesResolveAsComposeResolvesThemWithAnEmptyEnvironment() {
    assertThat(InfraFiles.interpolate("${RAGSTREAM_SOURCE_PASSWORD:-ragstream}", "p"))
        .isEqualTo("ragstream");
    assertThat(InfraFiles.interpolate("${A-x}/${B}/${C:?set C}", "p")).isEqualTo("x/p/p");
    assertThat(InfraFiles.interpolate("code=$$(curl)", "p")).isEqualTo("code=$(curl)");
  }

  // ------------------------------------------------------------------ images

  private List<String> allImageProblems() {
    List<String> problems = new ArrayList<>();
    compose
        .path("services")
        .fields()
        .forEachRemaining(
            s ->
                problems.addAll(
                    InfraChecks.imageProblems(
                        "compose " + s.getKey(),
                        s.getValue().path("image").asText(""),
                        infra,
                        version)));
    for (Path f : InfraFiles.files(infra, ".yaml")) {
      if (f.equals(infra.resolve("compose.yaml"))) continue;
      for (JsonNode doc : InfraFiles.yamlDocuments(f)) {
        for (String image : InfraFiles.images(doc)) {
          problems.addAll(
              InfraChecks.imageProblems(infra.relativize(f).toString(), image, infra, version));
        }
      }
    }
    for (Path f : InfraFiles.files(infra, "Dockerfile")) {
      for (String image : InfraChecks.dockerfileImages(InfraFiles.read(f))) {
        problems.addAll(
            InfraChecks.imageProblems(infra.relativize(f).toString(), image, infra, version));
      }
    }
    return problems;
  }

  @Test
  void everyImageIsPinnedAndOurImagesAreBuiltByADockerfileHere() {
    assertThat(allImageProblems()).isEmpty();
    // Every compose service has an image, and the ones built here name their Dockerfile.
    compose
        .path("services")
        .fields()
        .forEachRemaining(
            s -> {
              String image = s.getValue().path("image").asText("");
              assertThat(image).as(s.getKey()).isNotEmpty();
              JsonNode build = s.getValue().path("build");
              if (!build.isMissingNode()) {
                String name = image.substring("ragstream/".length(), image.indexOf(':'));
                assertThat(build.path("dockerfile").asText())
                    .isEqualTo("infra/docker/" + name + "/Dockerfile");
                assertThat(infra.resolve(build.path("context").asText()).normalize())
                    .isEqualTo(InfraFiles.repoRoot());
              }
            });
  }

  @Test
  void unpinnedOrUnbuildableImagesAreRejected() {
    assertThat(InfraChecks.imageProblems("t", "qdrant/qdrant:latest", infra, version)).hasSize(1);
    assertThat(InfraChecks.imageProblems("t", "qdrant/qdrant", infra, version)).hasSize(1);
    assertThat(InfraChecks.imageProblems("t", "flink:2.2-java17", infra, version)).hasSize(1);
    assertThat(InfraChecks.imageProblems("t", "registry:5000/kafka", infra, version)).hasSize(1);
    assertThat(InfraChecks.imageProblems("t", "ragstream/nothing:" + version, infra, version))
        .singleElement()
        .asString()
        .contains("no Dockerfile");
    assertThat(InfraChecks.imageProblems("t", "ragstream/ragstream:9.9.9", infra, version))
        .singleElement()
        .asString()
        .contains("project version");
    assertThat(InfraChecks.imageProblems("t", "qdrant/qdrant@sha256:0123abcd", infra, version))
        .isEmpty();
    assertThat(InfraChecks.dockerfileImages("FROM a:1.2.3 AS build\nFROM build\nFROM b:1.0.0\n"))
        .containsExactly("a:1.2.3", "b:1.0.0");
  }

  // ------------------------------------------------------------------ configuration keys

  /** The ragstream.yaml files: infra/config/*.yaml and the ConfigMap's. */
  private Map<String, JsonNode> configTrees() {
    Map<String, JsonNode> trees = new TreeMap<>();
    for (Path f : InfraFiles.files(infra.resolve("config"), ".yaml")) {
      trees.put(infra.relativize(f).toString(), InfraFiles.yaml(f));
    }
    trees.put("k8s ConfigMap ragstream-config", InfraFiles.yamlDocuments(configMapYaml()).get(0));
    return trees;
  }

  private String configMapYaml() {
    return named(k8s, "ConfigMap", "ragstream-config")
        .orElseThrow()
        .path("data")
        .path("ragstream.yaml")
        .asText();
  }

  @Test
  void configFilesUseOnlyKeysTheCliReads() {
    Map<String, JsonNode> trees = configTrees();
    assertThat(trees).hasSize(3);
    trees.forEach(
        (where, tree) -> assertThat(InfraChecks.unknownConfigKeys(where, tree)).isEmpty());
  }

  @Test
  void aConfigWithAMistypedKeyIsRejected() {
    ObjectNode tree = InfraFiles.copy(configTrees().get("config/ragstream.yaml"));
    ((ObjectNode) tree.path("gateway")).put("prot", 8080);
    assertThat(InfraChecks.unknownConfigKeys("copy", tree))
        .containsExactly("copy: key gateway.prot is not read by the CLI");
  }

  private Set<String> launcherVariables() {
    return InfraChecks.launcherVariables(
        InfraFiles.read(InfraFiles.repoRoot().resolve("ragstream")));
  }

  @Test
  void everyRagstreamEnvironmentVariableIsAKeyTheCliReads() {
    assertThat(launcherVariables()).contains("RAGSTREAM_JAVA_OPTS", "RAGSTREAM_SKIP_BUILD");
    List<String> problems = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    compose
        .path("services")
        .fields()
        .forEachRemaining(
            s -> {
              Set<String> names = InfraFiles.composeEnvironment(s.getValue()).keySet();
              seen.addAll(names);
              problems.addAll(
                  InfraChecks.unknownEnvironment(
                      "compose " + s.getKey(), names, launcherVariables()));
            });
    for (Path f : InfraFiles.files(infra, ".yaml")) {
      for (JsonNode doc : InfraFiles.yamlDocuments(f)) {
        List<String> names = InfraFiles.envNames(doc);
        seen.addAll(names);
        problems.addAll(InfraChecks.unknownEnvironment(f.toString(), names, launcherVariables()));
      }
    }
    for (Path f : InfraFiles.files(infra, "Dockerfile")) {
      Matcher m = Pattern.compile("\\b(RAGSTREAM_[A-Z0-9_]+)=").matcher(InfraFiles.read(f));
      List<String> names = new ArrayList<>();
      while (m.find()) names.add(m.group(1));
      seen.addAll(names);
      problems.addAll(InfraChecks.unknownEnvironment(f.toString(), names, launcherVariables()));
    }
    assertThat(seen).contains("RAGSTREAM_SOURCE_PASSWORD", "RAGSTREAM_JAVA_OPTS");
    assertThat(problems).isEmpty();
  }

  @Test
  void aMistypedEnvironmentVariableIsRejected() {
    assertThat(
            InfraChecks.unknownEnvironment(
                "t",
                List.of("RAGSTREAM_GATEWAY_PROT", "RAGSTREAM_GATEWAY_PORT", "PATH"),
                launcherVariables()))
        .containsExactly("t: environment variable RAGSTREAM_GATEWAY_PROT is not read by ragstream");
  }

  // ------------------------------------------------------------------ service configs (CLI
  // validation)

  /** A ragstream service of compose or Kubernetes: its config file and environment. */
  record ServiceRun(String where, List<String> args, Path configFile, Map<String, String> env) {}

  private List<ServiceRun> composeServices() {
    List<ServiceRun> runs = new ArrayList<>();
    compose
        .path("services")
        .fields()
        .forEachRemaining(
            s -> {
              JsonNode service = s.getValue();
              if (!service.path("image").asText().startsWith("ragstream/ragstream:")) return;
              List<String> args = stringList(service.path("command"));
              String configPath = args.get(args.indexOf("--config") + 1);
              String source = InfraChecks.composeMountSource(service, configPath);
              assertThat(source).as(s.getKey() + " mounts " + configPath).isNotNull();
              Map<String, String> env = new LinkedHashMap<>();
              InfraFiles.composeEnvironment(service)
                  .forEach((k, v) -> env.put(k, InfraFiles.interpolate(v, PLACEHOLDER_SECRET)));
              runs.add(
                  new ServiceRun(
                      "compose " + s.getKey(), args, infra.resolve(source).normalize(), env));
            });
    return runs;
  }

  private List<ServiceRun> k8sServices() throws IOException {
    List<ServiceRun> runs = new ArrayList<>();
    for (JsonNode deployment : ofKind(k8s, "Deployment")) {
      JsonNode podSpec = deployment.path("spec").path("template").path("spec");
      for (JsonNode c : podSpec.path("containers")) {
        if (!c.path("image").asText().startsWith("ragstream/ragstream:")) continue;
        List<String> args = stringList(c.path("args"));
        String configPath = args.get(args.indexOf("--config") + 1);
        Path file = null;
        for (JsonNode mount : c.path("volumeMounts")) {
          String dir = mount.path("mountPath").asText();
          if (!configPath.startsWith(dir + "/")) continue;
          for (JsonNode volume : podSpec.path("volumes")) {
            if (volume.path("name").asText().equals(mount.path("name").asText())) {
              String configMap = volume.path("configMap").path("name").asText();
              String text =
                  named(k8s, "ConfigMap", configMap)
                      .orElseThrow(() -> new AssertionError("no ConfigMap " + configMap))
                      .path("data")
                      .path(configPath.substring(dir.length() + 1))
                      .asText(null);
              assertThat(text).as("ConfigMap " + configMap + " key for " + configPath).isNotNull();
              file =
                  Files.writeString(
                      tmp.resolve(deployment.path("metadata").path("name").asText() + ".yaml"),
                      text);
            }
          }
        }
        assertThat(file)
            .as(deployment.path("metadata").path("name") + " mounts " + configPath)
            .isNotNull();
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : c.path("env")) {
          env.put(
              e.path("name").asText(),
              e.has("value") ? e.path("value").asText() : PLACEHOLDER_SECRET);
        }
        runs.add(
            new ServiceRun(
                "k8s " + deployment.path("metadata").path("name").asText(), args, file, env));
      }
    }
    return runs;
  }

  @Test
  void everyServiceConfigPassesTheCliValidation() throws IOException {
    List<ServiceRun> runs = new ArrayList<>(composeServices());
    runs.addAll(k8sServices());
    assertThat(runs.stream().map(r -> r.args().get(0)))
        .containsExactlyInAnyOrder("ingest", "gateway", "trainer", "ingest", "gateway", "trainer");
    for (ServiceRun run : runs) {
      LocalConfig config = InfraChecks.serviceConfig(run.configFile(), run.env());
      assertThat(config.kafkaBootstrapServers()).as(run.where()).isNotBlank();
      assertThat(config.source().tables()).as(run.where()).isNotEmpty();
      Settings s = InfraChecks.serviceSettings(run.configFile(), run.env());
      assertThat(s.string("store.kind", null)).as(run.where()).isEqualTo("qdrant");
    }
    // The MariaDB variant, for a binlog source.
    LocalConfig mariadb =
        InfraChecks.serviceConfig(infra.resolve("config/ragstream-mariadb.yaml"), Map.of());
    assertThat(mariadb.source().kind().connector()).isEqualTo("mariadb");
  }

  @Test
  void aServiceConfigTheCliRefusesIsRejected() throws IOException {
    ServiceRun gateway =
        composeServices().stream()
            .filter(r -> r.where().equals("compose gateway"))
            .findFirst()
            .orElseThrow();
    Map<String, String> env = new LinkedHashMap<>(gateway.env());
    env.put("RAGSTREAM_GATEWAY_PORT", "99999");
    assertThatThrownBy(() -> InfraChecks.serviceConfig(gateway.configFile(), env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("gateway.port");
    Path copy =
        Files.writeString(
            tmp.resolve("bad.yaml"),
            InfraFiles.read(gateway.configFile()).replace("bge-small-en-v1.5-q", "no-such-model"));
    assertThatThrownBy(() -> InfraChecks.serviceConfig(copy, gateway.env()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("indexing.embedder");
  }

  // ------------------------------------------------------------------ Flink job

  private List<String> composeJobArgs() {
    List<String> command = stringList(compose.path("services").path("jobmanager").path("command"));
    assertThat(command.get(0)).isEqualTo("standalone-job");
    return command.subList(1, command.size());
  }

  private JsonNode flinkDeployment() {
    List<JsonNode> deployments = ofKind(k8s, "FlinkDeployment");
    assertThat(deployments).hasSize(1);
    return deployments.get(0);
  }

  private List<String> k8sJobArgs() {
    return stringList(flinkDeployment().path("spec").path("job").path("args"));
  }

  @Test
  void flinkJobArgumentsAreIndexingOptionsAndAgreeWithTheServices() throws IOException {
    assertThat(InfraChecks.jobArgumentProblems("compose", composeJobArgs())).isEmpty();
    assertThat(InfraChecks.jobArgumentProblems("k8s", k8sJobArgs())).isEmpty();
    ServiceRun composeGateway =
        composeServices().stream()
            .filter(r -> r.where().equals("compose gateway"))
            .findFirst()
            .orElseThrow();
    ServiceRun k8sGateway =
        k8sServices().stream()
            .filter(r -> r.where().equals("k8s ragstream-gateway"))
            .findFirst()
            .orElseThrow();
    assertThat(
            InfraChecks.jobMatchesServices(
                "compose",
                composeJobArgs(),
                InfraChecks.serviceSettings(composeGateway.configFile(), composeGateway.env())))
        .isEmpty();
    assertThat(
            InfraChecks.jobMatchesServices(
                "k8s",
                k8sJobArgs(),
                InfraChecks.serviceSettings(k8sGateway.configFile(), k8sGateway.env())))
        .isEmpty();
  }

  @Test
  void flinkJobArgumentsWithUnknownKeysBadValuesOrOtherStoresAreRejected() throws IOException {
    List<String> args = new ArrayList<>(composeJobArgs());
    args.addAll(List.of("--ragstream.kafka.bootstrap", "kafka:9092"));
    assertThat(InfraChecks.jobArgumentProblems("t", args))
        .containsExactly("t: option --ragstream.kafka.bootstrap is not an indexing job option");
    List<String> typed = new ArrayList<>(composeJobArgs());
    typed.addAll(List.of("--ragstream.chunk.max-tokens", "many"));
    assertThat(InfraChecks.jobArgumentProblems("t", typed))
        .singleElement()
        .asString()
        .contains("ragstream.chunk.max-tokens");
    assertThat(InfraChecks.jobArgumentProblems("t", List.of("--ragstream.embedder")))
        .singleElement()
        .asString()
        .contains("not a --key value pair");
    List<String> otherCollection = new ArrayList<>(composeJobArgs());
    otherCollection.set(otherCollection.indexOf("--ragstream.store.qdrant.alias") + 1, "other");
    ServiceRun gateway =
        composeServices().stream()
            .filter(r -> r.where().equals("compose gateway"))
            .findFirst()
            .orElseThrow();
    assertThat(
            InfraChecks.jobMatchesServices(
                "t",
                otherCollection,
                InfraChecks.serviceSettings(gateway.configFile(), gateway.env())))
        .singleElement()
        .asString()
        .contains("ragstream.store.qdrant.alias=other");
  }

  private Map<String, String> composeFlinkProperties(String service) {
    String properties =
        compose
            .path("services")
            .path(service)
            .path("environment")
            .path("FLINK_PROPERTIES")
            .asText();
    Map<String, String> conf = new LinkedHashMap<>();
    InfraFiles.yamlDocuments(properties)
        .get(0)
        .fields()
        .forEachRemaining(f -> conf.put(f.getKey(), f.getValue().asText()));
    return conf;
  }

  @Test
  void flinkConfigurationsUseFlinkOptionsOfTheBuildsVersion() {
    Map<String, String> k8sConf = new LinkedHashMap<>();
    flinkDeployment()
        .path("spec")
        .path("flinkConfiguration")
        .fields()
        .forEachRemaining(f -> k8sConf.put(f.getKey(), f.getValue().asText()));
    assertThat(k8sConf).containsKey("execution.checkpointing.dir");
    assertThat(InfraChecks.flinkConfigurationProblems("k8s", k8sConf)).isEmpty();
    for (String service : List.of("jobmanager", "taskmanager")) {
      Map<String, String> conf = composeFlinkProperties(service);
      assertThat(conf).containsKey("jobmanager.rpc.address");
      assertThat(InfraChecks.flinkConfigurationProblems(service, conf)).isEmpty();
    }
  }

  @Test
  void flinkConfigurationsWithOldUnknownOrMistypedOptionsAreRejected() {
    Map<String, String> conf = new TreeMap<>();
    conf.put("state.checkpoints.dir", "file:///x");
    conf.put("taskmanager.slots", "2");
    conf.put("execution.checkpointing.interval", "often");
    List<String> problems = InfraChecks.flinkConfigurationProblems("t", conf);
    assertThat(problems).hasSize(3);
    assertThat(problems.get(0))
        .startsWith("t: Flink option execution.checkpointing.interval=often: ");
    assertThat(problems.get(1))
        .isEqualTo(
            "t: Flink option state.checkpoints.dir is deprecated, use execution.checkpointing.dir");
    assertThat(problems.get(2)).isEqualTo("t: Flink option taskmanager.slots does not exist");
  }

  // ------------------------------------------------------------------ Kafka Connect

  /** A Connect connector config with the services' config whose source it must mirror. */
  record Connector(String where, Map<String, String> config, LocalConfig services) {}

  private static Map<String, String> strings(JsonNode object) {
    Map<String, String> m = new LinkedHashMap<>();
    object.fields().forEachRemaining(f -> m.put(f.getKey(), f.getValue().asText()));
    return m;
  }

  private List<Connector> connectors() throws IOException {
    LocalConfig pg = InfraChecks.serviceConfig(infra.resolve("config/ragstream.yaml"), Map.of());
    LocalConfig mariadb =
        InfraChecks.serviceConfig(infra.resolve("config/ragstream-mariadb.yaml"), Map.of());
    Path k8sConfig = Files.writeString(tmp.resolve("k8s-ragstream.yaml"), configMapYaml());
    LocalConfig k8sPg = InfraChecks.serviceConfig(k8sConfig, Map.of());
    List<Connector> out = new ArrayList<>();
    for (String kind : List.of("postgres", "mariadb")) {
      JsonNode rest = InfraFiles.json(infra.resolve("connect/rest/" + kind + "-connector.json"));
      assertThat(rest.path("name").asText()).isNotBlank();
      out.add(
          new Connector(
              "connect/rest/" + kind,
              strings(rest.path("config")),
              kind.equals("postgres") ? pg : mariadb));
      JsonNode strimzi =
          InfraFiles.yaml(infra.resolve("connect/strimzi/" + kind + "-connector.yaml"));
      Map<String, String> config = new LinkedHashMap<>();
      config.put("connector.class", strimzi.path("spec").path("class").asText());
      config.put("tasks.max", strimzi.path("spec").path("tasksMax").asText());
      config.putAll(strings(strimzi.path("spec").path("config")));
      out.add(
          new Connector(
              "connect/strimzi/" + kind, config, kind.equals("postgres") ? k8sPg : mariadb));
    }
    return out;
  }

  @Test
  void connectConfigsSetWhatTheEmbeddedEngineSets() throws IOException {
    List<Connector> connectors = connectors();
    assertThat(connectors).hasSize(4);
    for (Connector c : connectors) {
      assertThat(InfraChecks.sameAsEmbedded(c.where(), c.config(), c.services())).isEmpty();
    }
  }

  @Test
  void connectConfigsThatWouldChangeTheRecordsAreRejected() throws IOException {
    Connector pg = connectors().get(0);
    Map<String, String> schemas = new LinkedHashMap<>(pg.config());
    schemas.put("value.converter.schemas.enable", "true");
    assertThat(InfraChecks.sameAsEmbedded("t", schemas, pg.services()))
        .containsExactly("t: value.converter.schemas.enable is not false");
    Map<String, String> transform = new LinkedHashMap<>(pg.config());
    transform.put("transforms", "unwrap");
    assertThat(InfraChecks.sameAsEmbedded("t", transform, pg.services()))
        .containsExactly("t: transforms is not set by the embedded engine");
    Map<String, String> decimals = new LinkedHashMap<>(pg.config());
    decimals.put("decimal.handling.mode", "precise");
    assertThat(InfraChecks.sameAsEmbedded("t", decimals, pg.services()))
        .containsExactly("t: decimal.handling.mode=precise, the embedded engine uses string");
  }

  @Test
  void connectConfigsPassDebeziumsOwnValidation() throws IOException {
    for (Connector c : connectors()) {
      InfraChecks.Validation v = InfraChecks.debeziumValidation(c.where(), c.config());
      assertThat(v.problems()).isEmpty();
      // Debezium connects only when every field is valid: the one error left is the connection.
      assertThat(v.unreachable()).as(c.where()).hasSize(1);
    }
  }

  @Test
  void connectConfigsDebeziumRefusesAreRejected() throws IOException {
    Map<String, String> config = new LinkedHashMap<>(connectors().get(0).config());
    config.put("snapshot.mode", "sometimes");
    assertThat(InfraChecks.debeziumValidation("t", config).problems())
        .anySatisfy(p -> assertThat(p).startsWith("t: snapshot.mode:"));
    Map<String, String> mariadb = new LinkedHashMap<>(connectors().get(2).config());
    mariadb.remove("database.server.id");
    mariadb.put("topic.prefix", "");
    assertThat(InfraChecks.debeziumValidation("t", mariadb).problems()).isNotEmpty();
    // Only the connection error on database.hostname is let through, no other field's error.
    assertThat(InfraChecks.unreachableDatabase("database.hostname", "Unable to connect: x"))
        .isTrue();
    assertThat(InfraChecks.unreachableDatabase("slot.name", "Unable to connect: x")).isFalse();
    assertThat(InfraChecks.unreachableDatabase("database.hostname", "Invalid value")).isFalse();
  }

  @Test
  void connectorsWriteTheTopicsTheNormalizerReads() throws IOException {
    for (Connector c : connectors()) {
      assertThat(InfraChecks.topicProblems(c.where(), c.config(), c.services())).isEmpty();
    }
  }

  @Test
  void connectorsWithAnotherPrefixOrTableListAreRejected() throws IOException {
    Connector pg = connectors().get(0);
    Map<String, String> prefix = new LinkedHashMap<>(pg.config());
    prefix.put("topic.prefix", "other");
    assertThat(InfraChecks.topicProblems("t", prefix, pg.services()))
        .singleElement()
        .asString()
        .contains("goes to topic other.public.documents");
    Map<String, String> tables = new LinkedHashMap<>(pg.config());
    tables.put("table.include.list", "public\\.documents_archive");
    assertThat(InfraChecks.topicProblems("t", tables, pg.services()))
        .containsExactly("t: table public.documents is not captured by the connector");
    Connector mariadb = connectors().get(2);
    Map<String, String> databases = new LinkedHashMap<>(mariadb.config());
    databases.put("database.include.list", "other");
    assertThat(InfraChecks.topicProblems("t", databases, mariadb.services())).hasSize(1);
  }

  // ------------------------------------------------------------------ compose wiring

  @Test
  void composeReferencesResolve() {
    assertThat(InfraChecks.composeReferences(compose, infra)).isEmpty();
    assertThat(compose.path("services").fieldNames())
        .toIterable()
        .contains(
            "kafka",
            "connect",
            "connect-register",
            "postgres",
            "qdrant",
            "jobmanager",
            "taskmanager",
            "ingest",
            "gateway",
            "trainer");
    List<String> postgresCommand =
        stringList(compose.path("services").path("postgres").path("command"));
    assertThat(postgresCommand).containsSubsequence("-c", "wal_level=logical");
    assertThat(
            compose
                .path("services")
                .path("kafka")
                .path("environment")
                .path("KAFKA_PROCESS_ROLES")
                .asText())
        .isEqualTo("broker,controller");
  }

  @Test
  void composeReferencesToMissingServicesVolumesOrFilesAreRejected() {
    ObjectNode copy = InfraFiles.copy(compose);
    ObjectNode gateway = (ObjectNode) copy.path("services").path("gateway");
    ((ObjectNode) gateway.path("depends_on"))
        .putObject("kafak")
        .put("condition", "service_started");
    ((ObjectNode) copy.path("services").path("ingest"))
        .set("depends_on", InfraFiles.array("connect"));
    ((com.fasterxml.jackson.databind.node.ArrayNode) gateway.path("volumes")).add("models:/models");
    ((com.fasterxml.jackson.databind.node.ArrayNode) gateway.path("volumes"))
        .add("./nothing.yaml:/x");
    ((ObjectNode) copy.path("services").path("jobmanager")).remove("healthcheck");
    ((ObjectNode) copy.path("services").path("taskmanager").path("depends_on").path("jobmanager"))
        .put("condition", "service_healthy");
    assertThat(InfraChecks.composeReferences(copy, infra))
        .containsExactlyInAnyOrder(
            "service gateway depends on missing service kafak",
            "service gateway mounts undeclared volume models",
            "service gateway mounts missing file ./nothing.yaml",
            "service ingest depends on connect, which runs only in a profile",
            "service taskmanager waits for jobmanager to be healthy, it has no healthcheck");
  }

  // ------------------------------------------------------------------ ports

  private List<String> composePortProblems(JsonNode compose) {
    List<String> problems = new ArrayList<>();
    for (ServiceRun run : composeServices()) {
      String name = run.where().substring("compose ".length());
      JsonNode service = compose.path("services").path(name);
      LocalConfig config = InfraChecks.serviceConfig(run.configFile(), run.env());
      Settings settings = InfraChecks.serviceSettings(run.configFile(), run.env());
      int port =
          switch (run.args().get(0)) {
            case "gateway" -> config.gatewayPort();
            case "ingest" -> settings.integer("ingest.metrics-port", -1, 0, 65535);
            case "trainer" -> settings.integer("trainer.metrics-port", -1, 0, 65535);
            default -> throw new AssertionError(run.args());
          };
      if (!Integer.valueOf(port).equals(InfraChecks.healthcheckPort(service))) {
        problems.add(
            name
                + ": healthcheck port "
                + InfraChecks.healthcheckPort(service)
                + " is not "
                + port);
      }
      if (run.args().get(0).equals("gateway")
          && !InfraChecks.composeContainerPorts(service).contains(port)) {
        problems.add(
            name
                + ": publishes "
                + InfraChecks.composeContainerPorts(service)
                + ", not gateway.port "
                + port);
      }
    }
    return problems;
  }

  @Test
  void composePortsMatchTheServiceConfigs() {
    assertThat(composePortProblems(compose)).isEmpty();
  }

  @Test
  void composePortsThatMissTheConfigAreRejected() {
    ObjectNode copy = InfraFiles.copy(compose);
    ((ObjectNode) copy.path("services").path("gateway"))
        .set("ports", InfraFiles.array("8080:9090"));
    assertThat(composePortProblems(copy))
        .containsExactly("gateway: publishes [9090], not gateway.port 8080");
  }

  private List<String> k8sPortProblems(List<JsonNode> objects) throws IOException {
    List<String> problems = new ArrayList<>();
    for (JsonNode o : objects) {
      containers(o).forEach((where, c) -> problems.addAll(InfraChecks.probeProblems(where, c)));
    }
    for (JsonNode service : ofKind(objects, "Service")) {
      String selector =
          service.path("spec").path("selector").path("app.kubernetes.io/name").asText();
      JsonNode workload =
          objects.stream()
              .filter(o -> o.path("kind").asText().matches("Deployment|StatefulSet"))
              .filter(
                  o ->
                      selector.equals(
                          o.path("spec")
                              .path("selector")
                              .path("matchLabels")
                              .path("app.kubernetes.io/name")
                              .asText()))
              .findFirst()
              .orElse(null);
      if (workload == null) {
        problems.add(
            "Service/" + service.path("metadata").path("name").asText() + " selects no workload");
      } else {
        problems.addAll(InfraChecks.serviceProblems(service, workload));
      }
    }
    JsonNode gatewayService = named(objects, "Service", "ragstream-gateway").orElseThrow();
    for (ServiceRun run : k8sServices()) {
      LocalConfig config = InfraChecks.serviceConfig(run.configFile(), run.env());
      Settings settings = InfraChecks.serviceSettings(run.configFile(), run.env());
      String deployment = run.where().substring("k8s ".length());
      JsonNode container =
          containers(named(objects, "Deployment", deployment).orElseThrow())
              .values()
              .iterator()
              .next();
      int port =
          switch (run.args().get(0)) {
            case "gateway" -> config.gatewayPort();
            case "ingest" -> settings.integer("ingest.metrics-port", -1, 0, 65535);
            case "trainer" -> settings.integer("trainer.metrics-port", -1, 0, 65535);
            default -> throw new AssertionError(run.args());
          };
      Integer probed =
          InfraChecks.containerPort(
              container, container.path("readinessProbe").path("httpGet").path("port"));
      if (!Integer.valueOf(port).equals(probed)) {
        problems.add(
            deployment + ": readiness probe on " + probed + ", the service listens on " + port);
      }
      if (run.args().get(0).equals("gateway")) {
        for (JsonNode p : gatewayService.path("spec").path("ports")) {
          if (p.path("port").asInt() != port
              || !Integer.valueOf(port)
                  .equals(InfraChecks.containerPort(container, p.path("targetPort")))) {
            problems.add(
                "Service/ragstream-gateway: port "
                    + p.path("port").asInt()
                    + " -> "
                    + p.path("targetPort").asText()
                    + " is not gateway.port "
                    + port);
          }
        }
      }
    }
    return problems;
  }

  @Test
  void kubernetesPortsProbesAndServicesMatchTheServiceConfigs() throws IOException {
    assertThat(k8sPortProblems(k8s)).isEmpty();
  }

  @Test
  void kubernetesPortsThatMissTheConfigAreRejected() throws IOException {
    List<JsonNode> copy = new ArrayList<>();
    for (JsonNode o : k8s) {
      ObjectNode c = InfraFiles.copy(o);
      if (o.path("kind").asText().equals("Service")
          && o.path("metadata").path("name").asText().equals("ragstream-gateway")) {
        ((ObjectNode) c.path("spec").path("ports").get(0)).put("targetPort", 9090);
      }
      if (o.path("kind").asText().equals("Deployment")
          && o.path("metadata").path("name").asText().equals("ragstream-trainer")) {
        ((ObjectNode)
                c.path("spec")
                    .path("template")
                    .path("spec")
                    .path("containers")
                    .get(0)
                    .path("readinessProbe")
                    .path("httpGet"))
            .put("port", "http");
      }
      copy.add(c);
    }
    assertThat(k8sPortProblems(copy))
        .contains(
            "Service/ragstream-gateway: targetPort 9090 is not a container port",
            "Deployment/ragstream-trainer container trainer: readinessProbe port http is not a container port");
  }

  // ------------------------------------------------------------------ shared adapter registry

  /** Compose services of gateway and trainer that do not mount the volume "adapters" there. */
  private List<String> composeRegistryProblems(JsonNode compose) {
    List<String> problems = new ArrayList<>();
    for (ServiceRun run : composeServices()) {
      if (run.args().get(0).equals("ingest")) continue;
      String dir =
          InfraChecks.serviceConfig(run.configFile(), run.env())
              .retraining()
              .registryDir()
              .toString();
      String name = run.where().substring("compose ".length());
      String source = InfraChecks.composeMountSource(compose.path("services").path(name), dir);
      if (!"adapters".equals(source)) {
        problems.add(name + " mounts " + source + " at trainer.registry-dir " + dir);
      }
    }
    return problems;
  }

  @Test
  void theAdapterRegistryIsOneVolumeSharedByTrainerAndGateways() throws IOException {
    assertThat(composeRegistryProblems(compose)).isEmpty();
    ObjectNode copy = InfraFiles.copy(compose);
    ((ObjectNode) copy.path("services").path("trainer"))
        .set(
            "volumes",
            InfraFiles.array(
                "./config/ragstream.yaml:/etc/ragstream/ragstream.yaml:ro",
                "trainer-adapters:/var/lib/ragstream/adapters"));
    assertThat(composeRegistryProblems(copy))
        .containsExactly(
            "trainer mounts trainer-adapters at trainer.registry-dir /var/lib/ragstream/adapters");
    List<String> claims = new ArrayList<>();
    for (ServiceRun run : k8sServices()) {
      if (run.args().get(0).equals("ingest")) continue;
      String dir =
          InfraChecks.serviceConfig(run.configFile(), run.env())
              .retraining()
              .registryDir()
              .toString();
      JsonNode podSpec =
          named(k8s, "Deployment", run.where().substring("k8s ".length()))
              .orElseThrow()
              .path("spec")
              .path("template")
              .path("spec");
      String volume = null;
      for (JsonNode m : podSpec.path("containers").get(0).path("volumeMounts")) {
        if (m.path("mountPath").asText().equals(dir)) volume = m.path("name").asText();
      }
      for (JsonNode v : podSpec.path("volumes")) {
        if (v.path("name").asText().equals(volume)) {
          claims.add(v.path("persistentVolumeClaim").path("claimName").asText());
        }
      }
    }
    assertThat(claims).containsExactly("ragstream-adapters", "ragstream-adapters");
    JsonNode pvc = named(k8s, "PersistentVolumeClaim", "ragstream-adapters").orElseThrow();
    assertThat(stringList(pvc.path("spec").path("accessModes"))).containsExactly("ReadWriteMany");
  }

  @Test
  void kubernetesPodsOfOurImageRunAsItsUserWithWritableVolumes() {
    Matcher user =
        Pattern.compile("(?m)^USER (\\d+):(\\d+)$")
            .matcher(InfraFiles.read(infra.resolve("docker/ragstream/Dockerfile")));
    assertThat(user.find()).as("numeric USER in the ragstream Dockerfile").isTrue();
    List<String> checked = new ArrayList<>();
    for (JsonNode deployment : ofKind(k8s, "Deployment")) {
      JsonNode podSpec = deployment.path("spec").path("template").path("spec");
      if (!podSpec
          .path("containers")
          .get(0)
          .path("image")
          .asText()
          .startsWith("ragstream/ragstream:")) {
        continue;
      }
      JsonNode security = podSpec.path("securityContext");
      assertThat(security.path("runAsUser").asText()).isEqualTo(user.group(1));
      assertThat(security.path("fsGroup").asText()).isEqualTo(user.group(2));
      checked.add(deployment.path("metadata").path("name").asText());
    }
    assertThat(checked).hasSize(3);
  }

  // ------------------------------------------------------------------ kustomize, Strimzi, versions

  @Test
  void kustomizationsListTheirManifests() {
    for (String dir : List.of("k8s", "k8s/connect", "connect/strimzi")) {
      Path d = infra.resolve(dir);
      assertThat(
              InfraChecks.kustomizationProblems(
                  d,
                  InfraFiles.yaml(d.resolve("kustomization.yaml")),
                  !dir.equals("connect/strimzi")))
          .as(dir)
          .isEmpty();
    }
  }

  @Test
  void aKustomizationMissingAManifestIsRejected() {
    Path d = infra.resolve("k8s");
    ObjectNode k = InfraFiles.copy(InfraFiles.yaml(d.resolve("kustomization.yaml")));
    k.set("resources", InfraFiles.array("namespace.yaml", "nothing.yaml"));
    assertThat(InfraChecks.kustomizationProblems(d, k, true))
        .contains(
            d + ": resource nothing.yaml does not exist",
            d + ": gateway.yaml is not listed in kustomization.yaml");
  }

  @Test
  void strimziResourcesAgreeWithEachOtherAndTheServices() throws IOException {
    List<JsonNode> connect = InfraFiles.k8sObjects(infra.resolve("k8s/connect"));
    JsonNode kafka = named(k8s, "Kafka", "ragstream").orElseThrow();
    assertThat(ofKind(k8s, "KafkaNodePool"))
        .allSatisfy(
            p ->
                assertThat(p.path("metadata").path("labels").path("strimzi.io/cluster").asText())
                    .isEqualTo("ragstream"));
    assertThat(stringList(ofKind(k8s, "KafkaNodePool").get(0).path("spec").path("roles")))
        .containsExactlyInAnyOrder("controller", "broker");
    int plain = -1;
    for (JsonNode l : kafka.path("spec").path("kafka").path("listeners")) {
      if (!l.path("tls").asBoolean()) plain = l.path("port").asInt();
    }
    String bootstrap = "ragstream-kafka-bootstrap:" + plain;
    Path k8sConfig = Files.writeString(tmp.resolve("k8s.yaml"), configMapYaml());
    assertThat(InfraChecks.serviceConfig(k8sConfig, Map.of()).kafkaBootstrapServers())
        .isEqualTo(bootstrap);
    JsonNode kafkaConnect = ofKind(connect, "KafkaConnect").get(0);
    assertThat(kafkaConnect.path("spec").path("bootstrapServers").asText()).isEqualTo(bootstrap);
    assertThat(
            kafkaConnect
                .path("metadata")
                .path("annotations")
                .path("strimzi.io/use-connector-resources")
                .asText())
        .isEqualTo("true");
    for (String kind : List.of("postgres", "mariadb")) {
      JsonNode connector =
          InfraFiles.yaml(infra.resolve("connect/strimzi/" + kind + "-connector.yaml"));
      assertThat(connector.path("metadata").path("labels").path("strimzi.io/cluster").asText())
          .isEqualTo(kafkaConnect.path("metadata").path("name").asText());
    }
    JsonNode mariadb = InfraFiles.yaml(infra.resolve("connect/strimzi/mariadb-connector.yaml"));
    assertThat(
            mariadb
                .path("spec")
                .path("config")
                .path("schema.history.internal.kafka.bootstrap.servers")
                .asText())
        .isEqualTo(bootstrap);
    // The Connect image is Strimzi's Kafka image of the KafkaConnect's Kafka version.
    String connectDockerfile = InfraFiles.read(infra.resolve("docker/connect/Dockerfile"));
    assertThat(InfraChecks.dockerfileImages(connectDockerfile))
        .anySatisfy(
            i ->
                assertThat(i)
                    .endsWith("-kafka-" + kafkaConnect.path("spec").path("version").asText()));
    assertThat(kafkaConnect.path("spec").path("image").asText())
        .isEqualTo("ragstream/connect:" + version);
  }

  @Test
  void pinnedVersionsAgreeWithTheBuild() {
    String flink = InfraFiles.pomProperty("flink.version");
    String debezium = InfraFiles.pomProperty("debezium.version");
    String kafka = InfraFiles.pomProperty("kafka.version");
    String jobDockerfile = InfraFiles.read(infra.resolve("docker/indexing-job/Dockerfile"));
    assertThat(InfraChecks.dockerfileImages(jobDockerfile)).contains("flink:" + flink + "-java17");
    JsonNode deployment = flinkDeployment();
    assertThat(deployment.path("spec").path("flinkVersion").asText())
        .isEqualTo("v" + flink.substring(0, flink.lastIndexOf('.')).replace('.', '_'));
    String jar = deployment.path("spec").path("job").path("jarURI").asText();
    assertThat(jar).startsWith("local:///opt/flink/usrlib/");
    assertThat(jobDockerfile).contains(" " + jar.substring("local://".length()) + "\n");
    assertThat(compose.path("services").path("connect").path("image").asText())
        .endsWith(":" + debezium);
    assertThat(InfraFiles.read(infra.resolve("docker/connect/Dockerfile")))
        .contains("ARG DEBEZIUM_VERSION=" + debezium + "\n");
    assertThat(compose.path("services").path("kafka").path("image").asText())
        .isEqualTo("apache/kafka:" + kafka);
  }
}
