package io.ragstream.processors.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.core.model.IndexedEvent;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.processors.indexing.internal.IndexOp;
import io.ragstream.store.lucene.LuceneVectorStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link VectorStoreSinkWriter} on a real Lucene index: freshness events of applied updates. */
class VectorStoreSinkWriterTest {
  @TempDir Path dir;

  @Test
  void publishesAnIndexedEventPerAppliedUpdateAndNoneForStaleOnes() throws Exception {
    List<IndexedEvent> events = new ArrayList<>();
    var writer =
        new VectorStoreSinkWriter(
            LuceneVectorStore.open(dir),
            new UnregisteredMetricsGroup(),
            Duration.ZERO,
            events::add);
    DocumentUpdate upsert =
        new DocumentUpdate.Upsert(
            "pg:public.docs:1",
            10,
            1_000,
            new DocumentAttributes("T", "t", List.of("a"), Map.of()),
            "hash",
            List.of());
    long before = System.currentTimeMillis();
    writer.write(new IndexOp(upsert, 1_100, 1_200, 1_300, "public.docs"), null);
    writer.write(new IndexOp(upsert, 1_100, 1_200, 1_300, "public.docs"), null); // replay: stale
    writer.write(
        new IndexOp(new DocumentUpdate.Delete("pg:public.docs:1", 11, 2_000), 2_100), null);
    writer.close();

    assertThat(events).hasSize(2);
    IndexedEvent first = events.get(0);
    assertThat(first.op()).isEqualTo(IndexedEvent.Op.UPSERT);
    assertThat(first.table()).isEqualTo("public.docs");
    assertThat(first.version()).isEqualTo(10);
    assertThat(List.of(first.committedAt(), first.capturedAt(), first.normalizedAt()))
        .containsExactly(1_000L, 1_100L, 1_200L);
    assertThat(first.embeddedAt()).isEqualTo(1_300L);
    assertThat(first.searchableAt()).isBetween(before, System.currentTimeMillis());
    assertThat(events.get(1).op()).isEqualTo(IndexedEvent.Op.DELETE);
    assertThat(events.get(1).version()).isEqualTo(11);
  }
}
