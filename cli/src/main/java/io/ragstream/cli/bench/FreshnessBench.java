package io.ragstream.cli.bench;

import io.ragstream.cli.beir.SourceTable;
import io.ragstream.cli.options.GatewayOptions;
import io.ragstream.cli.options.SourceDatabaseOptions;
import io.ragstream.core.eval.Percentiles;
import io.ragstream.core.json.Json;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Freshness: how long from an UPDATE's commit until the gateway serves the new text and no longer
 * serves the old one.
 *
 * <p>For each sampled row: a first UPDATE prefixes the body with a random marker word A and waits
 * until A is searchable (BM25); then the measured UPDATE replaces A with a new marker B, and the
 * clock runs from just before that statement (autocommit: execute = commit) until a BM25 search for
 * B returns a chunk of the row containing B <em>and</em> a search for A returns no chunk of the row
 * containing A. Bodies are restored at the end. Polls every {@code --poll-ms}.
 */
@Command(
    name = "freshness",
    mixinStandardHelpOptions = true,
    description = "Measure commit-to-searchable latency of updates through the running platform.")
public final class FreshnessBench implements Callable<Integer> {
  @Mixin SourceDatabaseOptions source;
  @Mixin GatewayOptions gatewayOptions;
  @Spec CommandSpec spec;

  @Option(
      names = "--updates",
      defaultValue = "20",
      description = "Measured updates (default ${DEFAULT-VALUE}).")
  int updates;

  @Option(
      names = "--timeout",
      defaultValue = "PT30S",
      description = "Give up on one update after this (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--poll-ms",
      defaultValue = "10",
      description = "Polling interval in ms (default ${DEFAULT-VALUE}).")
  int pollMs;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed (rows, markers).")
  long seed;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (updates < 1) throw new IllegalArgumentException("--updates must be >= 1");
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    GatewayProbe gateway = new GatewayProbe(gatewayOptions.url());
    SourceTable table = source.sourceTable();
    Random random = new Random(seed);
    List<Double> latenciesMs = new ArrayList<>();
    int timeouts = 0;
    try (Connection db = source.connect()) {
      db.setAutoCommit(true);
      Map<String, String> rows = sample(db, table, updates, seed);
      if (rows.size() < updates) {
        throw new IllegalStateException(
            "table " + table + " has only " + rows.size() + " rows with a body; load data first");
      }
      try (PreparedStatement update =
          db.prepareStatement(
              "update " + table.quoted() + " set body = ?, updated_at = now() where id = ?")) {
        int i = 0;
        for (var row : rows.entrySet()) {
          String id = row.getKey();
          String original = row.getValue();
          String a = marker(random);
          String b = marker(random);
          setBody(update, id, a + " " + original);
          if (awaitVisible(gateway, id, a, null) < 0) {
            throw new IllegalStateException(
                "warm-up update of row " + id + " never became searchable within " + timeout);
          }
          long start = System.nanoTime();
          setBody(update, id, b + " " + original);
          double ms = awaitVisible(gateway, id, b, a);
          if (ms < 0) {
            timeouts++;
          } else {
            latenciesMs.add((System.nanoTime() - start) / 1e6);
          }
          setBody(update, id, original);
          err.printf(
              "update %d/%d row %s: %s%n",
              ++i,
              updates,
              id,
              ms < 0
                  ? "TIMEOUT"
                  : String.format("%.0f ms", latenciesMs.get(latenciesMs.size() - 1)));
        }
      }
    }
    Percentiles p = Percentiles.of(latenciesMs);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("updates", updates);
    result.put("timeouts", timeouts);
    result.put("p50Ms", BenchFigures.round1(p.p50()));
    result.put("p99Ms", BenchFigures.round1(p.p99()));
    result.put("maxMs", BenchFigures.round1(p.max()));
    result.put("minMs", BenchFigures.round1(p.min()));
    result.put(
        "definition",
        "UPDATE execute (autocommit) -> new text found and old text gone via POST /v1/search (bm25)");
    if (json) {
      out.println(Json.write(result));
    } else {
      out.printf(
          "freshness over %d updates (%d timed out): p50 %.0f ms, p99 %.0f ms, max %.0f ms, min %.0f ms%n",
          updates, timeouts, p.p50(), p.p99(), p.max(), p.min());
    }
    out.flush();
    return timeouts == 0 ? 0 : 1;
  }

  /**
   * Polls until a chunk of row {@code id} containing {@code present} is found and (if {@code gone}
   * is not null) no chunk of the row contains {@code gone}; returns the wait in ms, or -1 on
   * timeout.
   */
  private double awaitVisible(GatewayProbe gateway, String id, String present, String gone)
      throws Exception {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    String suffix = ":" + id;
    while (System.nanoTime() < deadline) {
      boolean found =
          gateway.search(present, 10, "bm25").stream()
              .anyMatch(h -> h.documentId().endsWith(suffix) && h.text().contains(present));
      boolean stale =
          gone != null
              && gateway.search(gone, 10, "bm25").stream()
                  .anyMatch(h -> h.documentId().endsWith(suffix) && h.text().contains(gone));
      if (found && !stale) {
        return (System.nanoTime() - start) / 1e6;
      }
      Thread.sleep(pollMs); // polling the service under test: the wait is what we measure
    }
    return -1;
  }

  private static void setBody(PreparedStatement update, String id, String body) throws Exception {
    update.setString(1, body);
    update.setString(2, id);
    if (update.executeUpdate() != 1) {
      throw new IllegalStateException("row " + id + " disappeared during the benchmark");
    }
  }

  private static Map<String, String> sample(Connection db, SourceTable table, int n, long seed)
      throws Exception {
    Map<String, String> rows = new LinkedHashMap<>();
    try (PreparedStatement s =
        db.prepareStatement(
            "select id, body from "
                + table.quoted()
                + " where body is not null and length(body) > 0 order by md5(id || ?) limit ?")) {
      s.setString(1, Long.toString(seed));
      s.setInt(2, n);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) rows.put(rs.getString(1), rs.getString(2));
      }
    }
    return rows;
  }

  /** A random lower-case word no corpus contains and no stemmer changes. */
  private static String marker(Random random) {
    StringBuilder sb = new StringBuilder("zq");
    for (int i = 0; i < 12; i++) sb.append((char) ('a' + random.nextInt(26)));
    return sb.append('x').toString();
  }
}
