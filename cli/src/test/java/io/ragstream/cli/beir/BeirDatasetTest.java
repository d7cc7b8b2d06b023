package io.ragstream.cli.beir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.testing.BeirData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeirDatasetTest {
  @TempDir Path dir;

  @Test
  void readsCorpusQueriesAndQrelsInFileOrder() throws IOException {
    write(
        "corpus.jsonl",
        "{\"_id\": \"d1\", \"title\": \"T\\u00e9 one\", \"text\": \"body one\", \"metadata\": {}}\n"
            + "\n"
            + "{\"_id\": \"d2\", \"text\": \"body two\", \"metadata\": {\"url\": \"x\"}}\n"
            + "{\"_id\": 3, \"title\": null, \"text\": \"\"}");
    write(
        "queries.jsonl",
        "{\"_id\": \"q1\", \"text\": \"first?\", \"metadata\": {}}\n"
            + "{\"_id\": \"q2\", \"text\": \"second\"}\n");
    write(
        "qrels/test.tsv", "query-id\tcorpus-id\tscore\r\nq1\td1\t2\r\nq1\td2\t1\r\nq2\td2\t0\r\n");

    BeirDataset dataset = BeirDataset.open(dir);

    try (Stream<BeirDocument> corpus = dataset.corpus()) {
      assertThat(corpus.toList())
          .containsExactly(
              new BeirDocument("d1", "Té one", "body one"),
              new BeirDocument("d2", "", "body two"),
              new BeirDocument("3", "", ""));
    }
    assertThat(dataset.countCorpusDocuments()).isEqualTo(3);
    assertThat(dataset.queries().values())
        .containsExactly(new BeirQuery("q1", "first?"), new BeirQuery("q2", "second"));
    Map<String, Map<String, Integer>> qrels = dataset.qrels("test");
    assertThat(qrels).containsOnlyKeys("q1", "q2");
    assertThat(qrels.get("q1")).containsExactly(Map.entry("d1", 2), Map.entry("d2", 1));
    assertThat(qrels.get("q2")).containsExactly(Map.entry("d2", 0));
    assertThat(dataset.splits()).containsExactly("test");
  }

  @Test
  void corpusIsStreamedLazilySoALaterBadLineFailsOnlyWhenReached() throws IOException {
    write(
        "corpus.jsonl",
        "{\"_id\": \"d1\", \"text\": \"a\"}\n{\"_id\": \"d2\", \"text\": \"b\"}\n{not json\n");
    write("queries.jsonl", "");

    try (Stream<BeirDocument> corpus = BeirDataset.open(dir).corpus()) {
      assertThat(corpus.limit(2).map(BeirDocument::id).toList()).containsExactly("d1", "d2");
    }
  }

  @Test
  void malformedCorpusLineNamesFileAndLine() throws IOException {
    write(
        "corpus.jsonl",
        "{\"_id\": \"d1\", \"text\": \"a\"}\n\n{\"_id\": \"d2\", \"text\": \"b\"\n");
    write("queries.jsonl", "");

    try (Stream<BeirDocument> corpus = BeirDataset.open(dir).corpus()) {
      assertThatThrownBy(corpus::toList)
          .isInstanceOf(BeirFormatException.class)
          .hasMessageStartingWith(dir.resolve("corpus.jsonl") + ":3: malformed JSON")
          .satisfies(e -> assertThat(((BeirFormatException) e).line()).isEqualTo(3));
    }
  }

  @Test
  void corpusLineWithoutIdOrTextIsRejected() throws IOException {
    write("corpus.jsonl", "{\"_id\": \"d1\", \"title\": \"t\"}\n");
    write("queries.jsonl", "");
    BeirDataset dataset = BeirDataset.open(dir);

    try (Stream<BeirDocument> corpus = dataset.corpus()) {
      assertThatThrownBy(corpus::toList).hasMessageEndingWith("corpus.jsonl:1: missing \"text\"");
    }
    write("corpus.jsonl", "{\"text\": \"t\"}\n");
    try (Stream<BeirDocument> corpus = dataset.corpus()) {
      assertThatThrownBy(corpus::toList).hasMessageEndingWith("corpus.jsonl:1: missing \"_id\"");
    }
    write("corpus.jsonl", "[1, 2]\n");
    try (Stream<BeirDocument> corpus = dataset.corpus()) {
      assertThatThrownBy(corpus::toList)
          .hasMessageEndingWith("corpus.jsonl:1: expected a JSON object");
    }
  }

  @Test
  void invalidUtf8NamesTheLine() throws IOException {
    write("queries.jsonl", "");
    // line 1 is fine, line 2 holds 0xC3 0x28 (a broken two-byte sequence) inside a string.
    byte[] good = "{\"_id\": \"d1\", \"text\": \"a\"}\n".getBytes(StandardCharsets.UTF_8);
    byte[] bad = {'{', '"', '_', 'i', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'};
    byte[] content = new byte[good.length + bad.length];
    System.arraycopy(good, 0, content, 0, good.length);
    System.arraycopy(bad, 0, content, good.length, bad.length);
    Files.write(dir.resolve("corpus.jsonl"), content);

    try (Stream<BeirDocument> corpus = BeirDataset.open(dir).corpus()) {
      assertThatThrownBy(corpus::toList)
          .isInstanceOf(BeirFormatException.class)
          .hasMessageContaining("corpus.jsonl:2: not valid UTF-8");
    }
  }

  @Test
  void badQrelsRowNamesFileAndLine() throws IOException {
    write("corpus.jsonl", "");
    write("queries.jsonl", "");
    write("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\tone\n");
    BeirDataset dataset = BeirDataset.open(dir);

    assertThatThrownBy(() -> dataset.qrels("test"))
        .isInstanceOf(BeirFormatException.class)
        .hasMessage(dir.resolve("qrels/test.tsv") + ":3: score is not an integer: 'one'");

    write("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1 d1 1\n");
    assertThatThrownBy(() -> dataset.qrels("test"))
        .hasMessageContaining("test.tsv:2: expected query-id<TAB>corpus-id<TAB>score");

    write("qrels/test.tsv", "q1\td1\t1\nq1\td1\t2\n");
    assertThatThrownBy(() -> dataset.qrels("test"))
        .hasMessageContaining("test.tsv:2: duplicate judgement for query q1, document d1");
  }

  @Test
  void qrelsWithoutHeaderKeepTheirFirstRow() throws IOException {
    write("corpus.jsonl", "");
    write("queries.jsonl", "");
    write("qrels/dev.tsv", "q1\td1\t1\n");

    assertThat(BeirDataset.open(dir).qrels("dev"))
        .containsExactly(Map.entry("q1", Map.of("d1", 1)));
  }

  @Test
  void badQueriesNameFileAndLine() throws IOException {
    write("corpus.jsonl", "");
    write(
        "queries.jsonl",
        "{\"_id\": \"q1\", \"text\": \"a\"}\n{\"_id\": \"q1\", \"text\": \"b\"}\n");
    BeirDataset dataset = BeirDataset.open(dir);

    assertThatThrownBy(dataset::queries)
        .hasMessageEndingWith("queries.jsonl:2: duplicate query id q1");

    write("queries.jsonl", "{\"_id\": \"q1\", \"text\": \" \"}\n");
    assertThatThrownBy(dataset::queries)
        .hasMessageEndingWith("queries.jsonl:1: query q1 has a blank text");
  }

  @Test
  void missingFilesAndUnsafeSplitsAreRejected() throws IOException {
    assertThatThrownBy(() -> BeirDataset.open(dir))
        .hasMessage(dir.resolve("corpus.jsonl") + ": missing (not a BEIR dataset directory?)");
    write("corpus.jsonl", "");
    write("queries.jsonl", "");
    write("qrels/train.tsv", "");
    BeirDataset dataset = BeirDataset.open(dir);

    assertThatThrownBy(() -> dataset.qrels("test"))
        .hasMessageContaining("no qrels for split 'test'; splits here: [train]");
    assertThatThrownBy(() -> dataset.qrels("../secret"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> dataset.qrels("a/b")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readsTheSharedSciFactCopyWithTheCountsItsReadmeGives() {
    // The shared data folder sits beside the repository (README: 5,183 docs, 1,109 queries,
    // 339 test judgements for 300 queries). Skipped where it is absent.
    Path scifact = BeirData.dataset("scifact");
    BeirDataset dataset = BeirDataset.open(scifact);

    long documents;
    try (Stream<BeirDocument> corpus = dataset.corpus()) {
      documents = corpus.count();
    }
    Map<String, Map<String, Integer>> qrels = dataset.qrels("test");

    assertThat(documents).isEqualTo(5183).isEqualTo(dataset.countCorpusDocuments());
    assertThat(dataset.queries()).hasSize(1109);
    assertThat(qrels).hasSize(300);
    assertThat(qrels.values().stream().mapToInt(Map::size).sum()).isEqualTo(339);
    assertThat(dataset.splits()).isEqualTo(List.of("test", "train"));
  }

  private void write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content, StandardCharsets.UTF_8);
  }
}
