package io.ragstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every shipped model, loaded from its jar: query/passage prefixes, pooling against LangChain4j's
 * own encoder where its class is usable, length-sorted batches equal to single runs, and retrieval
 * of the right passage on a small slice of SciFact-style abstracts.
 */
class EmbedderModelsIT {

  /** Five short abstracts (paraphrased from SciFact topics) and one query aimed at each. */
  private static final List<String> PASSAGES =
      List.of(
          "Vitamin D supplementation did not reduce the incidence of fractures in older adults in a"
              + " randomized controlled trial of 25,000 participants.",
          "CRISPR-Cas9 enables targeted editing of the genome by guiding a nuclease to a DNA"
              + " sequence complementary to a short RNA.",
          "Statin therapy lowers LDL cholesterol and reduces the risk of major cardiovascular"
              + " events in patients with coronary heart disease.",
          "Mutations in the BRCA1 gene markedly increase the lifetime risk of breast and ovarian"
              + " cancer.",
          "Gut microbiota composition differs between obese and lean individuals and affects energy"
              + " harvest from the diet.");

  private static final List<String> QUERIES =
      List.of(
          "Does vitamin D prevent bone fractures in the elderly?",
          "How does CRISPR edit genes?",
          "Do statins reduce heart attacks?",
          "Which gene mutation raises breast cancer risk?",
          "Is the gut microbiome linked to obesity?");

  static List<String> models() {
    return Embedders.names();
  }

  @ParameterizedTest
  @MethodSource("models")
  void appliesTheModelCardPrefixes(String name) {
    OnnxModel model = OnnxModel.valueOf(constant(name));
    try (OnnxEmbedder embedder = Embedders.create(name);
        OrtBertEncoder raw =
            new OrtBertEncoder(
                model.modelResource,
                model.tokenizerResource,
                model.dimension,
                model.maxLength,
                model.pooling,
                1)) {
      String expectedQueryPrefix =
          name.startsWith("bge")
              ? OnnxEmbedder.BGE_QUERY_INSTRUCTION
              : name.startsWith("e5") ? "query: " : "";
      String expectedPassagePrefix = name.startsWith("e5") ? "passage: " : "";

      assertThat(
              cos(
                  embedder.embedQuery(QUERIES.get(0)),
                  raw.encode(expectedQueryPrefix + QUERIES.get(0))))
          .isCloseTo(1.0, within(1e-4));
      assertThat(
              cos(
                  embedder.embedPassages(List.of(PASSAGES.get(0))).get(0),
                  raw.encode(expectedPassagePrefix + PASSAGES.get(0))))
          .isCloseTo(1.0, within(1e-4));
      if (!expectedQueryPrefix.isEmpty()) {
        assertThat(cos(embedder.embedQuery(QUERIES.get(0)), raw.encode(QUERIES.get(0))))
            .as("the prefix changes the vector")
            .isLessThan(0.999);
      }
      assertThat(embedder.id()).startsWith(name + "@langchain4j-embeddings-1.");
    }
  }

  @ParameterizedTest
  @MethodSource("models")
  void retrievesTheRightPassageForEveryQuery(String name) {
    try (OnnxEmbedder embedder = Embedders.create(name)) {
      List<float[]> passages = embedder.embedPassages(PASSAGES);
      for (int q = 0; q < QUERIES.size(); q++) {
        float[] query = embedder.embedQuery(QUERIES.get(q));
        int best =
            IntStream.range(0, passages.size())
                .boxed()
                .max(Comparator.comparingDouble(i -> cos(query, passages.get(i))))
                .orElseThrow();
        assertThat(best).as(name + ": " + QUERIES.get(q)).isEqualTo(q);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("models")
  void lengthSortedBatchesEqualSingleRuns(String name) {
    List<String> texts = new ArrayList<>(PASSAGES);
    texts.add("Short.");
    texts.add(String.join(" ", PASSAGES));
    try (OnnxEmbedder single = Embedders.create(name, 2, 1);
        OnnxEmbedder batched = Embedders.create(name, 2, 3)) {
      List<float[]> a = single.embedPassages(texts);
      List<float[]> b = batched.embedPassages(texts);
      // fp32: padding is masked out, so batched equals single up to rounding. int8: the
      // quantized models quantize activations dynamically with one scale per tensor, so a text's
      // vector depends on its batch neighbours (measured cos 0.98..0.998); close, not equal.
      double tolerance = name.endsWith("-q") ? 3e-2 : 1e-4;
      for (int i = 0; i < texts.size(); i++) {
        assertThat(cos(a.get(i), b.get(i)))
            .as(name + " text " + i)
            .isCloseTo(1.0, within(tolerance));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("models")
  void matchesLangChain4jWhereItsClassIsUsable(String name) {
    OnnxModel model = OnnxModel.valueOf(constant(name));
    if (!model.hasLangChain4jModel()) {
      return; // e5: LangChain4j's class targets an older runtime; its pooling is MiniLM's (mean)
    }
    var reference = model.newModel(Runnable::run);
    try (OnnxEmbedder embedder = Embedders.create(name)) {
      for (String text : PASSAGES) {
        float[] expected = reference.embed(text).content().vector();
        float[] actual = embedder.embedPassages(List.of(text)).get(0);
        assertThat(cos(expected, actual)).as(name).isCloseTo(1.0, within(1e-4));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("models")
  void maxPassageTokensLeavesRoomForSpecialsAndPrefix(String name) {
    try (OnnxEmbedder embedder = Embedders.create(name)) {
      int max = Embedders.maxPassageTokens(name);
      assertThat(embedder.maxPassageTokens()).isEqualTo(max);
      // "passage: " + max words of one token each, plus [CLS] and [SEP], fills the model exactly.
      String text = "cell ".repeat(max);
      assertThat(embedder.passageTokens(text))
          .isEqualTo(OnnxModel.valueOf(constant(name)).maxLength);
      assertThat(embedder.passageTokens("cell ".repeat(max - 1))).isLessThan(max + 2 + 2 + 1);
    }
  }

  private static String constant(String name) {
    return name.toUpperCase().replace('-', '_').replace('.', '_').replace("V1_5", "V15");
  }

  private static double cos(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
