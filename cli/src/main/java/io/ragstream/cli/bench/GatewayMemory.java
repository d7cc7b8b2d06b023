package io.ragstream.cli.bench;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's memory as its {@code GET /metrics} reports it (Prometheus text format 0.0.4, names
 * of the gateway's {@code GatewayMetrics}). A figure is NaN when its series is absent.
 *
 * @param heapUsedBytes used heap in bytes: the sum of {@code jvm_memory_used_bytes{area="heap"}}
 *     over the heap's memory pools
 * @param residentBytes resident set size of the gateway process in bytes ({@code
 *     process_resident_memory_bytes})
 * @param websocketConnections open chat connections ({@code
 *     ragstream_gateway_websocket_connections})
 */
record GatewayMemory(double heapUsedBytes, double residentBytes, double websocketConnections) {
  /** {@code name{labels} value [timestamp]} or {@code name value [timestamp]}. */
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*\\})?\\s+(\\S+)(\\s+\\S+)?$");

  private static final Pattern HEAP_LABEL = Pattern.compile("[{,]\\s*area=\"heap\"");

  /** Reads the three figures from a scrape; comment and unrelated lines are skipped. */
  static GatewayMemory parse(String prometheusText) {
    double heap = Double.NaN;
    double resident = Double.NaN;
    double connections = Double.NaN;
    for (String line : prometheusText.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) continue;
      Matcher m = SAMPLE.matcher(line.strip());
      if (!m.matches()) continue;
      String name = m.group(1);
      String labels = m.group(2) == null ? "" : m.group(2);
      switch (name) {
        case "jvm_memory_used_bytes" -> {
          if (HEAP_LABEL.matcher(labels).find()) {
            heap = (Double.isNaN(heap) ? 0 : heap) + value(m.group(3));
          }
        }
        case "process_resident_memory_bytes" -> resident = value(m.group(3));
        case "ragstream_gateway_websocket_connections" -> connections = value(m.group(3));
        default -> {}
      }
    }
    return new GatewayMemory(heap, resident, connections);
  }

  /** A sample value: a Go float ({@code 1.5e9}, {@code NaN}, {@code +Inf}, {@code -Inf}). */
  private static double value(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> {
        try {
          yield Double.parseDouble(text);
        } catch (NumberFormatException e) {
          yield Double.NaN;
        }
      }
    };
  }
}
