package io.ragstream.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.port.VectorStore;
import io.ragstream.embedding.Embedders;
import io.ragstream.job.store.QdrantStoreFactory;
import io.ragstream.processors.indexing.ComponentFactory;
import io.ragstream.store.qdrant.QdrantStoreConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.InstantiationUtil;
import org.apache.flink.util.ParameterTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Option handling of the cluster job: store selection, Qdrant option mapping, drift on/off, and
 * that every bad or missing option fails at build time naming its key. Pure JVM (no broker, no
 * model loaded; job graphs are built, not run).
 */
class ClusterIndexingJobTest {
  private static final Map<String, String> BASE =
      Map.of(
          "ragstream.kafka.bootstrap-servers", "kafka:9092",
          "ragstream.store.lucene.path", "/data/index");

  private static Configuration conf(String... keyValues) {
    Map<String, String> m = new HashMap<>(BASE);
    for (int i = 0; i < keyValues.length; i += 2) {
      if (keyValues[i + 1] == null) m.remove(keyValues[i]);
      else m.put(keyValues[i], keyValues[i + 1]);
    }
    return Configuration.fromMap(m);
  }

  private static Configuration qdrant(String... keyValues) {
    Configuration c = conf(keyValues);
    c.removeKey("ragstream.store.lucene.path");
    c.setString("ragstream.store.kind", "qdrant");
    if (!c.containsKey("ragstream.store.qdrant.url")) {
      c.setString("ragstream.store.qdrant.url", "http://qdrant:6334");
    }
    return c;
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      nullValues = "<unset>",
      value = {
        "ragstream.kafka.bootstrap-servers, <unset>",
        "ragstream.store.lucene.path, <unset>",
        "ragstream.store.lucene.path, ' '",
        "ragstream.store.kind, elastic",
        "ragstream.embedder, gpt-9",
        "ragstream.chunk.max-tokens, 300", // bge reads 510; MiniLM below
        "ragstream.chunk.max-tokens, -1",
        "ragstream.chunk.max-tokens, many",
        "ragstream.indexing.parallelism, 0",
        "ragstream.indexing.max-chunks, 0",
        "ragstream.drift.enabled, maybe",
        "ragstream.chunk.overlap-tokens, 400",
        "ragstream.indexing.checkpoint-interval, soon",
        "ragstream.indexing.checkpoint-interval, 0 ms",
      })
  void badOrMissingOptionFailsNamingItsKey(String key, String value) {
    Configuration c = conf(key, value);
    if (key.equals("ragstream.chunk.max-tokens") && "300".equals(value)) {
      c.setString("ragstream.embedder", "all-minilm-l6-v2-q");
    }
    assertThatThrownBy(() -> ClusterIndexingJob.fromConfiguration(c))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(key);
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      nullValues = "<unset>",
      value = {
        "ragstream.store.qdrant.url, <unset>",
        "ragstream.store.qdrant.url, ftp://qdrant:6334",
        "ragstream.store.qdrant.collection, bad name!",
        "ragstream.store.qdrant.alias, ragstream_v1", // equal to the collection
        "ragstream.store.qdrant.batch-size, 0",
        "ragstream.store.qdrant.max-in-flight, 65",
        "ragstream.store.qdrant.timeout, 0s",
        "ragstream.store.qdrant.timeout, forever",
        "ragstream.store.qdrant.bm25-b, 1.5",
        "ragstream.store.qdrant.bm25-avg-length, 0",
        "ragstream.store.qdrant.retry.max-attempts, 0",
        "ragstream.store.qdrant.retry.max-backoff, 1ms", // below the initial backoff
      })
  void badOrMissingQdrantOptionFailsNamingItsKey(String key, String value) {
    Configuration c = qdrant();
    if (value == null) c.removeKey(key);
    else c.setString(key, value);
    assertThatThrownBy(() -> ClusterIndexingJob.fromConfiguration(c))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(key);
  }

  @Test
  void luceneIsTheDefaultStore() {
    ComponentFactory<VectorStore> store = ClusterIndexingJob.store(conf());
    assertThat(store).isNotInstanceOf(QdrantStoreFactory.class);
    assertThat(ClusterIndexingJob.fromConfiguration(conf())).isNotNull();
  }

