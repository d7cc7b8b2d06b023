package io.ragstream.core.store;

import java.util.UUID;

/**
 * One retrieved chunk.
 *
 * @param pointId point id
 * @param documentId document id
 * @param chunkIndex chunk position
 * @param score mode-specific score (cosine for DENSE, BM25 score, RRF score for HYBRID); higher is
 *     better
 * @param title document title
 * @param text chunk text
 * @param version document version the chunk belongs to
 * @param committedAt source commit time of that version, epoch ms
 */
public record SearchHit(
    UUID pointId,
    String documentId,
    int chunkIndex,
    double score,
    String title,
    String text,
    long version,
    long committedAt) {}
