package io.ragstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.model.Chunk;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenChunkerTest {

  private static final String[] SENTENCES = {
    "Streaming retrieval keeps the vector index in step with the source database.",
    "Every committed row change becomes an event on a Kafka topic, keyed by document id.",
    "A Flink job chunks the body, embeds each chunk and writes the points to the store.",
    "Idempotent writes mean a replay after a crash produces exactly the same points again.",
    "Why would anyone re-embed a document whose content hash has not changed?",
    "The gateway filters every search by tenant and access-control list, server-side.",
    "Quantized models trade a little accuracy for a smaller, faster ONNX graph!",
    "Internationalization, tokenization and antidisestablishmentarianism split into word pieces.",
    "Drift detection compares recent query embeddings against a reference window.",
    "Short one."
  };

  private static final TokenChunker DEFAULT = new TokenChunker();

  /**
   * About {@code sentences * 15} tokens of English prose with a paragraph break every 7 sentences.
   */
  private static String document(int sentences) {
    StringBuilder body = new StringBuilder("  ");
    for (int i = 0; i < sentences; i++) {
      body.append(SENTENCES[(i * 7 + i / 10) % SENTENCES.length]);
      body.append(i % 7 == 6 ? "\n\n" : " ");
    }
    return body.append("\n").toString();
  }

  @Test
  void offsetsAreExactAndChunksAreTrimmedAndOrdered() {
    String body = document(200);

    List<Chunk> chunks = DEFAULT.chunk(body);

    assertThat(chunks).hasSizeGreaterThan(3);
    for (int i = 0; i < chunks.size(); i++) {
      Chunk chunk = chunks.get(i);
      assertThat(chunk.index()).isEqualTo(i);
      assertThat(chunk.text()).isEqualTo(body.substring(chunk.start(), chunk.end()));
      assertThat(chunk.text()).isEqualTo(chunk.text().strip()).isNotBlank();
      if (i > 0) {
        assertThat(chunk.start()).isGreaterThan(chunks.get(i - 1).start());
        assertThat(chunk.end()).isGreaterThan(chunks.get(i - 1).end());
        assertThat(chunk.start()).as("no gap between chunks").isLessThan(chunks.get(i - 1).end());
      }
    }
    assertThat(chunks.get(0).start()).isEqualTo(2);
    assertThat(chunks.get(chunks.size() - 1).end()).isEqualTo(body.stripTrailing().length());
  }

  @ParameterizedTest
  @CsvSource({"400, 40", "64, 16", "20, 0", "510, 100"})
  void tokenCountsStayWithinMaxAndMatchTheModelTokenizer(int max, int overlap) {
    TokenChunker chunker = new TokenChunker(max, overlap);
    String body = document(300);

    List<Chunk> chunks = chunker.chunk(body);

    assertThat(chunks).hasSizeGreaterThan(1);
    for (Chunk chunk : chunks) {
      assertThat(chunk.tokenCount()).isBetween(1, max);
      assertThat(chunker.countTokens(chunk.text())).isEqualTo(chunk.tokenCount());
    }
  }

  @ParameterizedTest
  @CsvSource({"400, 40", "64, 16"})
  void consecutiveChunksOverlapByAboutOverlapTokens(int max, int overlap) {
    TokenChunker chunker = new TokenChunker(max, overlap);
    String body = document(300);

    List<Chunk> chunks = chunker.chunk(body);

    for (int i = 1; i < chunks.size(); i++) {
      String shared = body.substring(chunks.get(i).start(), chunks.get(i - 1).end());
      assertThat(chunker.countTokens(shared)).isBetween(overlap, overlap + 8);
      assertThat(Character.isWhitespace(body.charAt(chunks.get(i).start() - 1)))
          .as("chunk %d starts after whitespace", i)
          .isTrue();
    }
  }

  @Test
  void settingsAreCheckedWithoutATokenizer() {
    TokenChunker.checkSettings(30, 0);
    TokenChunker.checkSettings(TokenChunker.MAX_TOKENS_LIMIT, TokenChunker.MAX_TOKENS_LIMIT - 1);
    assertThatThrownBy(() -> TokenChunker.checkSettings(0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxTokens");
    assertThatThrownBy(() -> TokenChunker.checkSettings(TokenChunker.MAX_TOKENS_LIMIT + 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxTokens");
    assertThatThrownBy(() -> TokenChunker.checkSettings(30, 30))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overlapTokens");
    assertThatThrownBy(() -> TokenChunker.checkSettings(30, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overlapTokens");
  }

  @Test
  void zeroOverlapMakesChunksAdjacent() {
    TokenChunker chunker = new TokenChunker(30, 0);
    String body = document(60);

    List<Chunk> chunks = chunker.chunk(body);

    int tokens = 0;
    for (int i = 0; i < chunks.size(); i++) {
      tokens += chunks.get(i).tokenCount();
      if (i > 0) {
        assertThat(body.substring(chunks.get(i - 1).end(), chunks.get(i).start())).isBlank();
      }
    }
    assertThat(tokens).isEqualTo(chunker.countTokens(body));
  }

  @Test
  void endsChunksAtSentenceEndsNearTheWindowEnd() {
    List<Chunk> chunks = DEFAULT.chunk(document(200));

    for (Chunk chunk : chunks.subList(0, chunks.size() - 1)) {
      assertThat(chunk.text()).matches("(?s).*[.!?]");
      assertThat(chunk.tokenCount()).isGreaterThanOrEqualTo(340); // within the last 15% of 400
    }
  }

  @Test
  void blankBodyGivesNoChunks() {
    assertThat(DEFAULT.chunk(null)).isEmpty();
    assertThat(DEFAULT.chunk("")).isEmpty();
    assertThat(DEFAULT.chunk(" \n\t\u2003 ")).isEmpty();
    assertThat(DEFAULT.chunk("\u0001\u0002")).as("only characters the tokenizer drops").isEmpty();
  }

  @Test
  void bodyWithinMaxTokensIsOneTrimmedChunk() {
    String body = "  \n Hello, world. Chunking is fun!\n\n";

    assertThat(DEFAULT.chunk(body))
        .containsExactly(new Chunk(0, "Hello, world. Chunking is fun!", 4, 34, 9));
  }

  @Test
  void bodyOfExactlyMaxTokensIsOneChunkAndOneMoreTokenMakesTwo() {
    TokenChunker chunker = new TokenChunker(8, 2);

    assertThat(chunker.chunk("one two three four five six seven eight")).hasSize(1);
    assertThat(chunker.chunk("one two three four five six seven eight nine")).hasSize(2);
  }

  @Test
  void isDeterministic() {
    String body = document(150);

    List<Chunk> first = DEFAULT.chunk(body);

    assertThat(DEFAULT.chunk(body)).isEqualTo(first);
    assertThat(new TokenChunker().chunk(body)).isEqualTo(first);
  }

  @Test
  void longTextWithoutSpacesStillChunks() {
    String cjk = "北京大学是中国著名的综合性大学，创建于一八九八年。".repeat(60);
    String ascii = "alpha,beta;gamma-delta/epsilon:zeta(eta)theta.".repeat(200);

    for (String body : List.of(cjk, ascii)) {
      List<Chunk> chunks = DEFAULT.chunk(body);

      assertThat(chunks).hasSizeGreaterThan(2);
      assertThat(chunks).allSatisfy(c -> assertThat(c.tokenCount()).isBetween(1, 400));
      assertThat(chunks)
          .allSatisfy(c -> assertThat(c.text()).isEqualTo(body.substring(c.start(), c.end())));
      assertThat(chunks.get(chunks.size() - 1).end()).isEqualTo(body.length());
    }
    assertThat(DEFAULT.chunk(cjk).get(0).text()).endsWith("。");
  }

  @Test
  void neverCutsInsideAToken() {
    String body =
        "Internationalization antidisestablishmentarianism pneumonoultramicroscopic ".repeat(40)
            + "hyperparameterization".repeat(3);
    WordPieceTokenizer.Tokens tokens = WordPieceTokenizer.bgeSmallEnV15().tokenize(body);
    Set<Integer> tokenStarts = new HashSet<>();
    Set<Integer> tokenEnds = new HashSet<>();
    for (int i = 0; i < tokens.size(); i++) {
      tokenStarts.add(tokens.start(i));
      tokenEnds.add(tokens.end(i));
    }

    List<Chunk> chunks = new TokenChunker(12, 3).chunk(body);

    assertThat(chunks).hasSizeGreaterThan(10);
    for (Chunk chunk : chunks) {
      assertThat(tokenStarts).contains(chunk.start());
      assertThat(tokenEnds).contains(chunk.end());
    }
  }

  @Test
  void offsetsCountUtf16CharsAroundSupplementaryCharacters() {
    String body = "Launch day 🚀 went well 😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 too. ".repeat(80);

    List<Chunk> chunks = new TokenChunker(50, 10).chunk(body);

    assertThat(chunks).hasSizeGreaterThan(5);
    for (Chunk chunk : chunks) {
      assertThat(chunk.text()).isEqualTo(body.substring(chunk.start(), chunk.end()));
      assertThat(chunk.text()).startsWith("Launch").endsWith(".");
      assertThat(Character.isLowSurrogate(body.charAt(chunk.start()))).isFalse();
      assertThat(Character.isHighSurrogate(body.charAt(chunk.end() - 1))).isFalse();
    }
  }

  @Test
  void rejectsSettingsOutOfRangeNamingTheSetting() {
    assertThatThrownBy(() -> new TokenChunker(0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxTokens");
    assertThatThrownBy(() -> new TokenChunker(511, 40))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxTokens")
        .hasMessageContaining("511");
    assertThatThrownBy(() -> new TokenChunker(100, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overlapTokens");
    assertThatThrownBy(() -> new TokenChunker(100, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overlapTokens");
  }

  @Test
  void settingsIdNamesEverySetting() {
    assertThat(DEFAULT.settingsId())
        .isEqualTo("token-chunker:v1:max=400:overlap=40:tokenizer=bge-small-en-v1.5");
    assertThat(new TokenChunker(200, 20).settingsId())
        .isEqualTo("token-chunker:v1:max=200:overlap=20:tokenizer=bge-small-en-v1.5");
  }

  @Test
  void countsTokensWithoutSpecialTokensOrTruncation() {
    assertThat(DEFAULT.countTokens("Hello, world.")).isEqualTo(4);
    assertThat(DEFAULT.countTokens("word ".repeat(1000))).isEqualTo(1000);
    assertThat(DEFAULT.countTokens(null)).isZero();
  }

  @Test
  void isSafeToShareBetweenThreads() throws Exception {
    String body = document(200);
    List<Chunk> expected = DEFAULT.chunk(body);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<Chunk>>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        results.add(pool.submit(() -> DEFAULT.chunk(body)));
      }
      for (Future<List<Chunk>> result : results) {
        assertThat(result.get()).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
