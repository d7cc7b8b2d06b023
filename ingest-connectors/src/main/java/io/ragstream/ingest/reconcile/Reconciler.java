package io.ragstream.ingest.reconcile;

import io.ragstream.core.model.DocumentChange;
import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.ContentHash;
import io.ragstream.core.store.IndexedDocument;
import io.ragstream.core.store.IndexedDocument.Status;
import io.ragstream.core.store.IndexedDocument.StoredPoint;
import io.ragstream.ingest.config.TableMapping;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Compares the source tables (through their mappings) with the index and, with repair on, writes
 * the changes that make the index equal the source through the normal pipeline.
 *
 * <p>Two streaming passes, memory bounded by one page plus the differences held for the settle
 * re-check ({@link Options#maxHeld()}):
 *
 * <ol>
 *   <li>every source row is looked up in the store ({@link VectorStore#document}) and compared:
 *       {@link Difference.Kind#MISSING}, {@link Difference.Kind#STALE} (the {@link ContentHash} of
 *       the row's title and body under the configured chunker and embedder differs), {@link
 *       Difference.Kind#WRONG_TENANT}, {@link Difference.Kind#WRONG_ACL} (as sets), {@link
 *       Difference.Kind#ORPHAN_CHUNKS};
 *   <li>every id of the store ({@link VectorStore#documents}) that still has a live state or points
 *       is looked up in the source in batches: {@link Difference.Kind#DELETED_IN_SOURCE}, {@link
 *       Difference.Kind#ORPHAN_CHUNKS}, {@link Difference.Kind#UNMAPPED}.
 * </ol>
 *
 * <p>A document whose indexed version is at or above the snapshot's {@link SourceSnapshot#base()}
 * holds a change the snapshot cannot see and is skipped (counted as in flight). Because the
 * pipeline may simply not have caught up yet, differences are re-checked against the store after
 * {@link Options#settle()} and only those still present are reported.
 *
 * <p>Repair (only of the reported differences): a row that differs is re-emitted as a DELETE at
 * {@link SourceSnapshot#deleteVersion()} followed by the row's UPSERT at {@link
 * SourceSnapshot#upsertVersion()} (the delete makes the indexing job re-chunk and re-embed even
 * when its own state believes the content is unchanged); a document whose row is gone gets a DELETE
 * at {@link SourceSnapshot#upsertVersion()}. {@link Difference.Kind#UNMAPPED} ids are never
 * touched. Metadata columns are not compared.
 */
public final class Reconciler {

  /**
   * Settings of a run.
   *
   * @param chunkerSettingsId the indexing job's {@code Chunker.settingsId()}
   * @param embedderId the indexing job's {@code Embedder.id()}
   * @param repair whether to write repair changes
   * @param settle wait before re-checking differences (zero: report the first pass)
   * @param pageSize documents per store page and ids per source lookup, {@code >= 1}
   * @param maxHeld differences held in memory for the settle re-check; beyond it they are reported
   *     (and repaired) at once
   */
  public record Options(
      String chunkerSettingsId,
      String embedderId,
      boolean repair,
      Duration settle,
      int pageSize,
      int maxHeld) {
    public Options {
      Objects.requireNonNull(chunkerSettingsId, "chunkerSettingsId");
      Objects.requireNonNull(embedderId, "embedderId");
      Objects.requireNonNull(settle, "settle");
      if (settle.isNegative()) {
        throw new IllegalArgumentException("settle must not be negative, was " + settle);
      }
      if (pageSize < 1 || maxHeld < 0) {
        throw new IllegalArgumentException("pageSize must be >= 1 and maxHeld >= 0");
      }
    }
  }

  private final SourceSnapshot source;
  private final List<TableMapping> tables;
  private final VectorStore store;
  private final Options options;
  private final RepairSink repairSink;
  private final Consumer<Difference> out;

  private final Map<String, Candidate> held = new LinkedHashMap<>();
  private final EnumMap<Difference.Kind, Long> counts = new EnumMap<>(Difference.Kind.class);
  private long rowsChecked;
  private long documentsChecked;
  private long inFlight;
  private long emitted;

  /**
   * @param repairSink where repairs go; required when {@code options.repair()}, else ignored
   * @param out receives every reported difference
   */
  public Reconciler(
      SourceSnapshot source,
      List<TableMapping> tables,
      VectorStore store,
      Options options,
      RepairSink repairSink,
      Consumer<Difference> out) {
    this.source = source;
    this.tables = List.copyOf(tables);
    this.store = store;
    this.options = options;
    this.repairSink = repairSink;
    this.out = out;
    if (options.repair() && repairSink == null) {
      throw new IllegalArgumentException("repair needs a RepairSink");
    }
  }

  /** A document that differs: the source row (null when the row is gone). */
  private record Candidate(String documentId, DocumentChange row) {}

  /** Runs both passes, the settle re-check and the repair; may be called once. */
  public ReconcileReport run() throws InterruptedException {
    long start = System.nanoTime();
    for (TableMapping table : tables) {
      source.forEachRow(
          table,
          row -> {
            rowsChecked++;
            check(
                new Candidate(row.documentId(), row),
                store.document(row.documentId()).orElse(null));
          });
    }
    scanIndex();
    if (!held.isEmpty() && !options.settle().isZero()) {
      Thread.sleep(options.settle().toMillis()); // give the pipeline time to catch up
    }
    List<Candidate> pending = new ArrayList<>(held.values());
    held.clear();
    for (Candidate c : pending) {
      List<Difference> diffs = differences(c, store.document(c.documentId()).orElse(null));
      if (diffs != null) {
        report(c, diffs);
      }
    }
    if (options.repair()) {
      repairSink.flush();
    }
    return new ReconcileReport(
        rowsChecked,
        documentsChecked,
        inFlight,
        counts,
        emitted,
        Duration.ofNanos(System.nanoTime() - start));
  }

  /** Second pass: ids with a live state or points whose row is gone, and unmapped ids. */
  private void scanIndex() {
    String after = null;
    while (true) {
      List<IndexedDocument> page = store.documents(after, options.pageSize());
      Map<TableMapping, Map<String, IndexedDocument>> byTable = new LinkedHashMap<>();
      for (IndexedDocument doc : page) {
        documentsChecked++;
        if (doc.status() == Status.TOMBSTONE && doc.points().isEmpty()) {
          continue;
        }
        TableMapping table = tableOf(doc.documentId());
        if (table == null) {
          report(
              new Candidate(doc.documentId(), null),
              List.of(
                  new Difference(
                      Difference.Kind.UNMAPPED,
                      doc.documentId(),
                      "no mapped table produces this id (" + doc.status() + ")")));
          continue;
        }
        String id = doc.documentId().substring(source.documentIdPrefix(table).length());
        byTable.computeIfAbsent(table, t -> new LinkedHashMap<>()).put(id, doc);
      }
      for (Map.Entry<TableMapping, Map<String, IndexedDocument>> e : byTable.entrySet()) {
        Set<String> existing = source.existing(e.getKey(), e.getValue().keySet());
        for (Map.Entry<String, IndexedDocument> d : e.getValue().entrySet()) {
          if (!existing.contains(d.getKey())) {
            check(new Candidate(d.getValue().documentId(), null), d.getValue());
          }
        }
      }
      if (page.size() < options.pageSize()) {
        return;
      }
      after = page.get(page.size() - 1).documentId();
    }
  }

  private TableMapping tableOf(String documentId) {
    for (TableMapping t : tables) {
      String prefix = source.documentIdPrefix(t);
      if (documentId.startsWith(prefix) && documentId.length() > prefix.length()) {
        return t;
      }
    }
    return null;
  }

  private void check(Candidate c, IndexedDocument doc) {
    List<Difference> diffs = differences(c, doc);
    if (diffs == null) {
      return;
    }
    if (!options.settle().isZero() && held.size() < options.maxHeld()) {
      held.put(c.documentId(), c);
    } else {
      report(c, diffs);
    }
  }

  /** The differences of one document, empty when none, null when it is in flight. */
  private List<Difference> differences(Candidate c, IndexedDocument doc) {
    if (doc != null && doc.version() >= source.base()) {
      inFlight++;
      return null;
    }
    List<Difference> diffs = new ArrayList<>();
    String id = c.documentId();
    if (c.row() == null) {
      if (doc == null || (doc.status() == Status.TOMBSTONE && doc.points().isEmpty())) {
        return diffs.isEmpty() ? null : diffs; // gone from both
      }
      if (doc.status() == Status.LIVE) {
        diffs.add(
            new Difference(
                Difference.Kind.DELETED_IN_SOURCE,
                id,
                "indexed v" + doc.version() + " with " + doc.points().size() + " points, no row"));
      } else {
        diffs.add(
            new Difference(
                Difference.Kind.ORPHAN_CHUNKS,
                id,
                doc.points().size() + " points of a " + doc.status() + " document, no row"));
      }
      return diffs;
    }
    DocumentChange row = c.row();
    if (doc == null || doc.status() != Status.LIVE) {
      diffs.add(
          new Difference(
              Difference.Kind.MISSING,
              id,
              doc == null
                  ? "not in the index"
                  : doc.status() == Status.NO_STATE
                      ? "points without a state record"
                      : "tombstone v" + doc.version()));
      if (doc != null && !doc.points().isEmpty()) {
        diffs.add(
            new Difference(
                Difference.Kind.ORPHAN_CHUNKS,
                id,
                doc.points().size() + " points of a " + doc.status() + " document"));
      }
      return diffs;
    }
    String expected =
        ContentHash.of(options.chunkerSettingsId(), options.embedderId(), row.title(), row.body());
    if (!expected.equals(doc.contentHash())) {
      diffs.add(
          new Difference(
              Difference.Kind.STALE,
              id,
              "indexed v" + doc.version() + " from other title/body text (content hash differs)"));
    }
    String orphan = pointProblem(doc);
    if (orphan != null) {
      diffs.add(new Difference(Difference.Kind.ORPHAN_CHUNKS, id, orphan));
    }
    Set<String> tenants = new TreeSet<>();
    Set<Set<String>> acls = new HashSet<>();
    for (StoredPoint p : doc.points()) {
      tenants.add(String.valueOf(p.attributes().tenant()));
      acls.add(Set.copyOf(p.attributes().acl()));
    }
    if (!doc.points().isEmpty()) {
      if (!tenants.equals(Set.of(String.valueOf(row.tenant())))) {
        diffs.add(
            new Difference(
                Difference.Kind.WRONG_TENANT,
                id,
                "indexed " + tenants + ", source [" + row.tenant() + "]"));
      }
      Set<String> expectedAcl = Set.copyOf(row.acl());
      if (!acls.equals(Set.of(expectedAcl))) {
        diffs.add(
            new Difference(
                Difference.Kind.WRONG_ACL,
                id,
                "indexed " + sorted(acls) + ", source " + new TreeSet<>(expectedAcl)));
      }
    }
    return diffs.isEmpty() ? null : diffs;
  }

  /** Why the points do not match the live state, or null when they do. */
  private static String pointProblem(IndexedDocument doc) {
    List<StoredPoint> points = doc.points();
    if (points.size() != doc.chunkCount()) {
      return "state declares " + doc.chunkCount() + " points, index holds " + points.size();
    }
    for (int i = 0; i < points.size(); i++) {
      StoredPoint p = points.get(i);
      if (p.chunkIndex() != i || p.chunkCount() != doc.chunkCount()) {
        return "point " + i + " is chunk " + p.chunkIndex() + " of " + p.chunkCount();
      }
      if (p.version() != doc.version() || !Objects.equals(p.contentHash(), doc.contentHash())) {
        return "point " + i + " was written for v" + p.version() + ", state is v" + doc.version();
      }
    }
    return null;
  }

  private static List<List<String>> sorted(Set<Set<String>> acls) {
    return acls.stream()
        .map(a -> List.copyOf(new TreeSet<>(a)))
        .sorted(java.util.Comparator.comparing(Object::toString))
        .toList();
  }

  private void report(Candidate c, List<Difference> diffs) {
    for (Difference d : diffs) {
      counts.merge(d.kind(), 1L, Long::sum);
      out.accept(d);
    }
    if (!options.repair() || diffs.stream().allMatch(d -> d.kind() == Difference.Kind.UNMAPPED)) {
      return;
    }
    DocumentChange row = c.row();
    if (row == null) {
      repairSink.emit(
          DocumentChange.delete(
              c.documentId(),
              source.upsertVersion(),
              source.snapshotAt(),
              System.currentTimeMillis(),
              source.sourceInfo(tableOf(c.documentId()))));
      emitted++;
      return;
    }
    repairSink.emit(
        DocumentChange.delete(
            row.documentId(),
            source.deleteVersion(),
            row.committedAt(),
            row.capturedAt(),
            row.source()));
    repairSink.emit(row);
    emitted += 2;
  }
}
