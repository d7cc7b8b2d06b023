package io.ragstream.cli.teardown;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.ingest.cdc.CdcSetupException;
import io.ragstream.ingest.cdc.PostgresTeardown;
import io.ragstream.ingest.cdc.SlotState;
import io.ragstream.ingest.config.PostgresSourceConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ragstream teardown}: drops the CDC source's replication slot and publication, removes its
 * heartbeat row (and the heartbeat table when ragstream created it and no other slot uses it) and
 * deletes the offsets file. Refuses while the slot is in use; asks for confirmation unless {@code
 * --yes}; idempotent.
 *
 * <p>Exit codes: 0 done or nothing to do, 1 refused (slot in use, not confirmed, database error), 2
 * bad configuration.
 */
@Command(
    name = "teardown",
    mixinStandardHelpOptions = true,
    description = {
      "Drop the CDC replication slot and publication (and the heartbeat table if ragstream",
      "created it and no other slot uses it) and delete the Debezium offsets, so the source no",
      "longer pins WAL. Stop ragstream first. The next start takes a new snapshot.",
    })
public final class TeardownCommand implements Callable<Integer> {

  @Option(names = "--config", description = "YAML configuration file (as for ragstream local).")
  Path configFile;

  @Option(names = "--data-dir", description = "Data directory (default ./data; key data-dir).")
  Path dataDir;

  @Option(names = "--yes", description = "Do not ask for confirmation.")
  boolean yes;

  @Spec CommandSpec spec;

  /** Where the confirmation is read from (tests replace it). */
  InputStream in = System.in;

  @Override
  public Integer call() {
    LocalConfig config =
        LocalConfig.from(
            Settings.load(
                configFile, System.getenv(), LocalConfig.flags(dataDir, null), LocalConfig.KEYS));
    if (!(config.source() instanceof PostgresSourceConfig source)) {
      spec.commandLine()
          .getErr()
          .println(
              "ragstream teardown: the source is "
                  + config.source().getClass().getSimpleName()
                  + "; only PostgreSQL keeps a replication slot and publication. A MariaDB/MySQL"
                  + " replica holds nothing on the server: stop ragstream and delete the offsets"
                  + " and schema-history files in the data directory.");
      spec.commandLine().getErr().flush();
      return 1;
    }
    PostgresTeardown teardown = new PostgresTeardown(source, config.cdc().heartbeat());
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      PostgresTeardown.Inventory inventory = teardown.inventory();
      String where = source.host() + ":" + source.port() + "/" + source.database();
      if (inventory.empty()) {
        out.println("ragstream teardown: nothing to remove at " + where + " (already torn down)");
        out.flush();
        return 0;
      }
      if (inventory.slot().map(SlotState::active).orElse(false)) {
        err.println(
            "ragstream teardown: replication slot '"
                + source.slotName()
                + "' is active (walsender pid "
                + inventory.slot().get().activePid()
                + "): a CDC source is still streaming from it. Stop it first; nothing was"
                + " removed.");
        err.flush();
        return 1;
      }
      out.println("ragstream teardown at " + where + ":");
      out.println(
          "  replication slot  "
              + inventory
                  .slot()
                  .map(s -> s.name() + describe(s) + "  -> drop")
                  .orElse(source.slotName() + " (absent)"));
      out.println(
          "  publication       "
              + source.publicationName()
              + (inventory.publication() ? "  -> drop" : " (absent)"));
      out.println(
          "  heartbeat table   "
              + teardown.heartbeat().qualifiedName()
              + (inventory.heartbeatTable()
                  ? "  -> remove this slot's row; drop the table if ragstream created it and no"
                      + " other slot uses it"
                  : " (absent)"));
      out.println(
          "  offsets file      "
              + source.offsetsFile()
              + (inventory.offsetsFile() ? "  -> delete" : " (absent)"));
      out.flush();
      if (!yes && !confirmed(out)) {
        err.println("ragstream teardown: not confirmed; nothing was removed");
        err.flush();
        return 1;
      }
      PostgresTeardown.Result r = teardown.run();
      out.println(
          "ragstream teardown: done (slot "
              + (r.slotDropped() ? "dropped" : "absent")
              + ", publication "
              + (r.publicationDropped() ? "dropped" : "absent")
              + ", heartbeat table "
              + (r.heartbeatTableDropped() ? "dropped" : "kept or absent")
              + ", offsets "
              + (r.offsetsDeleted() ? "deleted" : "absent")
              + "). The next start takes a new snapshot; run 'ragstream reconcile --repair'"
              + " afterwards to remove documents deleted meanwhile.");
      out.flush();
      return 0;
    } catch (CdcSetupException e) {
      err.println("ragstream teardown: " + e.getMessage());
      err.flush();
      return 1;
    }
  }

  private static String describe(SlotState s) {
    StringBuilder b = new StringBuilder(" (inactive");
    if (s.walStatus() != null) {
      b.append(", wal_status ").append(s.walStatus());
    }
    if (s.retainedBytes() != null) {
      b.append(", retains ").append(s.retainedBytes() / (1024 * 1024)).append(" MiB of WAL");
    }
    return b.append(')').toString();
  }

  private boolean confirmed(PrintWriter out) {
    out.print("Type 'yes' to remove them: ");
    out.flush();
    try {
      String line =
          new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
      return line != null && line.strip().equals("yes");
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
