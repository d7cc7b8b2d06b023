package io.ragstream.cli.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads the deployment files under {@code infra/}: YAML documents as Jackson trees, compose
 * services, Kubernetes objects by kind, and the values of the build that the files must agree with
 * (project and component versions from the root {@code pom.xml}).
 *
 * <p>YAML is read twice: Jackson's YAML parser must accept every document (it is the parser the CLI
 * reads its own configuration with), and the tree used by the checks comes from SnakeYAML, the
 * parser underneath Jackson's, because Jackson does not resolve anchors, aliases and {@code <<}
 * merge keys into trees while Docker Compose does. Duplicate keys are an error, as in Compose.
 */
final class InfraFiles {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper JACKSON_YAML = new ObjectMapper(new YAMLFactory());

  private InfraFiles() {}

  /** The repository root: the nearest directory upwards of the working directory with infra/. */
  static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("infra/compose.yaml"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException(
          "no infra/compose.yaml above " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  static Path infra() {
    return repoRoot().resolve("infra");
  }

  /** Every file under {@code dir} whose name ends with one of {@code suffixes}, sorted. */
  static List<Path> files(Path dir, String... suffixes) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .filter(f -> Stream.of(suffixes).anyMatch(x -> f.getFileName().toString().endsWith(x)))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The documents of a YAML text.
   *
   * @throws RuntimeException (Jackson's or SnakeYAML's) when either parser rejects the text
   */
  static List<JsonNode> yamlDocuments(String text) {
    try (var parser = JACKSON_YAML.getFactory().createParser(text)) {
      var it = JACKSON_YAML.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        it.next();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Jackson YAML: " + e.getMessage(), e);
    }
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    Yaml yaml = new Yaml(new SafeConstructor(options));
    List<JsonNode> docs = new ArrayList<>();
    for (Object doc : yaml.loadAll(text)) {
      if (doc != null) {
        docs.add(JSON.valueToTree(doc));
      }
    }
    return docs;
  }

  static List<JsonNode> yamlDocuments(Path file) {
    return yamlDocuments(read(file));
  }

  static JsonNode yaml(Path file) {
    List<JsonNode> docs = yamlDocuments(file);
    if (docs.size() != 1) {
      throw new IllegalStateException(file + " holds " + docs.size() + " documents, expected 1");
    }
    return docs.get(0);
  }

  static JsonNode json(Path file) {
    try {
      return JSON.readTree(read(file));
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }

  /** The Kubernetes objects of every YAML file under {@code dir} (kustomizations excluded). */
  static List<JsonNode> k8sObjects(Path dir) {
    List<JsonNode> objects = new ArrayList<>();
    for (Path f : files(dir, ".yaml", ".yml")) {
      for (JsonNode doc : yamlDocuments(f)) {
        if (doc.has("kind") && !"Kustomization".equals(doc.path("kind").asText())) {
          objects.add(doc);
        }
      }
    }
    return objects;
  }

  static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
  }

  static Optional<JsonNode> named(List<JsonNode> objects, String kind, String name) {
    return ofKind(objects, kind).stream()
        .filter(o -> name.equals(o.path("metadata").path("name").asText()))
        .findFirst();
  }

  /** A compose-style list ({@code ["a", "b"]}) or a single command string as a list. */
  static List<String> stringList(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(n -> out.add(n.asText()));
    } else if (!node.isMissingNode() && !node.isNull()) {
      out.addAll(List.of(node.asText().trim().split("\\s+")));
    }
    return out;
  }

  /** Compose {@code environment}: a map or a list of {@code NAME=value}. */
  static Map<String, String> composeEnvironment(JsonNode service) {
    Map<String, String> env = new LinkedHashMap<>();
    JsonNode e = service.path("environment");
    if (e.isObject()) {
      e.fields().forEachRemaining(f -> env.put(f.getKey(), f.getValue().asText()));
    } else if (e.isArray()) {
      for (JsonNode item : e) {
        String s = item.asText();
        int eq = s.indexOf('=');
        env.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : s.substring(eq + 1));
      }
    }
    return env;
  }

  private static final Pattern COMPOSE_VARIABLE =
      Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}");

  /**
   * Compose's variable substitution with an empty shell environment: {@code ${VAR:-default}} and
   * {@code ${VAR-default}} become the default, {@code ${VAR}} and {@code ${VAR:?message}} become
   * {@code placeholder}; {@code $$} is a literal {@code $}.
   */
  static String interpolate(String value, String placeholder) {
    Matcher m = COMPOSE_VARIABLE.matcher(value.replace("$$", "\u0000"));
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String op = m.group(2);
      String replacement = op != null && op.endsWith("-") ? m.group(3) : placeholder;
      m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(sb);
    return sb.toString().replace("\u0000", "$");
  }

  /**
   * Every container of a Kubernetes object (pod templates of workloads, the FlinkDeployment's pod
   * template), with its path for messages.
   */
  static Map<String, JsonNode> containers(JsonNode object) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    String name =
        object.path("kind").asText() + "/" + object.path("metadata").path("name").asText();
    for (JsonNode podSpec :
        List.of(
            object.path("spec").path("template").path("spec"),
            object.path("spec").path("podTemplate").path("spec"))) {
      for (JsonNode c : podSpec.path("containers")) {
        out.put(name + " container " + c.path("name").asText(), c);
      }
    }
    return out;
  }

  /** Every {@code env} list entry name anywhere in {@code node} (containers, Strimzi templates). */
  static List<String> envNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    walk(
        node,
        (field, value) -> {
          if ("env".equals(field) && value.isArray()) {
            value.forEach(e -> names.add(e.path("name").asText()));
          }
        });
    return names;
  }

  /** Every textual {@code image} field anywhere in {@code node}. */
  static List<String> images(JsonNode node) {
    List<String> images = new ArrayList<>();
    walk(
        node,
        (field, value) -> {
          if ("image".equals(field) && value.isTextual()) {
            images.add(value.asText());
          }
        });
    return images;
  }

  interface FieldVisitor {
    void visit(String field, JsonNode value);
  }

  static void walk(JsonNode node, FieldVisitor visitor) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              f -> {
                visitor.visit(f.getKey(), f.getValue());
                walk(f.getValue(), visitor);
              });
    } else if (node.isArray()) {
      node.forEach(n -> walk(n, visitor));
    }
  }

  /** A deep copy, for the negative cases that break a copy of a real file. */
  static ObjectNode copy(JsonNode node) {
    return (ObjectNode) node.deepCopy();
  }

  static ArrayNode array(String... values) {
    ArrayNode a = JSON.createArrayNode();
    for (String v : values) {
      a.add(v);
    }
    return a;
  }

  /** A {@code <properties>} value of the root pom, e.g. {@code flink.version}. */
  static String pomProperty(String name) {
    Matcher m =
        Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</")
            .matcher(read(repoRoot().resolve("pom.xml")));
    if (!m.find()) {
      throw new IllegalStateException("no <" + name + "> in pom.xml");
    }
    return m.group(1).trim();
  }

  /** The project version (of ragstream-parent). */
  static String projectVersion() {
    Matcher m =
        Pattern.compile("<artifactId>ragstream-parent</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(read(repoRoot().resolve("pom.xml")));
    if (!m.find()) {
      throw new IllegalStateException("no ragstream-parent version in pom.xml");
    }
    return m.group(1).trim();
  }
}
