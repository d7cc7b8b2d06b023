package io.ragstream.cli.bench;

import io.ragstream.cli.beir.BeirDataset;
import io.ragstream.cli.beir.BeirQuery;
import io.ragstream.cli.beir.GatewayException;
import io.ragstream.cli.beir.GatewaySearchClient;
import io.ragstream.cli.options.GatewayOptions;
import io.ragstream.core.eval.Percentiles;
import io.ragstream.core.json.Json;
import io.ragstream.core.store.SearchMode;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Query load: {@code --concurrency} closed-loop clients send {@code POST /v1/search} with the
 * queries of a BEIR dataset (cycling through them) for {@code --duration}, after a warm-up; prints
 * throughput and client-side latency p50/p99/max. The latency includes the query embedding, which
 * the gateway computes per request.
 */
@Command(
    name = "search",
    mixinStandardHelpOptions = true,
    description = "Drive POST /v1/search with concurrent clients; print throughput and latency.")
public final class SearchBench implements Callable<Integer> {
  @Mixin GatewayOptions gatewayOptions;
  @Spec CommandSpec spec;

  @Parameters(index = "0", description = "BEIR dataset directory (its queries.jsonl is replayed).")
  Path dir;

  @Option(
      names = "--concurrency",
      defaultValue = "4",
      description = "Concurrent clients (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(
      names = "--duration",
      defaultValue = "PT30S",
      description = "Measured time (default ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--warmup",
      defaultValue = "PT5S",
      description = "Unmeasured warm-up (default ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(
      names = "--mode",
      defaultValue = "hybrid",
      description = "dense, bm25 or hybrid (default ${DEFAULT-VALUE}).")
  String mode;

  @Option(
      names = "--k",
      defaultValue = "10",
      description = "Results per query (default ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  /** Client-side latencies (ms) of the measured requests of the last {@link #call()}. */
  List<Double> measuredLatenciesMs = List.of();

  @Override
  public Integer call() throws Exception {
    if (concurrency < 1 || concurrency > 256) {
      throw new IllegalArgumentException("--concurrency must be in 1..256, was " + concurrency);
    }
    SearchMode searchMode = SearchMode.valueOf(mode.toUpperCase(Locale.ROOT));
    List<String> queries = new ArrayList<>();
    for (BeirQuery q : BeirDataset.open(dir).queries().values()) queries.add(q.text());
    if (queries.isEmpty()) throw new IllegalArgumentException("no queries in " + dir);
    GatewaySearchClient client =
        new GatewaySearchClient(URI.create(gatewayOptions.url()), Duration.ofSeconds(30), Map.of());
    run(client, queries, searchMode, warmup, new ArrayList<>(), new AtomicInteger());
    List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger errors = new AtomicInteger();
    long start = System.nanoTime();
    run(client, queries, searchMode, duration, latencies, errors);
    double seconds = (System.nanoTime() - start) / 1e9;
    measuredLatenciesMs = List.copyOf(latencies);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("gateway", gatewayOptions.url());
    result.put("mode", searchMode.name().toLowerCase(Locale.ROOT));
    result.put("k", k);
    result.put("concurrency", concurrency);
    result.put("seconds", BenchFigures.round1(seconds));
    result.put("requests", latencies.size());
    result.put("errors", errors.get());
    result.put("throughputPerSec", BenchFigures.round1(latencies.size() / seconds));
    PrintWriter out = spec.commandLine().getOut();
    if (latencies.isEmpty()) {
      result.put("latencyMs", null);
      out.println(
          json
              ? Json.write(result)
              : "search: no successful request in "
                  + BenchFigures.round1(seconds)
                  + " s ("
                  + errors.get()
                  + " errors)");
      out.flush();
      return 1;
    }
    Percentiles p = Percentiles.of(latencies);
    result.put("latencyMs", BenchFigures.percentiles(p, 50, 99));
    if (json) {
      out.println(Json.write(result));
    } else {
      out.printf(
          "search %s k=%d, %d clients, %.1f s: %d requests (%d errors), %.1f req/s, latency p50"
              + " %.1f ms, p99 %.1f ms, max %.1f ms%n",
          result.get("mode"),
          k,
          concurrency,
          seconds,
          latencies.size(),
          errors.get(),
          latencies.size() / seconds,
          p.p50(),
          p.p99(),
          p.max());
    }
    out.flush();
    return errors.get() == 0 ? 0 : 1;
  }

  /**
   * {@code concurrency} clients, each looping over the queries from its own offset, until {@code
   * time} is up.
   */
  private void run(
      GatewaySearchClient client,
      List<String> queries,
      SearchMode searchMode,
      Duration time,
      List<Double> latencies,
      AtomicInteger errors)
      throws Exception {
    long deadline = System.nanoTime() + time.toNanos();
    AtomicLong next = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    try {
      List<Future<?>> clients = new ArrayList<>();
      for (int c = 0; c < concurrency; c++) {
        clients.add(
            pool.submit(
                () -> {
                  while (System.nanoTime() < deadline) {
                    String q = queries.get((int) (next.getAndIncrement() % queries.size()));
                    try {
                      latencies.add(client.search(q, k, searchMode).clientMs());
                    } catch (GatewayException e) {
                      errors.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : clients) f.get();
    } finally {
      pool.shutdownNow();
    }
  }
}
