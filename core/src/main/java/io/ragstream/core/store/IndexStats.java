package io.ragstream.core.store;

/**
 * Counts and freshness of an index.
 *
 * @param documents live documents (with at least a version, not deleted)
 * @param points live points (chunks)
 * @param tombstones deleted documents remembered for the version guard
 * @param lastCommittedAt newest source commit time applied, epoch ms (0 when empty): the {@code
 *     asOf} of answers
 * @param lastAppliedAt wall-clock time of the last applied update, epoch ms (0 when none)
 */
public record IndexStats(
    long documents, long points, long tombstones, long lastCommittedAt, long lastAppliedAt) {}
