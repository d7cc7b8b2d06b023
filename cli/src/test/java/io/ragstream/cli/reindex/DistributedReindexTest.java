package io.ragstream.cli.reindex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.config.ServiceSettings;
import io.ragstream.cli.config.Settings;
import io.ragstream.cli.config.StoreSettings;
import io.ragstream.cli.reindex.IndexGeneration.State;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What distributed reindexing derives without a cluster: each generation's store location, job
 * options and consumer group, and the generations document as {@code ragstream.generations} carries
 * it. DistributedReindexIT runs the whole switch on real parts (Lucene); no Qdrant server runs on
 * this machine, so the Qdrant locations are checked here only.
 */
class DistributedReindexTest {
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_000), ZoneOffset.UTC);
  private static final String BGE = "bge-small-en-v1.5-q";
  private static final String E5 = "e5-small-v2-q";

  @TempDir Path dir;

  private static LocalConfig config(Map<String, String> keys) {
    return LocalConfig.from(Settings.load(null, Map.of(), keys, ServiceSettings.ALL_KEYS));
  }

  private static IndexGeneration generation(int number, String embedder) {
    return new IndexGeneration(number, embedder, State.BUILDING, 1, 1, null);
  }

  @Test
  void luceneGenerationsAreSiblingsOfTheConfiguredPath() {
    Path first = dir.resolve("shared").resolve("index");
    LocalConfig c = config(Map.of("store.lucene.path", first.toString()));
    assertThat(c.store().generation(1).lucenePath()).isEqualTo(first);
    assertThat(c.store().generation(3).lucenePath()).isEqualTo(first.resolveSibling("index-v3"));
    assertThat(generation(3, E5).luceneDirectory(first))
        .isEqualTo(first.resolveSibling("index-v3"));
    assertThatThrownBy(() -> c.store().generation(0)).hasMessageContaining(">= 1");

    Map<String, String> job =
        DistributedReindex.jobOptions(c, "kafka:9092", "indexer", generation(3, E5));
    assertThat(job)
        .containsExactly(
            Map.entry("ragstream.kafka.bootstrap-servers", "kafka:9092"),
            Map.entry("ragstream.embedder", E5),
            Map.entry("ragstream.indexing.group-id", "indexer-v3"),
            Map.entry("ragstream.store.kind", "lucene"),
            Map.entry("ragstream.store.lucene.path", first.resolveSibling("index-v3").toString()));
    assertThat(DistributedReindex.arguments(job))
        .startsWith("--ragstream.kafka.bootstrap-servers kafka:9092 --ragstream.embedder " + E5);
  }

  @Test
  void qdrantGenerationsAreConcreteCollectionsWithoutTheAlias() {
    Map<String, String> keys = new HashMap<>();
    keys.put("store.kind", "qdrant");
    keys.put("store.qdrant.url", "https://qdrant.internal:7334");
    keys.put("store.qdrant.collection", "docs");
    LocalConfig c = config(keys);
    StoreSettings one = c.store().generation(1);
    StoreSettings two = c.store().generation(2);
    // Readers search their generation's collection, never the alias a reindex moves.
    assertThat(one.qdrant().collection()).isEqualTo("docs_v1");
    assertThat(one.qdrant().alias()).isNull();
    assertThat(two.qdrant().collection()).isEqualTo("docs_v2");
    assertThat(two.qdrant().target()).isEqualTo("docs_v2");
    assertThat(c.store().qdrant().alias())
        .as("the configured store is unchanged")
        .isEqualTo("docs");

    Map<String, String> job =
        DistributedReindex.jobOptions(c, "kafka:9092", "ragstream-indexer", generation(2, E5));
    assertThat(job)
        .containsEntry("ragstream.store.kind", "qdrant")
        .containsEntry("ragstream.store.qdrant.url", "https://qdrant.internal:7334")
        .containsEntry("ragstream.store.qdrant.collection", "docs_v2")
        .containsEntry("ragstream.store.qdrant.alias", "")
        .containsEntry("ragstream.indexing.group-id", "ragstream-indexer-v2");
    assertThat(DistributedReindex.arguments(job)).contains("--ragstream.store.qdrant.alias ''");
  }

  @Test
  void generationsFromATopicStartAtOneAndRecordEveryTransitionInTheSink() {
    List<List<IndexGeneration>> recorded = new ArrayList<>();
    IndexGenerations g = IndexGenerations.of(Optional.empty(), BGE, CLOCK, recorded::add);
    assertThat(g.serving().number()).isEqualTo(1);
    assertThat(recorded).as("nothing is written before a transition").isEmpty();
    g.beginBuild(E5);
    g.completeBuild(2);
    assertThat(recorded).hasSize(2);
    List<IndexGeneration> last = recorded.get(1);
    assertThat(IndexGenerations.servingOf(last).embedder()).isEqualTo(E5);

    // The document round-trips, and a reader continues from it.
    List<IndexGeneration> parsed = IndexGenerations.fromJson(IndexGenerations.toJson(last));
    assertThat(parsed).isEqualTo(last);
    IndexGenerations reopened = IndexGenerations.of(Optional.of(parsed), BGE, CLOCK, l -> {});
    assertThat(reopened.standby().map(IndexGeneration::number)).contains(1);
  }

  @Test
  void aFailedSinkLeavesTheStateUnchanged() {
    IndexGenerations g =
        IndexGenerations.of(
            Optional.empty(),
            BGE,
            CLOCK,
            l -> {
              throw new IllegalStateException("broker down");
            });
    assertThatThrownBy(() -> g.beginBuild(E5)).hasMessage("broker down");
    assertThat(g.building()).isEmpty();
  }

  @Test
  void badDocumentsAreRefusedNamingTheProblem() {
    assertThatThrownBy(() -> IndexGenerations.fromJson("{not json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an index generations document");
    String twoServing =
        IndexGenerations.toJson(
            List.of(
                new IndexGeneration(1, BGE, State.SERVING, 1, 1, null),
                new IndexGeneration(2, E5, State.SERVING, 1, 1, null)));
    assertThatThrownBy(() -> IndexGenerations.fromJson(twoServing))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exactly one index generation must serve");
  }
}
