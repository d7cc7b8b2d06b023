package io.ragstream.processors.indexing.internal;

import io.ragstream.core.store.DocumentUpdate;

/**
 * A store update on its way to the sink, with the time it was captured at the source (for freshness
 * telemetry). Passed between chained operators with object reuse, never serialized.
 *
 * @param update the update to apply
 * @param capturedAt when the change was captured, epoch ms
 */
public record IndexOp(DocumentUpdate update, long capturedAt) {}
