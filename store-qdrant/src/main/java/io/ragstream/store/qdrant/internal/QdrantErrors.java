package io.ragstream.store.qdrant.internal;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.error.RetriableException;
import io.ragstream.core.error.StoreException;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place that decides whether a failed Qdrant call may be retried, from its gRPC status (<a
 * href="https://grpc.github.io/grpc/core/md_doc_statuscodes.html">gRPC status codes</a>): the
 * server or the network is temporarily unable ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED},
 * {@code RESOURCE_EXHAUSTED}, {@code ABORTED}) → {@link RetriableException}; everything else (a bad
 * request, a missing collection, a permission error, a server bug) → {@link StoreException}.
 */
public final class QdrantErrors {
  /** gRPC codes after which the same call may succeed. */
  public static final Set<Status.Code> RETRIABLE =
      EnumSet.of(
          Status.Code.UNAVAILABLE,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.RESOURCE_EXHAUSTED,
          Status.Code.ABORTED);

  private QdrantErrors() {}

  /** Whether {@code failure} (possibly wrapped in futures' exceptions) may succeed on retry. */
  public static boolean isRetriable(Throwable failure) {
    Status status = status(failure);
    return status != null && RETRIABLE.contains(status.getCode());
  }

  /**
   * The gRPC status of {@code failure}, looking through {@link ExecutionException}, {@link
   * CompletionException} and causes; null when there is none (not a gRPC failure).
   */
  public static Status status(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException sre) {
        return sre.getStatus();
      }
      if (t instanceof StatusException se) {
        return se.getStatus();
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  /**
   * {@code failure} as ragstream's exception: {@link RetriableException} when {@link #isRetriable},
   * else {@link StoreException}; the message is {@code what} plus the gRPC status.
   */
  public static RagstreamException classify(String what, Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof RagstreamException re) {
      return re;
    }
    Status status = status(cause);
    String message =
        what
            + ": "
            + (status != null
                ? status.getCode()
                    + (status.getDescription() == null ? "" : " " + status.getDescription())
                : String.valueOf(cause));
    return isRetriable(cause)
        ? new RetriableException("Qdrant " + message, cause)
        : new StoreException("Qdrant " + message, cause);
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof ExecutionException || t instanceof CompletionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
