package io.ragstream.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.cli.beir.BeirDataset;
import io.ragstream.cli.beir.BeirDocument;
import io.ragstream.core.testing.BeirData;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The judged subset {@code bench report --quick} evaluates on. */
class QuickSubsetTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"scifact", "nfcorpus"})
  void holdsEveryDocumentJudgedForItsQueriesWithinThreeHundredDocuments(String name)
      throws Exception {
    BeirDataset full = BeirDataset.open(BeirData.dataset(name));
    BeirDataset subset = BeirDataset.open(ReportBench.judgedSubset(full, tmp.resolve(name)));

    Set<String> ids;
    try (Stream<BeirDocument> corpus = subset.corpus()) {
      ids = corpus.map(BeirDocument::id).collect(Collectors.toSet());
    }
    Map<String, Map<String, Integer>> qrels = subset.qrels("test");
    Map<String, Map<String, Integer>> fullQrels = full.qrels("test");

    assertThat(ids).hasSize(ReportBench.QUICK_DOCUMENTS);
    assertThat(qrels).hasSizeBetween(10, ReportBench.QUICK_QUERIES);
    assertThat(subset.queries().keySet()).containsExactlyInAnyOrderElementsOf(qrels.keySet());
    Set<String> judged = new HashSet<>();
    qrels.forEach(
        (q, docs) -> {
          assertThat(docs).isEqualTo(fullQrels.get(q)); // every judgement of the query is kept
          judged.addAll(docs.keySet());
        });
    assertThat(ids).containsAll(judged);
    // The same seed gives the same subset.
    BeirDataset again = BeirDataset.open(ReportBench.judgedSubset(full, tmp.resolve("again")));
    assertThat(again.qrels("test")).isEqualTo(qrels);
  }
}
