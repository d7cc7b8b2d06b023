package io.ragstream.core.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileAdapterRegistryTest {
  @TempDir Path root;

  private final Clock clock = Clock.fixed(Instant.parse("2026-11-23T21:15:00Z"), ZoneOffset.UTC);

  @Test
  void registersWithANewIdMetricsAndLineageAndLoadsByIdAndUri() {
    FileAdapterRegistry registry = FileAdapterRegistry.open(root, clock);
    LoraAdapter adapter = LoraAdapterTest.random("whatever", 8, 2, 4, 1);
    RegisteredAdapter r =
        registry.register(adapter, Map.of("ndcg@10", 0.71, "mrr@10", 0.66), "base", null);

    assertThat(r.adapterId()).matches("qa-20261123-211500-[0-9a-f]{4}");
    assertThat(r.createdAt()).isEqualTo(clock.millis());
    assertThat(r.parent()).isEqualTo("base");
    assertThat(r.uri()).isEqualTo(root.toAbsolutePath().resolve(r.adapterId()).toUri());
    assertThat(Path.of(r.uri()).resolve(FileAdapterRegistry.METRICS_FILE)).isRegularFile();
    assertThat(registry.get(r.adapterId())).contains(r);

    LoraAdapter loaded = registry.load(r.adapterId());
    assertThat(loaded.adapterId()).as("the registry's id").isEqualTo(r.adapterId());
    assertThat(loaded.b()).containsExactly(adapter.b());
    assertThat(LoraAdapter.load(r.uri()).a()).containsExactly(adapter.a());

    // A fresh registry on the same root reads the same record.
    assertThat(FileAdapterRegistry.open(root, clock).get(r.adapterId())).contains(r);
  }

  @Test
  void idsAreUniqueAndListedOldestFirst() {
    FileAdapterRegistry registry = FileAdapterRegistry.open(root, clock);
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      ids.add(
          registry
              .register(LoraAdapterTest.random("x", 4, 1, 1, i), Map.of(), "base", null)
              .adapterId());
    }
    assertThat(ids).hasSize(20);
    List<RegisteredAdapter> list = registry.list();
    assertThat(list)
        .extracting(RegisteredAdapter::adapterId)
        .containsExactlyInAnyOrderElementsOf(ids);
    assertThat(list).extracting(RegisteredAdapter::adapterId).isSorted();
  }

  @Test
  void aFailedRegistrationLeavesNothingVisibleAndItsIdIsNeverReused() {
    FileAdapterRegistry registry = FileAdapterRegistry.open(root, clock);
    RegisteredAdapter ok =
        registry.register(LoraAdapterTest.random("x", 4, 1, 1, 1), Map.of(), "base", null);
    LoraAdapter adapter = LoraAdapterTest.random("y", 4, 1, 1, 2);
    Set<String> before = new HashSet<>(registry.reservedIds());

    // Fails after the id was reserved: a metric that is not finite.
    assertThatThrownBy(
            () -> registry.register(adapter, Map.of("ndcg@10", Double.NaN), "base", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("metrics.ndcg@10 must be finite");

    Set<String> burnt = new HashSet<>(registry.reservedIds());
    burnt.removeAll(before);
    assertThat(burnt).as("the failed registration's id stays reserved").hasSize(1);
    assertThat(registry.list())
        .extracting(RegisteredAdapter::adapterId)
        .containsExactly(ok.adapterId());
    assertThat(root.toFile().list())
        .as("no temporary directory left")
        .containsExactlyInAnyOrder(".reserved", ok.adapterId());

    RegisteredAdapter next = registry.register(adapter, Map.of(), "base", null);
    assertThat(burnt).doesNotContain(next.adapterId());
    assertThat(next.adapterId()).isNotEqualTo(ok.adapterId());
  }

  @Test
  void ignoresHalfWrittenTemporaryDirectories() throws Exception {
    FileAdapterRegistry registry = FileAdapterRegistry.open(root, clock);
    Path tmp = Files.createDirectories(root.resolve(".tmp-qa-20261123-211500-dead"));
    LoraAdapterTest.random("qa-20261123-211500-dead", 4, 1, 1, 1).save(tmp);
    assertThat(registry.list()).isEmpty();
    assertThat(registry.get("qa-20261123-211500-dead")).isEmpty();
    assertThat(registry.get("../etc")).isEmpty();
    assertThatThrownBy(() -> registry.load("qa-20261123-211500-dead"))
        .isInstanceOf(NoSuchElementException.class);
  }
}
