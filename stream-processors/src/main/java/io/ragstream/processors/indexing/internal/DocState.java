package io.ragstream.processors.indexing.internal;

/**
 * What the indexing job remembers per document (Flink keyed state): the newest version seen, and
 * hashes of what is indexed, to skip unchanged content and to guard against older versions. A Flink
 * POJO.
 */
public class DocState {
  /** Newest version applied (an UPSERT or a DELETE). */
  public long version;

  /** True when the newest version is a delete (a tombstone). */
  public boolean deleted;

  /**
   * Hash of the indexed content (title, body, chunker settings, embedder id); null when deleted.
   */
  public String contentHash;

  /** When the delete was processed, epoch ms (processing time); 0 unless deleted. */
  public long deletedAt;

  /** Number of chunks indexed for the current content. */
  public int chunkCount;

  public DocState() {}
}
