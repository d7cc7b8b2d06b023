package io.ragstream.cli.reconcile;

import io.ragstream.cli.config.LocalConfig;
import io.ragstream.cli.reindex.IndexGeneration;
import io.ragstream.cli.reindex.IndexGeneration.State;
import io.ragstream.cli.reindex.IndexGenerations;
import io.ragstream.embedding.Embedders;
import io.ragstream.embedding.OnnxEmbedder;
import io.ragstream.embedding.TokenChunker;
import io.ragstream.ingest.config.MariaDbSourceConfig;
import io.ragstream.ingest.config.PostgresSourceConfig;
import io.ragstream.ingest.reconcile.Difference;
import io.ragstream.ingest.reconcile.MariaDbSourceSnapshot;
import io.ragstream.ingest.reconcile.PostgresSourceSnapshot;
import io.ragstream.ingest.reconcile.ReconcileReport;
import io.ragstream.ingest.reconcile.Reconciler;
import io.ragstream.ingest.reconcile.RepairSink;
import io.ragstream.ingest.reconcile.SourceSnapshot;
import io.ragstream.store.lucene.LuceneVectorStore;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * One {@link Reconciler} run over a {@code ragstream local} configuration: its PostgreSQL tables
 * against its Lucene index, opened read-only (so the platform may be running).
 */
public final class Reconciliation {
  private Reconciliation() {}

  /**
   * The reconcile options of {@code config}: the content hash uses the serving index generation's
   * chunker settings and embedder id (the embedder is loaded once to read its id).
   */
  public static Reconciler.Options options(
      LocalConfig config, boolean repair, Duration settle, int pageSize) {
    // The serving generation's model and chunking (docs/reindex.md), as its indexing job uses.
    IndexGeneration serving =
        IndexGenerations.readServing(config.dataDir())
            .orElseGet(() -> new IndexGeneration(1, config.embedder(), State.SERVING, 0, 0, null));
    String chunker =
        new TokenChunker(
                serving.chunkMaxTokens(config.chunkMaxTokens()),
                serving.chunkOverlapTokens(config.chunkMaxTokens(), config.chunkOverlapTokens()))
            .settingsId();
    try (OnnxEmbedder embedder = Embedders.create(serving.embedder(), 1)) {
      return new Reconciler.Options(chunker, embedder.id(), repair, settle, pageSize, 100_000);
    }
  }

  /** A snapshot of the configured source: PostgreSQL or MariaDB/MySQL. */
  static SourceSnapshot snapshot(LocalConfig config, Duration waitForTransactions)
      throws InterruptedException {
    if (config.source() instanceof PostgresSourceConfig pg) {
      return PostgresSourceSnapshot.open(pg, waitForTransactions);
    }
    if (config.source() instanceof MariaDbSourceConfig binlog) {
      return MariaDbSourceSnapshot.open(binlog);
    }
    throw new IllegalArgumentException("reconcile does not support " + config.source());
  }

  /**
   * Runs one reconcile.
   *
   * @param sink where repairs go (null unless {@code options.repair()})
   * @param out receives every difference
   * @param waitForTransactions how long to wait for transactions running at the horizon
   */
  public static ReconcileReport run(
      LocalConfig config,
      Reconciler.Options options,
      RepairSink sink,
      Consumer<Difference> out,
      Duration waitForTransactions)
      throws InterruptedException {
    try (LuceneVectorStore store =
            LuceneVectorStore.openReadOnly(
                IndexGenerations.servingLuceneDirectory(config.dataDir()), config.storeOptions());
        SourceSnapshot snapshot = snapshot(config, waitForTransactions)) {
      return new Reconciler(snapshot, config.source().tables(), store, options, sink, out).run();
    }
  }
}
