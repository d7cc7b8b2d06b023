package io.ragstream.ingest.reconcile;

import io.ragstream.core.model.DocumentChange;
import io.ragstream.core.model.SourceInfo;
import io.ragstream.ingest.config.TableMapping;
import java.util.Collection;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A consistent, read-only view of the source tables as {@link Reconciler} needs it, with the
 * versions its repairs carry. See {@link PostgresSourceSnapshot} for how PostgreSQL chooses them.
 */
public interface SourceSnapshot extends AutoCloseable {

  /**
   * The repair horizon: every change the snapshot shows has a version below it, every change it
   * does not show has a version at or above it.
   */
  long base();

  /** Version of the delete that precedes a re-emitted row (below {@link #upsertVersion()}). */
  long deleteVersion();

  /**
   * Version of a re-emitted row, and of the delete of a row that is gone (below {@link #base()}).
   */
  long upsertVersion();

  /** The snapshot's time, epoch ms: the committedAt of repair changes. */
  long snapshotAt();

  /** The {@link SourceInfo} of changes of {@code table}. */
  SourceInfo sourceInfo(TableMapping table);

  /** Streams every row of {@code table} as the UPSERT the pipeline would index for it. */
  void forEachRow(TableMapping table, Consumer<DocumentChange> action);

  /** The ids (text form of the id column) among {@code ids} that {@code table} has a row for. */
  Set<String> existing(TableMapping table, Collection<String> ids);

  /** The documentId prefix of {@code table}'s rows, e.g. {@code pg:public.documents:}. */
  String documentIdPrefix(TableMapping table);

  @Override
  void close();
}
