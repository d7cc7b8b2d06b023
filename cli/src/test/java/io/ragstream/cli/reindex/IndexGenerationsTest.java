package io.ragstream.cli.reindex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.cli.reindex.IndexGeneration.State;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexGenerationsTest {
  private static final String BGE = "bge-small-en-v1.5-q";
  private static final String MINILM = "all-minilm-l6-v2-q";
  private static final String E5 = "e5-small-v2-q";
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_000), ZoneOffset.UTC);

  @TempDir Path dataDir;

  private IndexGenerations open(String embedder) {
    return IndexGenerations.open(dataDir, embedder, CLOCK);
  }

  @Test
  void newDataDirServesGenerationOneInTheExistingLayout() {
    IndexGenerations g = open(BGE);
    IndexGeneration serving = g.serving();
    assertThat(serving.number()).isEqualTo(1);
    assertThat(serving.embedder()).isEqualTo(BGE);
    assertThat(serving.luceneDirectory()).isEqualTo("index");
    assertThat(serving.consumerGroup()).isEqualTo("ragstream-indexer");
    assertThat(serving.checkpointDirectory()).isEqualTo("flink-checkpoints");
    assertThat(serving.qdrantCollection()).isEqualTo("ragstream_v1");
    assertThat(Files.exists(dataDir.resolve(IndexGenerations.FILE_NAME))).isTrue();
  }

  @Test
  void buildSwitchRollbackAndRetireArePersistedAcrossReopen() {
    IndexGenerations g = open(BGE);
    IndexGeneration two = g.beginBuild(MINILM);
    assertThat(two.number()).isEqualTo(2);
    assertThat(two.luceneDirectory()).isEqualTo("index-v2");
    assertThat(two.consumerGroup()).isEqualTo("ragstream-indexer-v2");
    assertThat(open(BGE).building()).contains(two);
    assertThat(open(BGE).live()).extracting(IndexGeneration::number).containsExactly(1, 2);

    g.completeBuild(2);
    // A restart serves what served before, whatever indexing.embedder says.
    IndexGenerations reopened = open(BGE);
    assertThat(reopened.serving().number()).isEqualTo(2);
    assertThat(reopened.serving().embedder()).isEqualTo(MINILM);
    assertThat(reopened.standby().map(IndexGeneration::number)).contains(1);

    reopened.rollback();
    assertThat(open(BGE).serving().number()).isEqualTo(1);
    assertThat(open(BGE).standby().map(IndexGeneration::number)).contains(2);
    reopened.rollback(); // forward again
    assertThat(open(BGE).serving().number()).isEqualTo(2);

    reopened.retire();
    IndexGenerations after = open(BGE);
    assertThat(after.standby()).isEmpty();
    assertThat(after.get(1).map(IndexGeneration::state)).contains(State.RETIRED);
    assertThat(after.live()).extracting(IndexGeneration::number).containsExactly(2);
    assertThatThrownBy(after::rollback)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no previous generation");
  }

  @Test
  void readersFindTheServingDirectoryWithoutCreatingState() {
    assertThat(IndexGenerations.servingLuceneDirectory(dataDir))
        .isEqualTo(dataDir.resolve("index"));
    assertThat(Files.exists(dataDir.resolve(IndexGenerations.FILE_NAME))).isFalse();
    IndexGenerations g = open(BGE);
    g.beginBuild(E5);
    assertThat(IndexGenerations.servingLuceneDirectory(dataDir))
        .isEqualTo(dataDir.resolve("index"));
    g.completeBuild(2);
    assertThat(IndexGenerations.servingLuceneDirectory(dataDir))
        .isEqualTo(dataDir.resolve("index-v2"));
  }

  @Test
  void refusesAReindexToTheServingEmbedder() {
    IndexGenerations g = open(BGE);
    assertThatThrownBy(() -> g.beginBuild(BGE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already serves " + BGE);
    assertThat(g.list()).hasSize(1);
  }

  @Test
  void refusesASecondReindexWhileOneIsBuilding() {
    IndexGenerations g = open(BGE);
    g.beginBuild(MINILM);
    assertThatThrownBy(() -> g.beginBuild(E5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("generation 2 (" + MINILM + ") is being built");
    assertThat(open(BGE).list()).hasSize(2);
  }

  @Test
  void refusesAReindexWhileAStandbyIsKeptForRollback() {
    IndexGenerations g = open(BGE);
    g.beginBuild(MINILM);
    g.completeBuild(2);
    assertThatThrownBy(() -> g.beginBuild(E5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("retire it first");
  }

  @Test
  void refusesAnUnknownEmbedderNamingTheKnownOnes() {
    IndexGenerations g = open(BGE);
    assertThatThrownBy(() -> g.beginBuild("word2vec"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown embedder 'word2vec'")
        .hasMessageContaining(E5);
  }

  @Test
  void aFailedBuildIsNeverServedAndItsNumberIsNotReused() {
    IndexGenerations g = open(BGE);
    g.beginBuild(MINILM);
    g.fail(2, "indexing job ended FAILED");
    assertThatThrownBy(() -> g.completeBuild(2)).isInstanceOf(IllegalStateException.class);
    assertThat(open(BGE).get(2).map(IndexGeneration::reason)).contains("indexing job ended FAILED");
    // a new build gets a new number, hence a new directory: the failed one's points stay apart
    IndexGeneration three = g.beginBuild(MINILM);
    assertThat(three.number()).isEqualTo(3);
    assertThat(three.luceneDirectory()).isEqualTo("index-v3");
  }

  @Test
  void refusesAStateFileWithTwoServingGenerations() throws Exception {
    Files.writeString(
        dataDir.resolve(IndexGenerations.FILE_NAME),
        """
        {"generations": [
          {"number": 1, "embedder": "bge-small-en-v1.5-q", "state": "SERVING", "createdAt": 1, "changedAt": 1},
          {"number": 2, "embedder": "e5-small-v2-q", "state": "SERVING", "createdAt": 1, "changedAt": 1}]}
        """);
    assertThatThrownBy(() -> open(BGE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exactly one index generation must serve, found 2");
  }

  @Test
  void refusesAStateFileRecordingOneNumberTwice() throws Exception {
    Files.writeString(
        dataDir.resolve(IndexGenerations.FILE_NAME),
        """
        {"generations": [
          {"number": 1, "embedder": "bge-small-en-v1.5-q", "state": "SERVING", "createdAt": 1, "changedAt": 1},
          {"number": 1, "embedder": "e5-small-v2-q", "state": "STANDBY", "createdAt": 1, "changedAt": 1}]}
        """);
    assertThatThrownBy(() -> open(BGE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("generation 1 is recorded twice");
  }
}
