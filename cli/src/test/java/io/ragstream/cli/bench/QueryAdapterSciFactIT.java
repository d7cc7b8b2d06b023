package io.ragstream.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.cli.beir.BeirDataset;
import io.ragstream.cli.beir.BeirDocument;
import io.ragstream.cli.beir.BeirQuery;
import io.ragstream.core.adapter.FileAdapterRegistry;
import io.ragstream.core.adapter.LoraAdapter;
import io.ragstream.core.adapter.RegisteredAdapter;
import io.ragstream.core.model.Chunk;
import io.ragstream.core.model.PointId;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.Point;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import io.ragstream.core.testing.BeirData;
import io.ragstream.embedding.Embedders;
import io.ragstream.embedding.OnnxEmbedder;
import io.ragstream.embedding.TokenChunker;
import io.ragstream.store.lucene.LuceneVectorStore;
import io.ragstream.trainer.adapter.AdapterTrainingConfig;
import io.ragstream.trainer.adapter.EvaluationGate;
import io.ragstream.trainer.adapter.GateDecision;
import io.ragstream.trainer.adapter.HeldOutEvaluator;
import io.ragstream.trainer.adapter.PairSplit;
import io.ragstream.trainer.adapter.QueryAdapterTrainer;
import io.ragstream.trainer.adapter.TrainingOutcome;
import io.ragstream.trainer.adapter.TrainingPair;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query adapter on a real SciFact slice with the real embedder and a real Lucene store: the
 * documents relevant to the first {@value #QUERIES} train queries (title + first {@value
 * #DOC_TOKENS} tokens, so that embedding fits the test's time), an adapter trained on part of the
 * queries raises nDCG@10 on the held-out rest and is promoted, and one trained on shuffled labels
 * is rejected while the promoted one keeps serving. Only the train qrels are used.
 */
class QueryAdapterSciFactIT {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(QueryAdapterSciFactIT.class);
  static final int QUERIES = 500;
  static final int DOC_TOKENS = 64;

  @TempDir Path dir;

  @Test
  void trainedAdapterRaisesHeldOutNdcgAndAShuffledLabelAdapterIsRejected() {
    Path scifact = BeirData.dataset("scifact"); // skipped where absent; reads RAGSTREAM_BEIR_DIR
    BeirDataset beir = BeirDataset.open(scifact);
    Map<String, BeirQuery> queries = beir.queries();
    Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
    for (var e : beir.qrels("train").entrySet()) {
      if (qrels.size() == QUERIES) break;
      qrels.put(e.getKey(), e.getValue());
    }
    Set<String> relevant = new LinkedHashSet<>();
    qrels.values().forEach(j -> relevant.addAll(j.keySet()));

    try (OnnxEmbedder embedder = Embedders.create(Embedders.DEFAULT_NAME);
        LuceneVectorStore store = LuceneVectorStore.open(dir.resolve("index"))) {
      TokenChunker chunker = new TokenChunker(DOC_TOKENS, 0);
      try (Stream<BeirDocument> docs = beir.corpus()) {
        docs.filter(d -> relevant.contains(d.id()))
            .forEach(d -> index(store, embedder, chunker, d));
      }
      List<TrainingPair> pairs = new ArrayList<>();
      for (var q : qrels.entrySet()) {
        String text = queries.get(q.getKey()).text();
        float[] e = embedder.embedQuery(text);
        List<String> top =
            store
                .search(new SearchRequest(text, e, 20, SearchMode.DENSE, SearchFilter.NONE, true))
                .stream()
                .map(h -> h.documentId())
                .toList();
        for (String doc : q.getValue().keySet()) {
          pairs.add(new TrainingPair(q.getKey(), text, e, doc, top));
        }
      }
      PairSplit split = PairSplit.byQuery(pairs, 0.3, 42);
      AdapterTrainingConfig config =
          AdapterTrainingConfig.defaults().withBudget(Duration.ofSeconds(30), 42);
      EvaluationGate gate = new EvaluationGate(HeldOutEvaluator.dense(store), 0.0);
      FileAdapterRegistry registry = FileAdapterRegistry.open(dir.resolve("adapters"));

      TrainingOutcome outcome =
          new QueryAdapterTrainer(config, store).train(split.kept(), embedder.id());
      RegisteredAdapter registered =
          registry.register(outcome.adapter(), trainingMetrics(outcome), "base", null);
      LoraAdapter candidate = LoraAdapter.load(registered.uri());
      GateDecision decision = gate.decide(candidate, null, split.heldOut());
      LOG.info("adapter: {}", decision.reason());

      assertThat(decision.candidate().ndcgAt10())
          .as(decision.reason())
          .isGreaterThan(decision.serving().ndcgAt10());
      assertThat(decision.promote()).isTrue();
      assertThat(decision.queries()).isGreaterThanOrEqualTo(100);

      TrainingOutcome control =
          new QueryAdapterTrainer(config, store)
              .train(AdapterBench.shuffled(split.kept(), 42), embedder.id());
      GateDecision rejected = gate.decide(control.adapter(), candidate, split.heldOut());
      LOG.info("shuffled-label adapter: {}", rejected.reason());
      assertThat(rejected.promote()).as(rejected.reason()).isFalse();
      assertThat(rejected.servingId()).isEqualTo(registered.adapterId());
      GateDecision overBase =
          new EvaluationGate(HeldOutEvaluator.dense(store), EvaluationGate.DEFAULT_MARGIN)
              .decide(control.adapter(), null, split.heldOut());
      assertThat(overBase.promote()).as(overBase.reason()).isFalse();
    }
  }

  private static Map<String, Double> trainingMetrics(TrainingOutcome o) {
    return Map.of("validation.best", o.bestValidation(), "train.seconds", o.seconds());
  }

  /** Title + the first chunk of the text, one point per document. */
  private static void index(
      LuceneVectorStore store, OnnxEmbedder embedder, TokenChunker chunker, BeirDocument d) {
    String title = d.title() == null ? "" : d.title().strip();
    List<Chunk> chunks = chunker.chunk(d.text() == null ? "" : d.text());
    String first = chunks.isEmpty() ? "" : chunks.get(0).text();
    String text = (title + " " + first).strip();
    float[] v = embedder.embedPassages(List.of(text)).get(0);
    store.apply(
        new DocumentUpdate.Upsert(
            d.id(),
            1,
            0,
            new DocumentAttributes(title.isEmpty() ? null : title, null, List.of(), Map.of()),
            "h",
            List.of(
                new Point(
                    PointId.of(d.id(), 0), 0, 1, first, 0, first.length(), v, embedder.id()))));
  }
}
