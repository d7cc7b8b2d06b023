package io.ragstream.cli.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import io.ragstream.cli.beir.BeirDataset;
import io.ragstream.cli.beir.BeirDocument;
import io.ragstream.cli.beir.BeirQuery;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.Chunk;
import io.ragstream.core.model.PointId;
import io.ragstream.core.port.Embedder;
import io.ragstream.core.store.ContentHash;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.Point;
import io.ragstream.embedding.TokenChunker;
import io.ragstream.store.lucene.LuceneVectorStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A BEIR corpus embedded once into a persistent Lucene index, and query embeddings cached beside
 * it, so that benchmarks that only change the query side (the query adapter) do not re-embed
 * anything.
 *
 * <p>Documents are indexed as the indexing job does it ({@code title + " " + chunk} per chunk of a
 * {@link TokenChunker}, deterministic point ids, version 1, document id = the BEIR corpus id, no
 * tenant or acl). Building is resumable: a document whose version 1 is already in the index is
 * skipped, and the index is flushed every {@value #FLUSH_EVERY} documents, so an interrupted build
 * continues where it stopped. Query embeddings are kept in {@code queries-<embedder>.json} in the
 * index directory (query id → float array), computed for the missing ids only.
 */
final class BeirIndexCache {
  static final int FLUSH_EVERY = 100;

  private BeirIndexCache() {}

  /**
   * Adds every corpus document of {@code dataset} (or only those in {@code only}, when not null)
   * missing from {@code store}; returns how many documents were embedded now.
   */
  static int build(
      BeirDataset dataset,
      LuceneVectorStore store,
      Embedder embedder,
      TokenChunker chunker,
      Set<String> only,
      PrintWriter progress) {
    int embedded = 0;
    int seen = 0;
    long t0 = System.nanoTime();
    try (Stream<BeirDocument> docs = dataset.corpus()) {
      for (BeirDocument d : (Iterable<BeirDocument>) docs::iterator) {
        if (only != null && !only.contains(d.id())) continue;
        seen++;
        if (store.version(d.id()) >= 1) continue;
        store.apply(upsert(d, embedder, chunker));
        embedded++;
        if (embedded % FLUSH_EVERY == 0) {
          store.flush();
          double seconds = (System.nanoTime() - t0) / 1e9;
          progress.printf(
              "index: %d documents embedded now (%d seen), %.2f documents/s%n",
              embedded, seen, embedded / seconds);
          progress.flush();
        }
      }
    }
    store.flush();
    return embedded;
  }

  /** The upsert the indexing job would write for a BEIR document. */
  static DocumentUpdate.Upsert upsert(BeirDocument d, Embedder embedder, TokenChunker chunker) {
    String title = d.title() == null ? "" : d.title().strip();
    String body = d.text() == null ? "" : d.text();
    List<Chunk> chunks = chunker.chunk(body);
    List<String> texts = new ArrayList<>(chunks.size());
    for (Chunk c : chunks) texts.add(title.isEmpty() ? c.text() : title + " " + c.text());
    List<float[]> vectors = texts.isEmpty() ? List.of() : embedder.embedPassages(texts);
    List<Point> points = new ArrayList<>(chunks.size());
    for (Chunk c : chunks) {
      points.add(
          new Point(
              PointId.of(d.id(), c.index()),
              c.index(),
              chunks.size(),
              c.text(),
              c.start(),
              c.end(),
              vectors.get(c.index()),
              embedder.id()));
    }
    return new DocumentUpdate.Upsert(
        d.id(),
        1,
        0,
        new DocumentAttributes(title.isEmpty() ? null : title, null, List.of(), Map.of()),
        ContentHash.of(chunker.settingsId(), embedder.id(), d.title(), body),
        points);
  }

  /**
   * The embeddings of {@code queryIds} (query id → base query embedding), read from the cache file
   * in {@code dir} and completed with {@code embedder} (the cache file is then rewritten
   * atomically). With {@code dir == null} nothing is cached.
   */
  static Map<String, float[]> queryEmbeddings(
      Path dir,
      Map<String, BeirQuery> queries,
      Collection<String> queryIds,
      Embedder embedder,
      PrintWriter progress) {
    Path file = dir == null ? null : dir.resolve("queries-" + safe(embedder.id()) + ".json");
    Map<String, float[]> cached = new LinkedHashMap<>();
    try {
      if (file != null && Files.isRegularFile(file)) {
        cached.putAll(
            Json.mapper()
                .readValue(file.toFile(), new TypeReference<LinkedHashMap<String, float[]>>() {}));
      }
      int added = 0;
      for (String id : queryIds) {
        if (cached.containsKey(id)) continue;
        BeirQuery q = queries.get(id);
        if (q == null) throw new IllegalArgumentException("no query with id " + id);
        cached.put(id, embedder.embedQuery(q.text()));
        added++;
      }
      if (added > 0) {
        progress.printf("queries: embedded %d, %d cached%n", added, cached.size() - added);
        if (file != null) {
          Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
          Json.mapper().writeValue(tmp.toFile(), cached);
          Files.move(
              tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the query cache " + file, e);
    }
    Map<String, float[]> out = new LinkedHashMap<>();
    for (String id : queryIds) out.put(id, cached.get(id));
    return out;
  }

  private static String safe(String id) {
    return id.replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
