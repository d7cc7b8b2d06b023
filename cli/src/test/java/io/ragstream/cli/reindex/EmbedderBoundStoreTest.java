package io.ragstream.cli.reindex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.StoreException;
import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.Point;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedder guard of a generation's store, over a real Lucene index. */
class EmbedderBoundStoreTest {
  @TempDir Path dataDir;

  private static DocumentUpdate.Upsert upsert(String id, String embedderId) {
    Point point =
        new Point(
            UUID.nameUUIDFromBytes(id.getBytes()),
            0,
            1,
            "text of " + id,
            0,
            10,
            new float[] {1, 0, 0, 0},
            embedderId);
    return new DocumentUpdate.Upsert(id, 1, 1_000, attributes(), "hash-" + id, List.of(point));
  }

  private static DocumentAttributes attributes() {
    return new DocumentAttributes("title", "public", List.of("public"), Map.of());
  }

  @Test
  void acceptsPointsOfItsEmbedderAndRefusesAnotherModelBeforeWriting() {
    IndexGeneration two =
        IndexGenerations.open(dataDir, "bge-small-en-v1.5-q", Clock.systemUTC())
            .beginBuild("e5-small-v2-q");
    try (VectorStore store =
        EmbedderBoundStore.luceneFactory(
                dataDir, two, io.ragstream.store.lucene.LuceneStoreOptions.defaults())
            .create()) {
      store.apply(upsert("a", "e5-small-v2-q@langchain4j-embeddings-1.17.0-beta27"));
      assertThatThrownBy(
              () -> store.apply(upsert("b", "bge-small-en-v1.5-q@langchain4j-embeddings-1.20.0")))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("holds only e5-small-v2-q");
      assertThat(store.stats().documents()).isEqualTo(1);
      assertThat(store.version("b")).isEqualTo(-1);
      // a name that merely starts with the bound one is another model
      assertThatThrownBy(() -> store.apply(upsert("c", "e5-small-v2-q-large@x")))
          .isInstanceOf(StoreException.class);
      // deletes carry no vectors and pass
      store.apply(new DocumentUpdate.Delete("a", 2, 2_000));
      assertThat(store.version("a")).isEqualTo(2);
    }
  }
}
