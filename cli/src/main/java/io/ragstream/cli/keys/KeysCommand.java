package io.ragstream.cli.keys;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.ragstream.gateway.auth.ApiKey;
import io.ragstream.gateway.auth.Caller;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ragstream keys}: API keys of the gateway. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "Manage the gateway's API keys (gateway.auth.api-keys-file).",
    subcommands = KeysCommand.Create.class)
public final class KeysCommand {

  /**
   * {@code ragstream keys create}: a new random API key (32 bytes from {@link SecureRandom},
   * base64url, prefixed {@code rs_}). Prints the key once on stdout; the key file gets only its
   * SHA-256, with the subject, tenant and groups the key authenticates as.
   */
  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description =
          "Create an API key: prints the key once and adds its SHA-256 entry to the key file.")
  public static final class Create implements Callable<Integer> {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Spec CommandSpec spec;

    @Option(names = "--subject", required = true, description = "Who the key authenticates as.")
    String subject;

    @Option(names = "--tenant", required = true, description = "The caller's tenant.")
    String tenant;

    @Option(
        names = "--groups",
        split = ",",
        description = "Groups of the caller, comma-separated (matched against row ACLs).")
    List<String> groups = List.of();

    @Option(
        names = "--file",
        description =
            "Key file to add the entry to (created if missing); without it the entry is printed.")
    Path file;

    @Override
    public Integer call() throws IOException {
      Caller caller;
      try {
        caller = new Caller(subject, tenant, new LinkedHashSet<>(groups), "api-key");
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      byte[] secret = new byte[32];
      RANDOM.nextBytes(secret);
      String key = "rs_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
      ApiKey apiKey = ApiKey.of(key, caller);

      ObjectMapper yaml =
          new ObjectMapper(
              new YAMLFactory()
                  .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                  .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
      ObjectNode root =
          file != null && Files.exists(file) && Files.size(file) > 0
              ? (ObjectNode) yaml.readTree(file.toFile())
              : yaml.createObjectNode();
      ArrayNode keys = root.has("keys") ? (ArrayNode) root.get("keys") : root.putArray("keys");
      ObjectNode entry = keys.addObject();
      entry.put("sha256", apiKey.sha256());
      entry.put("subject", caller.subject());
      entry.put("tenant", caller.tenant());
      ArrayNode g = entry.putArray("groups");
      caller.groups().stream().sorted().forEach(g::add);

      PrintWriter out = spec.commandLine().getOut();
      out.println(key);
      if (file != null) {
        yaml.writeValue(file.toFile(), root);
        spec.commandLine()
            .getErr()
            .println(
                "Added "
                    + caller.subject()
                    + "@"
                    + caller.tenant()
                    + " to "
                    + file
                    + " (SHA-256 only). The key above is shown once: store it now.");
      } else {
        ObjectNode single = yaml.createObjectNode();
        single.putArray("keys").add(entry);
        out.print(yaml.writeValueAsString(single));
      }
      out.flush();
      return 0;
    }
  }
}
