package io.ragstream.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.cli.RagstreamMain;
import io.ragstream.cli.config.GatewaySettings;
import io.ragstream.cli.config.Settings;
import io.ragstream.gateway.auth.ApiKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class KeysCommandTest {
  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cl = RagstreamMain.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void createdKeysAuthenticateAsTheirCallerAndOnlyTheirHashIsStored() throws Exception {
    Path file = dir.resolve("keys.yaml");
    Run alice =
        run(
            "keys",
            "create",
            "--subject",
            "alice",
            "--tenant",
            "acme",
            "--groups",
            "eng,hr",
            "--file",
            file.toString());
    Run bob =
        run("keys", "create", "--subject", "bob", "--tenant", "acme", "--file", file.toString());
    assertThat(alice.exit()).as(alice.err()).isZero();
    assertThat(bob.exit()).as(bob.err()).isZero();
    String aliceKey = alice.out().strip();
    String bobKey = bob.out().strip();
    assertThat(aliceKey).startsWith("rs_").hasSizeGreaterThan(40).isNotEqualTo(bobKey);
    String stored = Files.readString(file);
    assertThat(stored).doesNotContain(aliceKey).contains(ApiKey.hash(aliceKey));

    GatewaySettings g =
        GatewaySettings.from(
            Settings.load(
                null,
                Map.of(),
                Map.of("gateway.auth.api-keys-file", file.toString()),
                GatewaySettings.KEYS));
    assertThat(g.auth().apiKeys()).hasSize(2);
    ApiKey first = g.auth().apiKeys().get(0);
    assertThat(first.sha256()).isEqualTo(ApiKey.hash(aliceKey));
    assertThat(first.caller().groups()).isEqualTo(Set.of("eng", "hr"));
    assertThat(g.auth().apiKeys().get(1).sha256()).isEqualTo(ApiKey.hash(bobKey));
  }

  @Test
  void withoutAFileTheEntryIsPrintedAndBadCallersAreRefused() {
    Run r = run("keys", "create", "--subject", "svc", "--tenant", "acme");
    assertThat(r.exit()).isZero();
    String key = r.out().lines().findFirst().orElseThrow();
    assertThat(r.out()).contains("sha256: " + ApiKey.hash(key)).contains("tenant: acme");
    Run blank = run("keys", "create", "--subject", " ", "--tenant", "acme");
    assertThat(blank.exit()).isNotZero();
    assertThat(blank.err()).contains("subject");
  }
}
