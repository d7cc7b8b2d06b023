package io.ragstream.cli.dlq;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragstream.cli.local.LocalRuntime;
import io.ragstream.cli.options.KafkaOptions;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.DeadLetterReason;
import io.ragstream.core.model.Topics;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ragstream dlq list | replay}: the records in {@code ragstream.dlq}, on the Kafka that
 * {@code ragstream local} with the same configuration uses ({@code kafka.bootstrap-servers}, else
 * the embedded broker of the platform running on the same data dir, found through its {@link
 * LocalRuntime} file).
 */
@Command(
    name = "dlq",
    mixinStandardHelpOptions = true,
    description = "Inspect and replay the dead-letter topic ragstream.dlq.",
    subcommands = {DlqCommand.List.class, DlqCommand.Replay.class})
public final class DlqCommand {

  /** {@code ragstream dlq list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Print the newest dead letters (oldest first): stage, reason, origin.")
  public static final class List implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin KafkaOptions kafka;

    @Option(names = "--limit", description = "Newest N records (default ${DEFAULT-VALUE}).")
    int limit = 100;

    @Option(names = "--reason", description = "Only this reason code, e.g. body_too_large.")
    String reason;

    @Option(names = "--json", description = "Print a JSON array.")
    boolean json;

    @Override
    public Integer call() {
      if (limit < 1) {
        throw new IllegalArgumentException("--limit must be at least 1, was " + limit);
      }
      String code = reason == null ? null : DeadLetterReason.ofCode(reason).code();
      java.util.List<DeadLetterRecord> records =
          new DeadLetterQueue(kafka.bootstrapServers(), Topics.DLQ).list(code, limit);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(toJson(records));
      } else {
        printTable(out, records);
      }
      out.flush();
      return 0;
    }
  }

  /** {@code ragstream dlq replay}. */
  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      description =
          "Re-publish dead letters to their original topics (after fixing the mapping or a cap);"
              + " remembers how far it got, so a second replay does not repeat them.")
  public static final class Replay implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin KafkaOptions kafka;

    @Option(names = "--reason", description = "Only this reason code, e.g. column_missing.")
    String reason;

    @Option(
        names = "--dry-run",
        description = "Print what would be replayed; publish and remember nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the replayed records as JSON.")
    boolean json;

    @Override
    public Integer call() {
      String code = reason == null ? null : DeadLetterReason.ofCode(reason).code();
      DeadLetterQueue.ReplayResult result =
          new DeadLetterQueue(kafka.bootstrapServers(), Topics.DLQ).replay(code, dryRun);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("dryRun", result.dryRun());
        o.put("replayed", result.replayed().size());
        o.put("skippedWithoutOrigin", result.skippedWithoutOrigin());
        o.set("records", toJson(result.replayed()));
        out.println(Json.write(o));
      } else {
        printTable(out, result.replayed());
        out.println(
            (result.dryRun() ? "would replay " : "replayed ")
                + result.replayed().size()
                + " record(s)"
                + (result.skippedWithoutOrigin() > 0
                    ? "; skipped " + result.skippedWithoutOrigin() + " without an origin topic"
                    : "")
                + (result.dryRun()
                    ? ""
                    : " (position saved in consumer group "
                        + DeadLetterQueue.replayGroup(code)
                        + ")"));
      }
      out.flush();
      return 0;
    }
  }

  static ArrayNode toJson(java.util.List<DeadLetterRecord> records) {
    ArrayNode array = Json.mapper().createArrayNode();
    for (DeadLetterRecord r : records) {
      array.add(Json.mapper().valueToTree(r));
    }
    return array;
  }

  static void printTable(PrintWriter out, java.util.List<DeadLetterRecord> records) {
    for (DeadLetterRecord r : records) {
      out.printf(
          "%s  %-10s %-20s %s-%d@%d  key=%s  %s%n",
          r.time() < 0 ? "-" : Instant.ofEpochMilli(r.time()).toString(),
          r.stage(),
          r.code(),
          r.originTopic(),
          r.originPartition(),
          r.originOffset(),
          r.key(),
          r.reason());
    }
    if (records.isEmpty()) {
      out.println("no dead letters");
    }
  }
}
