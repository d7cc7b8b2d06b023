package io.ragstream.cli.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.Settings;
import io.ragstream.core.error.ConfigException;
import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.store.lucene.LuceneStoreOptions;
import io.ragstream.store.lucene.LuceneVectorStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoresTest {
  @TempDir Path dir;

  private LocalConfig config(Map<String, String> flags) {
    Map<String, String> all = new java.util.HashMap<>(flags);
    all.put("data-dir", dir.toString());
    return LocalConfig.from(Settings.load(null, Map.of(), all, LocalConfig.KEYS));
  }

  @Test
  void localRefusesQdrantAndAnotherLucenePath() {
    Stores.requireLocal(config(Map.of()));
    assertThatThrownBy(
            () ->
                Stores.requireLocal(
                    config(Map.of("store.kind", "qdrant", "store.qdrant.url", "http://q"))))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("store.kind"));
    assertThatThrownBy(
            () ->
                Stores.requireLocal(
                    config(Map.of("store.lucene.path", dir.resolve("other").toString()))))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("store.lucene.path"));
  }

  @Test
  void readerWithoutAnIndexFailsNamingTheLucenePath() {
    LocalConfig c = config(Map.of("store.lucene.path", dir.resolve("missing").toString()));
    assertThatThrownBy(
            () -> Stores.openReader(c.store(), c.storeOptions(), "e", 384, Duration.ofMillis(600)))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("store.lucene.path"))
        .hasMessageContaining(dir.resolve("missing").toString());
  }

  @Test
  void readerOpensTheWritersCommittedIndexWithoutWriting() throws Exception {
    LocalConfig c = config(Map.of());
    try (LuceneVectorStore writer =
        LuceneVectorStore.open(c.store().lucenePath(), LuceneStoreOptions.defaults())) {
      writer.flush(); // the first commit, as the indexing job's first checkpoint makes
      try (VectorStore reader =
          Stores.openReader(c.store(), c.storeOptions(), "e", 384, Duration.ofSeconds(5))) {
        assertThat(reader.stats().documents()).isZero();
        assertThatThrownBy(() -> reader.apply(new DocumentUpdate.Delete("pg:t:1", 5, 1)))
            .isInstanceOf(RuntimeException.class);
      }
    }
  }
}
