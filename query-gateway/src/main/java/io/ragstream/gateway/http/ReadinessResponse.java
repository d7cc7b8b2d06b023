package io.ragstream.gateway.http;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The body of {@code GET /ready}, with status 200 when {@code ready} and 503 otherwise.
 *
 * <pre>{@code {"ready": true, "documents": 5183, "points": 6020, "asOf": "2025-01-01T12:00:00Z"}}
 * </pre>
 *
 * @param ready whether the index has caught up with the source snapshot
 * @param documents live documents in the index
 * @param points live points (chunks) in the index
 * @param asOf ISO-8601 instant of the newest applied source commit, or null while the index is
 *     empty
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ReadinessResponse(boolean ready, long documents, long points, String asOf) {}
