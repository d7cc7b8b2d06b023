package io.ragstream.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GatewayMemoryTest {
  @Test
  void sumsTheHeapPoolsAndReadsRssAndConnections() {
    String text =
        """
        # HELP jvm_memory_used_bytes The amount of used memory
        # TYPE jvm_memory_used_bytes gauge
        jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.0E7
        jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 2.5E7
        jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 9.0E7
        jvm_memory_max_bytes{area="heap",id="G1 Old Gen"} 6.4E9
        # TYPE process_resident_memory_bytes gauge
        process_resident_memory_bytes 5.24288E8
        ragstream_gateway_websocket_connections 220.0
        """;
    GatewayMemory m = GatewayMemory.parse(text);
    assertThat(m.heapUsedBytes()).isEqualTo(3.5e7);
    assertThat(m.residentBytes()).isEqualTo(524_288_000.0);
    assertThat(m.websocketConnections()).isEqualTo(220.0);
  }

  @Test
  void absentSeriesAreNaN() {
    GatewayMemory m = GatewayMemory.parse("# nothing\nprocess_cpu_usage 0.5\n");
    assertThat(m.heapUsedBytes()).isNaN();
    assertThat(m.residentBytes()).isNaN();
    assertThat(m.websocketConnections()).isNaN();
  }
}
