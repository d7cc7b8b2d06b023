package io.ragstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.ragstream.core.error.EmbeddingException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the real int8 (and once the fp32) bge-small-en-v1.5 ONNX model from the LangChain4j jars.
 */
class OnnxEmbedderTest {

  private static final String QUERY = "How do vaccines train the immune system?";
  private static final String RELEVANT =
      "Vaccines expose the immune system to a harmless antigen so that it builds antibodies and"
          + " memory cells against the pathogen.";
  private static final String UNRELATED =
      "The recipe calls for two cups of flour, a pinch of salt and butter folded into the dough.";

  private static OnnxEmbedder embedder;

  @BeforeAll
  static void loadModel() {
    embedder = Embedders.createDefault();
  }

  @AfterAll
  static void closeModel() {
    embedder.close();
  }

  @Test
  void idNamesTheModelAndTheLangChain4jRevision() {
    assertThat(embedder.modelName()).isEqualTo("bge-small-en-v1.5-q");
    assertThat(embedder.id())
        .isEqualTo(
            "bge-small-en-v1.5-q@langchain4j-embeddings-"
                + OnnxEmbedder.LANGCHAIN4J_EMBEDDINGS_VERSION_FALLBACK);
  }

  @Test
  void idAndDimensionAreKnownWithoutLoadingTheModel() {
    assertThat(Embedders.id("bge-small-en-v1.5-q")).isEqualTo(embedder.id());
    assertThat(Embedders.id("all-minilm-l6-v2-q"))
        .isEqualTo(
            "all-minilm-l6-v2-q@langchain4j-embeddings-"
                + OnnxEmbedder.LANGCHAIN4J_EMBEDDINGS_VERSION_FALLBACK);
    assertThat(Embedders.dimension("bge-small-en-v1.5-q")).isEqualTo(embedder.dimension());
    assertThatThrownBy(() -> Embedders.id("nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nope");
  }

  @Test
  void vectorsHave384DimensionsAndUnitLength() {
    List<float[]> vectors = embedder.embedPassages(List.of(RELEVANT, UNRELATED));
    float[] query = embedder.embedQuery(QUERY);

    assertThat(embedder.dimension()).isEqualTo(384);
    for (float[] vector : List.of(query, vectors.get(0), vectors.get(1))) {
      assertThat(vector).hasSize(384);
      assertThat(dot(vector, vector)).isCloseTo(1.0, within(1e-5));
    }
  }

  @Test
  void relevantPassageScoresHigherThanUnrelatedOne() {
    float[] query = embedder.embedQuery(QUERY);
    List<float[]> passages = embedder.embedPassages(List.of(UNRELATED, RELEVANT));

    assertThat(dot(query, passages.get(1))).isGreaterThan(dot(query, passages.get(0)) + 0.1);
  }

  @Test
  void queriesGetTheBgeInstructionAndPassagesDoNot() {
    float[] query = embedder.embedQuery(QUERY);
    float[] raw = embedder.embedPassages(List.of(QUERY)).get(0);
    float[] prefixed =
        embedder.embedPassages(List.of(OnnxEmbedder.BGE_QUERY_INSTRUCTION + QUERY)).get(0);

    assertThat(dot(query, raw)).isLessThan(0.99);
    assertThat(dot(query, prefixed)).isCloseTo(1.0, within(1e-5));
  }

  @Test
  void batchResultKeepsTheInputOrder() {
    List<String> texts = List.of(RELEVANT, UNRELATED, QUERY);

    List<float[]> batch = embedder.embedPassages(texts);

    assertThat(batch).hasSize(3);
    for (int i = 0; i < texts.size(); i++) {
      float[] single = embedder.embedPassages(List.of(texts.get(i))).get(0);
      for (int j = 0; j < texts.size(); j++) {
        if (i == j) {
          assertThat(dot(batch.get(j), single)).isCloseTo(1.0, within(1e-5));
        } else {
          assertThat(dot(batch.get(j), single)).isLessThan(0.95);
        }
      }
    }
  }

  @Test
  void emptyBatchGivesNoVectors() {
    assertThat(embedder.embedPassages(List.of())).isEmpty();
  }

  @Test
  void rejectsBlankTextsNamingTheirIndex() {
    assertThatThrownBy(() -> embedder.embedPassages(List.of(RELEVANT, " \n")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("passage 1");
    assertThatThrownBy(() -> embedder.embedPassages(List.of("\u0001\u0002")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("passage 0");
    assertThatThrownBy(() -> embedder.embedQuery(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("query");
  }

  @Test
  void modelFailureIsAnEmbeddingException() {
    // Zero-width spaces are not blank but the tokenizer drops them: there is no token to embed.
    assertThatThrownBy(() -> embedder.embedPassages(List.of("\u200B\u200B")))
        .isInstanceOf(EmbeddingException.class)
        .hasMessageContaining("bge-small-en-v1.5-q failed to embed a batch of 1 passages");
  }

  @Test
  void textsOverTheModelMaximumAreEmbeddedFromTheirFirst510Tokens() {
    String head = "The cat sat on the mat. ".repeat(80); // 560 tokens, over the 510 limit
    String tail = "Quantum chromodynamics describes quarks and gluons. ".repeat(20);

    List<float[]> vectors = embedder.embedPassages(List.of(head, head + tail));

    // Truncation at 512 tokens including [CLS] and [SEP], as LangChain4j 1.20.0-beta30 does.
    assertThat(dot(vectors.get(0), vectors.get(1))).isCloseTo(1.0, within(1e-5));
  }

  @Test
  void matchesLangChain4jReferenceEncoder() {
    var reference = OnnxModel.BGE_SMALL_EN_V15_Q.newModel(Runnable::run);
    String longText = "Glaciers carve U-shaped valleys. ".repeat(120); // truncated by both
    for (String text : List.of("Ocean currents move heat.", "A query: what is CRISPR?", longText)) {
      float[] expected = reference.embed(text).content().vector();
      float[] actual = embedder.embedPassages(List.of(text)).get(0);
      assertThat(dot(expected, actual)).as(text.substring(0, 20)).isCloseTo(1.0, within(1e-4));
    }
  }

  @Test
  void unknownModelNameFailsListingTheKnownNames() {
    assertThatThrownBy(() -> Embedders.create("e5-large-v2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("e5-large-v2")
        .hasMessageContaining(
            "known embedders: bge-small-en-v1.5-q, bge-small-en-v1.5, all-minilm-l6-v2-q,"
                + " all-minilm-l6-v2, e5-small-v2-q, e5-small-v2");
  }

  @Test
  void fp32ModelAgreesWithInt8Model() {
    try (OnnxEmbedder fp32 = Embedders.create("bge-small-en-v1.5")) {
      float[] full = fp32.embedPassages(List.of(RELEVANT)).get(0);
      float[] quantized = embedder.embedPassages(List.of(RELEVANT)).get(0);

      assertThat(fp32.id()).startsWith("bge-small-en-v1.5@langchain4j-embeddings-");
      assertThat(full).hasSize(384);
      assertThat(dot(full, full)).isCloseTo(1.0, within(1e-5));
      assertThat(dot(full, quantized)).isGreaterThan(0.95).isLessThan(0.99999);
    }
  }

  @Test
  void closedEmbedderRejectsCalls() {
    OnnxEmbedder other = Embedders.createDefault();
    other.close();

    assertThatThrownBy(() -> other.embedQuery(QUERY)).isInstanceOf(IllegalStateException.class);
    assertThat(embedder.embedQuery(QUERY)).as("shared model still usable").hasSize(384);
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += (double) a[i] * b[i];
    }
    return sum;
  }
}
