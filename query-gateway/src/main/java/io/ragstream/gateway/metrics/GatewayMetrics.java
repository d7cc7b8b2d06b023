package io.ragstream.gateway.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ragstream.core.store.SearchMode;
import io.ragstream.gateway.chat.ChatConnectionListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's metrics: one Micrometer {@link PrometheusMeterRegistry}, served as Prometheus text
 * on {@code GET /metrics}.
 *
 * <p>It holds Micrometer's standard JVM binders (memory pools and buffers, GC, threads, CPU,
 * uptime: {@code jvm_memory_used_bytes{area="heap",...}}, {@code jvm_gc_pause_seconds}, {@code
 * jvm_threads_live_threads}, {@code process_cpu_usage}, {@code process_uptime_seconds}, ...) and
 * two gauges of its own:
 *
 * <ul>
 *   <li>{@code ragstream_gateway_websocket_connections}: open {@code /v1/chat} connections, fed by
 *       {@link #chatConnections()} (registered by its first call, so only a gateway has it);
 *   <li>{@code process_resident_memory_bytes}: the resident set size of the process ({@code VmRSS}
 *       of {@code /proc/self/status}, as the Prometheus client libraries report it); absent where
 *       {@code /proc} is not available, NaN if a later read fails.
 * </ul>
 *
 * <p>Request meters, Prometheus histograms with the buckets of {@link #LATENCY_BUCKETS}:
 *
 * <ul>
 *   <li>{@code ragstream_gateway_query_seconds{kind,mode}}: request received → hits ready, per
 *       {@code kind} ({@code search}, {@code answer}, {@code chat}) and retrieval {@code mode}
 *       ({@code dense}, {@code bm25}, {@code hybrid}), query embedding included ({@link
 *       #recordQuery});
 *   <li>{@code ragstream_gateway_first_token_seconds{kind}}: question received → first answer token
 *       ({@code answer}, {@code chat}; {@link #recordFirstToken}).
 * </ul>
 *
 * <p>Meters added later go through {@link #registry()}; with Micrometer's Prometheus naming, a
 * meter named {@code ragstream.gateway.answers} with base unit seconds is exposed as {@code
 * ragstream_gateway_answers_seconds}, and counters gain {@code _total}.
 *
 * <p>Thread-safe. {@link #close()} stops listening to GC notifications and closes the registry; the
 * gateway does not close it, its owner does.
 */
public final class GatewayMetrics implements AutoCloseable {
  /** Media type of {@link #scrape()}: the Prometheus text exposition format 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** Where Linux reports the process's memory ({@code VmRSS}, in kB). */
  static final Path PROC_SELF_STATUS = Path.of("/proc/self/status");

  /** Bucket bounds of the request latency histograms. */
  public static final List<Duration> LATENCY_BUCKETS =
      List.of(
          Duration.ofMillis(1),
          Duration.ofMillis(2),
          Duration.ofMillis(5),
          Duration.ofMillis(10),
          Duration.ofMillis(20),
          Duration.ofMillis(50),
          Duration.ofMillis(100),
          Duration.ofMillis(200),
          Duration.ofMillis(500),
          Duration.ofSeconds(1),
          Duration.ofSeconds(2),
          Duration.ofSeconds(5),
          Duration.ofSeconds(10),
          Duration.ofSeconds(30));

  private final Map<String, Timer> queryTimers = new ConcurrentHashMap<>();
  private final Map<String, Timer> firstTokenTimers = new ConcurrentHashMap<>();

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final AtomicInteger openChatConnections = new AtomicInteger();
  private final ChatConnectionListener chatConnections =
      new ChatConnectionListener() {
        @Override
        public void opened() {
          openChatConnections.incrementAndGet();
        }

        @Override
        public void closed() {
          openChatConnections.decrementAndGet();
        }
      };

  private GatewayMetrics(Path procStatus) {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    if (!Double.isNaN(residentSetBytes(procStatus))) {
      Gauge.builder("process.resident.memory", procStatus, GatewayMetrics::residentSetBytes)
          .description("Resident set size of the process (VmRSS of /proc/self/status)")
          .baseUnit(BaseUnits.BYTES)
          .strongReference(true)
          .register(registry);
    }
  }

  /** Metrics of this process, with the resident set size read from {@code /proc/self/status}. */
  public static GatewayMetrics create() {
    return new GatewayMetrics(PROC_SELF_STATUS);
  }

  /**
   * Metrics reading the resident set size from {@code procStatus} (a file in the format of {@code
   * /proc/self/status}); for tests.
   */
  static GatewayMetrics create(Path procStatus) {
    return new GatewayMetrics(Objects.requireNonNull(procStatus, "procStatus"));
  }

  /** The registry, to add meters to. */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Records one retrieval of {@code kind} ({@code search}, {@code answer}, {@code chat}) in {@code
   * mode} that took {@code nanos} from request to hits.
   */
  public void recordQuery(String kind, SearchMode mode, long nanos) {
    String m = mode.name().toLowerCase(Locale.ROOT);
    queryTimers
        .computeIfAbsent(
            kind + "/" + m,
            k ->
                Timer.builder("ragstream.gateway.query")
                    .description("Request received to hits ready, query embedding included")
                    .tag("kind", kind)
                    .tag("mode", m)
                    .serviceLevelObjectives(LATENCY_BUCKETS.toArray(Duration[]::new))
                    .register(registry))
        .record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
  }

  /** Records the time from a question of {@code kind} to its first answer token. */
  public void recordFirstToken(String kind, long millis) {
    firstTokenTimers
        .computeIfAbsent(
            kind,
            k ->
                Timer.builder("ragstream.gateway.first.token")
                    .description("Question received to the first answer token")
                    .tag("kind", k)
                    .serviceLevelObjectives(LATENCY_BUCKETS.toArray(Duration[]::new))
                    .register(registry))
        .record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  /**
   * Counts open chat connections for {@code ragstream_gateway_websocket_connections}, which is
   * registered (at 0) by the first call: a gateway has it from its start, the distributed ingest
   * and trainer, which share this registry class but serve no chat, never show it.
   */
  public ChatConnectionListener chatConnections() {
    Gauge.builder(
            "ragstream.gateway.websocket.connections", openChatConnections, AtomicInteger::get)
        .description("Open WebSocket connections of /v1/chat")
        .strongReference(true)
        .register(registry); // idempotent: the registry returns the existing gauge
    return chatConnections;
  }

  /**
   * Renders every meter in the Prometheus text format ({@link #CONTENT_TYPE}). Reads MXBeans and
   * {@code /proc}, so call it off the event loop.
   */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * The {@code VmRSS} line of a {@code /proc/<pid>/status} file in bytes ({@code VmRSS: 123 kB} is
   * 125,952), or NaN when the file cannot be read or has no such line.
   */
  static double residentSetBytes(Path status) {
    try {
      for (String line : Files.readAllLines(status, StandardCharsets.US_ASCII)) {
        if (!line.startsWith("VmRSS:")) continue;
        String[] parts = line.substring("VmRSS:".length()).strip().split("\\s+");
        if (parts.length != 2 || !parts[1].equalsIgnoreCase("kB")) return Double.NaN;
        return Long.parseLong(parts[0]) * 1024.0;
      }
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