  @Test
  void qdrantOptionsMapOntoTheStoreConfig() throws Exception {
    Configuration c =
        qdrant(
            "ragstream.store.qdrant.url", "https://cluster.example:6443",
            "ragstream.store.qdrant.api-key", "s3cret",
            "ragstream.store.qdrant.collection", "docs_v2",
            "ragstream.store.qdrant.alias", "",
            "ragstream.store.qdrant.batch-size", "128",
            "ragstream.store.qdrant.timeout", "30 s",
            "ragstream.store.qdrant.wait", "false",
            "ragstream.store.qdrant.bm25-k1", "1.2",
            "ragstream.store.qdrant.retry.max-attempts", "7",
            "ragstream.embedder", "all-minilm-l6-v2-q");
    ComponentFactory<VectorStore> store = ClusterIndexingJob.store(c);
    assertThat(store).isInstanceOf(QdrantStoreFactory.class);

    // What a TaskManager gets: the factory after Java serialization.
    QdrantStoreFactory shipped =
        InstantiationUtil.clone((QdrantStoreFactory) store, getClass().getClassLoader());
    QdrantStoreConfig config = shipped.config();
    assertThat(config.host()).isEqualTo("cluster.example");
    assertThat(config.port()).isEqualTo(6443);
    assertThat(config.tls()).isTrue();
    assertThat(config.apiKey().reveal()).isEqualTo("s3cret");
    assertThat(config.toString()).doesNotContain("s3cret");
    assertThat(config.collection()).isEqualTo("docs_v2");
    assertThat(config.alias()).isNull();
    assertThat(config.target()).isEqualTo("docs_v2");
    assertThat(config.batchSize()).isEqualTo(128);
    assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.waitForIndexing()).isFalse();
    assertThat(config.bm25K1()).isEqualTo(1.2f);
    assertThat(config.bm25B()).isEqualTo(QdrantStoreConfig.DEFAULT_BM25_B);
    assertThat(config.retryMaxAttempts()).isEqualTo(7);
    assertThat(config.embedder()).isEqualTo(Embedders.id("all-minilm-l6-v2-q"));
    assertThat(config.embedder()).startsWith("all-minilm-l6-v2-q@langchain4j-embeddings-");
    assertThat(config.dimension()).isEqualTo(384);
  }

  @Test
  void qdrantDefaultsAddressTheAliasOverTheFirstCollection() {
    QdrantStoreConfig config = ((QdrantStoreFactory) ClusterIndexingJob.store(qdrant())).config();
    assertThat(config.host()).isEqualTo("qdrant");
    assertThat(config.port()).isEqualTo(6334);
    assertThat(config.tls()).isFalse();
    assertThat(config.apiKey().isEmpty()).isTrue();
    assertThat(config.target()).isEqualTo("ragstream");
    assertThat(config.collection()).isEqualTo("ragstream_v1");
    assertThat(config.embedder()).isEqualTo(Embedders.id(Embedders.DEFAULT_NAME));
  }

  @Test
  void driftIsAttachedToTheIndexingGraphOnlyWhenEnabled() {
    assertThat(uids(conf())).contains("chunk-embed", "vector-store-sink").noneMatch(this::isDrift);
    assertThat(uids(conf("ragstream.drift.enabled", "true")))
        .contains("chunk-embed", "vector-store-sink", "drift-documents", "drift-sink");
  }

  @Test
  void programArgumentsAreTheOptions() {
    Configuration c =
        ParameterTool.fromArgs(
                new String[] {
                  "--ragstream.kafka.bootstrap-servers", "kafka:9092",
                  "--ragstream.store.kind", "QDRANT",
                  "--ragstream.store.qdrant.url", "http://q:6334",
                  "--ragstream.indexing.parallelism", "3"
                })
            .getConfiguration();
    assertThat(ClusterIndexingJob.store(c)).isInstanceOf(QdrantStoreFactory.class);
    assertThat(parallelisms(c)).containsOnly(1, 3); // the DLQ branch runs at 1
  }

  private boolean isDrift(String uid) {
    return uid.startsWith("drift-");
  }

  private static List<Transformation<?>> graph(Configuration c) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    ClusterIndexingJob.fromConfiguration(c).addTo(env);
    return env.getTransformations();
  }

  private static List<String> uids(Configuration c) {
    return all(graph(c)).stream().map(Transformation::getUid).filter(u -> u != null).toList();
  }

  private static List<Integer> parallelisms(Configuration c) {
    return all(graph(c)).stream()
        .map(Transformation::getParallelism)
        .filter(p -> p > 0)
        .distinct()
        .toList();
  }

  /** The transformations and all their inputs (sources are only reachable as inputs). */
  private static List<Transformation<?>> all(List<Transformation<?>> sinks) {
    return sinks.stream().flatMap(t -> t.getTransitivePredecessors().stream()).distinct().toList();
  }
}
