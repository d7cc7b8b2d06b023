package io.ragstream.core.store;

import java.util.Set;

/**
 * Server-side visibility filter: a chunk passes when its tenant equals {@code tenant} and its acl
 * shares at least one principal with {@code principals}. {@link #NONE} disables filtering (trusted
 * local use only).
 *
 * @param tenant required tenant, or null to not filter by tenant
 * @param principals the caller's principals (user and groups); null means no acl filter
 */
public record SearchFilter(String tenant, Set<String> principals) {
  /** No filtering. */
  public static final SearchFilter NONE = new SearchFilter(null, null);

  public SearchFilter {
    principals = principals == null ? null : Set.copyOf(principals);
  }
}
