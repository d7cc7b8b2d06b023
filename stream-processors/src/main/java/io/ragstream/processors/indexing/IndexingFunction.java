package io.ragstream.processors.indexing;

import io.ragstream.core.json.Json;
import io.ragstream.core.log.LogKeys;
import io.ragstream.core.model.Chunk;
import io.ragstream.core.model.DeadLetterReason;
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
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

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
 *
 * <p>Caps ({@link IndexingLimits}): an UPSERT whose body is larger than {@code maxBodyBytes}
 * (UTF-8) or gives more than {@code maxChunks} chunks goes to the dead letters ({@code
 * body_too_large}, {@code too_many_chunks}) and <em>withdraws</em> the document: a {@link
 * DocumentUpdate.Delete} at version {@code v - 1} (just below the rejected change) removes the
 * earlier version's chunks, so no stale text stays searchable, while a replay of the rejected
 * change (version {@code v}) after the cap was raised is still newer and gets indexed. Only when no
 * version lies between the last one seen and {@code v} (never the case for PostgreSQL LSNs) is the
 * tombstone at {@code v} itself.
 *
 * <p>Metrics (Flink counters): {@code staleChanges}, {@code reembedSkipped}, {@code
 * tombstonesExpired}, and per embedding call (one batch = one document's chunks) {@code
 * embedBatches}, {@code chunksEmbedded} and {@code embedNanos} (time in the embedder).
 *
 * <p>Every chunk embedded for an {@link DocumentUpdate.Upsert} is also emitted on the side output
 * {@link #EMBEDDED_CHUNKS} (for drift detection in the same job); nothing is emitted there for
 * attribute-only changes, deletes and stale changes.
 *
 * <p>An empty, blank or NULL body is deliberate, not an error: the document is indexed with no
 * chunks (its version and attributes are kept, earlier chunks removed), so it is not searchable.
 */
public class IndexingFunction extends KeyedProcessFunction<String, ChangeRecord, IndexOp> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(IndexingFunction.class);

  /** Side output: one {@link EmbeddedChunk} per chunk embedded for an upsert. */
  public static final OutputTag<EmbeddedChunk> EMBEDDED_CHUNKS =
      new OutputTag<>("embedded-chunks") {};

  private final ComponentFactory<Embedder> embedderFactory;
  private final ComponentFactory<Chunker> chunkerFactory;
  private final IndexingLimits limits;

  private transient Embedder embedder;
  private transient Chunker chunker;
  private transient ValueState<DocState> state;
  private transient Counter staleChanges;
  private transient Counter reembedSkipped;
  private transient Counter chunksEmbedded;
  private transient Counter tombstonesExpired;
  private transient Counter embedBatches;
  private transient Counter embedNanos;

  /** A function with the default {@link IndexingLimits}. */
  public IndexingFunction(
      ComponentFactory<Embedder> embedderFactory, ComponentFactory<Chunker> chunkerFactory) {
    this(embedderFactory, chunkerFactory, IndexingLimits.defaults());
  }

  public IndexingFunction(
      ComponentFactory<Embedder> embedderFactory,
      ComponentFactory<Chunker> chunkerFactory,
      IndexingLimits limits) {
    this.embedderFactory = embedderFactory;
    this.chunkerFactory = chunkerFactory;
    this.limits = java.util.Objects.requireNonNull(limits, "limits");
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
    tombstonesExpired = metrics.counter("tombstonesExpired");
    embedBatches = metrics.counter("embedBatches");
    embedNanos = metrics.counter("embedNanos");
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
      ctx.output(
          ParseChangeFunction.DEAD_LETTERS,
          DeadLetter.of(record, DeadLetterReason.MALFORMED_RECORD, e));
      return;
    }
    try (MDC.MDCCloseable ignored = MDC.putCloseable(LogKeys.DOCUMENT_ID, change.documentId())) {
      process(record, change, ctx, out);
    }
  }

  /** Applies one parsed change; logs carry its document id. */
  private void process(
      ChangeRecord record, DocumentChange change, Context ctx, Collector<IndexOp> out)
      throws Exception {
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
          op(
              new DocumentUpdate.Delete(
                  change.documentId(), change.version(), change.committedAt()),
              record,
              change));
      rememberDeleted(next, ctx);
      state.update(next);
      return;
    }
    long bodyBytes = utf8Length(change.indexedBody());
    if (bodyBytes > limits.maxBodyBytes()) {
      withdraw(
          record,
          change,
          current,
          DeadLetterReason.BODY_TOO_LARGE,
          "body of "
              + change.documentId()
              + " v"
              + change.version()
              + " is "
              + bodyBytes
              + " bytes, above indexing.max-body-size ("
              + limits.maxBodyBytes()
              + " bytes); its earlier version was withdrawn from the index",
          ctx,
          out);
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
          op(
              new DocumentUpdate.UpdateAttributes(
                  change.documentId(), change.version(), change.committedAt(), attributes),
              record,
              change));
      state.update(next);
      return;
    }
    List<Chunk> chunks = chunker.chunk(change.indexedBody());
    if (chunks.size() > limits.maxChunks()) {
      withdraw(
          record,
          change,
          current,
          DeadLetterReason.TOO_MANY_CHUNKS,
          "body of "
              + change.documentId()
              + " v"
              + change.version()
              + " gives "
              + chunks.size()
              + " chunks, above indexing.max-chunks ("
              + limits.maxChunks()
              + "); its earlier version was withdrawn from the index",
          ctx,
          out);
      return;
    }
    List<Point> points;
    try {
      points = embed(change, chunks);
    } catch (RuntimeException e) {
      ctx.output(
          ParseChangeFunction.DEAD_LETTERS,
          DeadLetter.of(record, DeadLetterReason.EMBEDDING_FAILED, e));
      return;
    }
    next.chunkCount = points.size();
    IndexOp upsert =
        op(
            new DocumentUpdate.Upsert(
                change.documentId(),
                change.version(),
                change.committedAt(),
                attributes,
                contentHash,
                points),
            record,
            change);
    out.collect(upsert);
    for (Point p : points) {
      ctx.output(
          EMBEDDED_CHUNKS,
          new EmbeddedChunk(
              change.documentId(),
              change.version(),
              p.chunkIndex(),
              points.size(),
              p.vector(),
              p.embedder(),
              upsert.embeddedAt()));
    }
    state.update(next);
  }

  /**
   * Sends {@code record} to the dead letters as {@code code} and removes the document's earlier
   * version from the index with a tombstone just below the rejected version (see the class doc).
   */
  private void withdraw(
      ChangeRecord record,
      DocumentChange change,
      DocState current,
      DeadLetterReason code,
      String reason,
      Context ctx,
      Collector<IndexOp> out)
      throws java.io.IOException {
    ctx.output(
        ParseChangeFunction.DEAD_LETTERS,
        DeadLetter.of(record, code, reason, IllegalArgumentException.class.getName()));
    LOG.warn("{}", reason);
    if (current != null && current.deleted) {
      return; // nothing indexed to withdraw; keep the tombstone's version so a replay still passes
    }
    long below = change.version() - 1;
    long tombstone =
        below >= 0 && (current == null || below > current.version) ? below : change.version();
    out.collect(
        op(
            new DocumentUpdate.Delete(change.documentId(), tombstone, change.committedAt()),
            record,
            change));
    DocState next = new DocState();
    next.version = tombstone;
    next.deleted = true;
    rememberDeleted(next, ctx);
    state.update(next);
  }

  /**
   * Stamps a deleted document's state with the processing time and, with a tombstone retention,
   * registers the timer that forgets it ({@link #onTimer}).
   */
  private void rememberDeleted(DocState deleted, Context ctx) {
    long now = ctx.timerService().currentProcessingTime();
    deleted.deletedAt = now;
    if (!limits.tombstoneRetention().isZero()) {
      ctx.timerService().registerProcessingTimeTimer(now + limits.tombstoneRetention().toMillis());
    }
  }

  /**
   * Forgets a document that has stayed deleted for the tombstone retention (a later change of it
   * re-registers its own timer, so an older timer finds it live or deleted later and keeps it).
   */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<IndexOp> out) throws Exception {
    DocState current = state.value();
    if (current != null
        && current.deleted
        && current.deletedAt > 0
        && current.deletedAt + limits.tombstoneRetention().toMillis() <= timestamp) {
      state.clear();
      tombstonesExpired.inc();
    }
  }

  /** The update with the change's stamps and the indexer's output time. */
  private static IndexOp op(DocumentUpdate update, ChangeRecord record, DocumentChange change) {
    return new IndexOp(
        update,
        change.capturedAt(),
        record.normalizedAt,
        System.currentTimeMillis(),
        change.source().qualifiedTable());
  }

  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch < 0x80) {
        n += 1;
      } else if (ch < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(ch) && i + 1 < s.length()) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  private List<Point> embed(DocumentChange change, List<Chunk> chunks) {
    if (chunks.isEmpty()) {
      return List.of();
    }
    String title = change.title() == null ? "" : change.title().strip();
    List<String> texts = new ArrayList<>(chunks.size());
    for (Chunk c : chunks) {
      texts.add(title.isEmpty() ? c.text() : title + " " + c.text());
    }
    long start = System.nanoTime();
    List<float[]> vectors = embedder.embedPassages(texts);
    embedNanos.inc(System.nanoTime() - start);
    embedBatches.inc();
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
