package io.ragstream.processors.indexing;

import io.ragstream.core.json.Json;
import io.ragstream.core.model.Chunk;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.core.model.PointId;
import io.ragstream.core.port.Chunker;
import io.ragstream.core.port.Embedder;
import io.ragstream.core.store.ContentHash;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.Point;
import io.ragstream.processors.indexing.internal.ChangeRecord;
import io.ragstream.processors.indexing.internal.DeadLetter;
import io.ragstream.processors.indexing.internal.DocState;
import io.ragstream.processors.indexing.internal.IndexOp;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The core of {@link DocumentIndexingJob}: per document (keyed by documentId), turns each {@link
 * DocumentChange} into the {@link DocumentUpdate} the vector store needs.
 *
 * <ul>
 *   <li>A change whose version is not newer than the last one seen for the document is dropped
 *       (counted as {@code staleChanges}): replays and out-of-order deliveries cannot overwrite
 *       newer state nor resurrect a deleted document.
 *   <li>DELETE → {@link DocumentUpdate.Delete} (the store keeps a tombstone).
 *   <li>UPSERT whose indexed content (title, body, chunker settings, embedder id) is unchanged →
 *       {@link DocumentUpdate.UpdateAttributes}: tenant, acl and metadata change without
 *       re-embedding ({@code reembedSkipped}).
 *   <li>Otherwise the body is chunked, each chunk embedded as {@code title + " " + chunk} in one
 *       batch per document, and an {@link DocumentUpdate.Upsert} with deterministic point ids
 *       ({@link PointId}) replaces all earlier points of the document.
 * </ul>
 *
 * <p>A change that fails (embedding error, invalid content) goes to {@link
 * ParseChangeFunction#DEAD_LETTERS} and the stream goes on.
 */
public class IndexingFunction extends KeyedProcessFunction<String, ChangeRecord, IndexOp> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(IndexingFunction.class);

  private final ComponentFactory<Embedder> embedderFactory;
  private final ComponentFactory<Chunker> chunkerFactory;

  private transient Embedder embedder;
  private transient Chunker chunker;
  private transient ValueState<DocState> state;
  private transient Counter staleChanges;
  private transient Counter reembedSkipped;
  private transient Counter chunksEmbedded;

  public IndexingFunction(
      ComponentFactory<Embedder> embedderFactory, ComponentFactory<Chunker> chunkerFactory) {
    this.embedderFactory = embedderFactory;
    this.chunkerFactory = chunkerFactory;
  }

  @Override
  public void open(OpenContext openContext) {
    embedder = embedderFactory.create();
    chunker = chunkerFactory.create();
    state = getRuntimeContext().getState(new ValueStateDescriptor<>("document", DocState.class));
    var metrics = getRuntimeContext().getMetricGroup();
    staleChanges = metrics.counter("staleChanges");
    reembedSkipped = metrics.counter("reembedSkipped");
    chunksEmbedded = metrics.counter("chunksEmbedded");
  }

  @Override
  public void close() {
    if (embedder != null) {
      embedder.close();
    }
  }

  @Override
  public void processElement(ChangeRecord record, Context ctx, Collector<IndexOp> out)
      throws Exception {
    DocumentChange change;
    try {
      change = Json.readChange(record.value);
    } catch (IllegalArgumentException e) {
      ctx.output(ParseChangeFunction.DEAD_LETTERS, DeadLetter.of(record, e));
      return;
    }
    DocState current = state.value();
    if (current != null && change.version() <= current.version) {
      staleChanges.inc();
      LOG.debug(
          "Dropping {} v{}: not newer than v{}",
          change.documentId(),
          change.version(),
          current.version);
      return;
    }
    DocState next = new DocState();
    next.version = change.version();
    if (change.op() == DocumentChange.Op.DELETE) {
      next.deleted = true;
      out.collect(
          new IndexOp(
              new DocumentUpdate.Delete(
                  change.documentId(), change.version(), change.committedAt()),
              change.capturedAt()));
      state.update(next);
      return;
    }
    DocumentAttributes attributes =
        new DocumentAttributes(change.title(), change.tenant(), change.acl(), change.metadata());
    String contentHash = contentHash(change);
    next.contentHash = contentHash;
    if (current != null && !current.deleted && contentHash.equals(current.contentHash)) {
      reembedSkipped.inc();
      next.chunkCount = current.chunkCount;
      out.collect(
          new IndexOp(
              new DocumentUpdate.UpdateAttributes(
                  change.documentId(), change.version(), change.committedAt(), attributes),
              change.capturedAt()));
      state.update(next);
      return;
    }
    List<Point> points;
    try {
      points = embed(change);
    } catch (RuntimeException e) {
      ctx.output(ParseChangeFunction.DEAD_LETTERS, DeadLetter.of(record, e));
      return;
    }
    next.chunkCount = points.size();
    out.collect(
        new IndexOp(
            new DocumentUpdate.Upsert(
                change.documentId(),
                change.version(),
                change.committedAt(),
                attributes,
                contentHash,
                points),
            change.capturedAt()));
    state.update(next);
  }

  private List<Point> embed(DocumentChange change) {
    List<Chunk> chunks = chunker.chunk(change.indexedBody());
    if (chunks.isEmpty()) {
      return List.of();
    }
    String title = change.title() == null ? "" : change.title().strip();
    List<String> texts = new ArrayList<>(chunks.size());
    for (Chunk c : chunks) {
      texts.add(title.isEmpty() ? c.text() : title + " " + c.text());
    }
    List<float[]> vectors = embedder.embedPassages(texts);
    chunksEmbedded.inc(chunks.size());
    List<Point> points = new ArrayList<>(chunks.size());
    for (Chunk c : chunks) {
      points.add(
          new Point(
              PointId.of(change.documentId(), c.index()),
              c.index(),
              chunks.size(),
              c.text(),
              c.start(),
              c.end(),
              vectors.get(c.index()),
              embedder.id()));
    }
    return points;
  }

  /** {@link ContentHash} of the change under this job's chunker and embedder. */
  private String contentHash(DocumentChange change) {
    return ContentHash.of(chunker.settingsId(), embedder.id(), change.title(), change.body());
  }
}
