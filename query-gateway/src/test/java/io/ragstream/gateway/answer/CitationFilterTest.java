package io.ragstream.gateway.answer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CitationFilterTest {

  private static String filterInPieces(String text, int pieceLength, CitationFilter f) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); i += pieceLength) {
      out.append(f.accept(text.substring(i, Math.min(text.length(), i + pieceLength))));
    }
    out.append(f.finish());
    return out.toString();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "Bees dance [1].                | Bees dance [1].",
        "Bees dance [7].                | Bees dance .",
        "Bees dance [1, 7, 2].          | Bees dance [1, 2].",
        "Bees [1][9] dance [2]          | Bees [1] dance [2]",
        "see [sic] and [a1]             | see [sic] and [a1]",
        "array[0] is not a citation     | array is not a citation",
        "unfinished [1                  | unfinished [1",
        "nested [[1]]                   | nested [[1]]",
        "empty [] stays                 | empty [] stays",
      })
  void dropsCitationsThatPointNowhereWhateverThePieceSize(String in, String expected) {
    for (int piece = 1; piece <= in.length(); piece++) {
      CitationFilter f = new CitationFilter(Set.of(1, 2, 3));
      assertThat(filterInPieces(in, piece, f)).as("piece length %d", piece).isEqualTo(expected);
      assertThat(f.answer()).isEqualTo(expected);
    }
  }

  @Test
  void recordsCitedPassagesInOrderOfFirstCitation() {
    CitationFilter f = new CitationFilter(Set.of(1, 2, 3));
    filterInPieces("A [3]. B [1, 3]. C [9]. D [2]", 4, f);
    assertThat(f.cited()).containsExactly(3, 1, 2);
  }

  @Test
  void holdsBackAPossibleMarkerUntilItIsComplete() {
    CitationFilter f = new CitationFilter(Set.of(1));
    assertThat(f.accept("text [")).isEqualTo("text ");
    assertThat(f.accept("1")).isEmpty();
    assertThat(f.accept("] more")).isEqualTo("[1] more");
  }
}
