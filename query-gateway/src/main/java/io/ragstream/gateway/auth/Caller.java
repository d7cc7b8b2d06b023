package io.ragstream.gateway.auth;

import io.ragstream.core.store.SearchFilter;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * An authenticated caller: who it is, which tenant it belongs to and which groups it is in. Every
 * retrieval it makes is filtered server-side by {@link #filter()}: {@code tenant = caller.tenant
 * AND acl ∩ caller.principals ≠ ∅} (DESIGN.md, Permissions).
 *
 * @param subject the user or service id (JWT {@code sub}, or the API key's subject); never blank
 * @param tenant the caller's tenant; never blank
 * @param groups the groups the caller is in (may be empty); blank entries are rejected
 * @param method how the caller was authenticated: {@code api-key}, {@code jwt} or {@code anonymous}
 */
public record Caller(String subject, String tenant, Set<String> groups, String method) {

  public Caller {
    if (subject == null || subject.isBlank()) {
      throw new IllegalArgumentException("caller subject must not be blank");
    }
    if (tenant == null || tenant.isBlank()) {
      throw new IllegalArgumentException("caller tenant must not be blank");
    }
    groups = Set.copyOf(Objects.requireNonNull(groups, "groups"));
    for (String group : groups) {
      if (group.isBlank()) throw new IllegalArgumentException("caller groups must not be blank");
    }
    Objects.requireNonNull(method, "method");
  }

  /** The subject and the groups: the ACL entries that grant this caller access. */
  public Set<String> principals() {
    Set<String> principals = new LinkedHashSet<>();
    principals.add(subject);
    principals.addAll(groups);
    return principals;
  }

  /** The visibility filter every retrieval of this caller gets. */
  public SearchFilter filter() {
    return new SearchFilter(tenant, principals());
  }

  /** Key for per-caller limits: tenant and subject. */
  public String rateLimitKey() {
    return tenant + "\u0000" + subject;
  }
}
