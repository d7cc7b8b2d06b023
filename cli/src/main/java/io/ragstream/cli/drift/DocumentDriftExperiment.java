package io.ragstream.cli.drift;

import io.ragstream.cli.beir.BeirDocument;
import io.ragstream.core.event.DriftEvent;
import io.ragstream.core.model.Chunk;
import io.ragstream.core.port.Chunker;
import io.ragstream.core.port.Embedder;
import io.ragstream.processors.drift.DriftJob;
import io.ragstream.processors.drift.DriftSettings;
import io.ragstream.processors.drift.EmbeddingDriftFunction;
import io.ragstream.processors.drift.EmbeddingSample;
import io.ragstream.processors.indexing.EmbeddedChunk;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Document-drift trials on BEIR corpora, shared by {@code DocumentDriftIT} and {@code ragstream
 * bench drift}: embeds documents the way the indexer does (each chunk as {@code title + " " +
 * chunk}), builds trials (reference documents, then a stream of documents) and runs them all as the
 * indexer's chunk embeddings through the drift job's document path ({@link
 * DriftJob#documentSamples}, then {@link EmbeddingDriftFunction}) in one Flink job on a local
 * MiniCluster, one key per trial, so each trial has its own reference and windows.
 */
public final class DocumentDriftExperiment {
  private DocumentDriftExperiment() {}

  /**
   * One trial: the reference documents, each as its chunk embeddings (the first samples the drift
   * function sees, frozen as the {@code initial} reference), then the stream of documents cut into
   * windows.
   */
  public record Trial(String name, List<List<float[]>> reference, List<List<float[]>> stream) {}

  /**
   * The events of one trial, in window order.
   *
   * @param windowSize the window size the trial ran with
   */
  public record TrialResult(Trial trial, int windowSize, List<DriftEvent> events) {
    /** Number of the window an event belongs to, from 0. */
    public int window(DriftEvent e) {
      return (int) ((e.windowStart() - trial.reference().size()) / windowSize);
    }

    /** Windows closed. */
    public int windows() {
      return events.stream().mapToInt(this::window).max().orElse(-1) + 1;
    }

    /** The first window with a drifted event of any metric. */
    public OptionalInt firstDriftedWindow() {
      return events.stream().filter(DriftEvent::drifted).mapToInt(this::window).min();
    }

    /** The events of one metric, in window order. */
    public List<DriftEvent> metric(String metric) {
      return events.stream().filter(e -> e.metric().equals(metric)).toList();
    }
  }

  /** The chunk embeddings of each document, in order (a document with an empty body has none). */
  public static List<List<float[]>> embed(
      List<BeirDocument> documents, Embedder embedder, Chunker chunker) {
    List<List<float[]>> out = new ArrayList<>(documents.size());
    for (BeirDocument d : documents) {
      String title = d.title() == null ? "" : d.title().strip();
      List<String> texts = new ArrayList<>();
      for (Chunk c : chunker.chunk(d.text() == null ? "" : d.text())) {
        texts.add(title.isEmpty() ? c.text() : title + " " + c.text());
      }
      out.add(texts.isEmpty() ? List.of() : embedder.embedPassages(texts));
    }
    return out;
  }

  /**
   * A trial from one corpus: the documents with chunks in a random order ({@code seed}), the first
   * {@code referenceSize} of them the reference, the others the stream.
   *
   * @throws IllegalArgumentException if there are not more than {@code referenceSize} documents
   */
  public static Trial split(
      String name, List<List<float[]>> documents, int referenceSize, long seed) {
    List<List<float[]>> shuffled = new ArrayList<>();
    for (List<float[]> d : documents) if (!d.isEmpty()) shuffled.add(d);
    if (shuffled.size() <= referenceSize) {
      throw new IllegalArgumentException(
          shuffled.size() + " documents with chunks, not more than the reference " + referenceSize);
    }
    Collections.shuffle(shuffled, new Random(seed));
    return new Trial(
        name, shuffled.subList(0, referenceSize), shuffled.subList(referenceSize, shuffled.size()));
  }

  /**
   * Runs the trials in one Flink job (parallelism 1) through {@link EmbeddingDriftFunction} with
   * {@code settings}, whose reference is set to {@code initial} over each trial's reference.
   *
   * @throws IllegalArgumentException if the trials' references differ in size
   */
  public static List<TrialResult> run(List<Trial> trials, DriftSettings settings) throws Exception {
    int referenceSize = trials.get(0).reference().size();
    for (Trial t : trials) {
      if (t.reference().size() != referenceSize) {
        throw new IllegalArgumentException(
            "trial "
                + t.name()
                + " has a reference of "
                + t.reference().size()
                + ", not "
                + referenceSize);
      }
    }
    DriftSettings s =
        settings.withReference(DriftSettings.Reference.INITIAL, referenceSize, referenceSize);
    List<EmbeddedChunk> chunks = new ArrayList<>();
    for (Trial t : trials) {
      long at = 0;
      for (List<float[]> doc : t.reference()) add(chunks, t, doc, at++);
      for (List<float[]> doc : t.stream()) add(chunks, t, doc, at++);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
    Map<String, List<DriftEvent>> byTrial = new LinkedHashMap<>();
    for (Trial t : trials) byTrial.put(t.name(), new ArrayList<>());
    try (CloseableIterator<DriftEvent> events =
        DriftJob.documentSamples(env.fromData(chunks, TypeInformation.of(EmbeddedChunk.class)))
            .keyBy(EmbeddingSample::key)
            .process(new EmbeddingDriftFunction(s), TypeInformation.of(DriftEvent.class))
            .executeAndCollect("drift-experiment")) {
      events.forEachRemaining(e -> byTrial.get(e.embedder()).add(e));
    }
    List<TrialResult> results = new ArrayList<>();
    for (Trial t : trials) {
      List<DriftEvent> events = byTrial.get(t.name());
      int expected = 2 * (t.stream().size() / s.windowSize());
      if (events.size() != expected) {
        // The collect sink can lose results when the MiniCluster stops early; never report those.
        throw new IllegalStateException(
            "trial " + t.name() + " gave " + events.size() + " events, expected " + expected);
      }
      results.add(new TrialResult(t, s.windowSize(), events));
    }
    return results;
  }

  /**
   * The chunks of one document as the indexer emits them; the trial's name stands in for the
   * embedder id, so that each trial is its own key, and the document's position for its time.
   */
  private static void add(List<EmbeddedChunk> out, Trial t, List<float[]> doc, long position) {
    String id = t.name() + ":" + position;
    for (int i = 0; i < doc.size(); i++) {
      out.add(new EmbeddedChunk(id, 1, i, doc.size(), doc.get(i), t.name(), position));
    }
  }
}
