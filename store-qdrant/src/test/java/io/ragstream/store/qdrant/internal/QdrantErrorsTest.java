package io.ragstream.store.qdrant.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.error.RetriableException;
import io.ragstream.core.error.StoreException;
import java.util.EnumSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class QdrantErrorsTest {

  @ParameterizedTest
  @EnumSource(
      value = Status.Code.class,
      names = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED", "ABORTED"})
  void transientStatusesAreRetriable(Status.Code code) {
    ExecutionException failure =
        new ExecutionException(new StatusRuntimeException(Status.fromCode(code)));

    assertThat(QdrantErrors.isRetriable(failure)).isTrue();
    RagstreamException classified = QdrantErrors.classify("upsert 3 points", failure);
    assertThat(classified)
        .isInstanceOf(RetriableException.class)
        .hasMessageContaining("upsert 3 points")
        .hasMessageContaining(code.name());
    assertThat(classified.getCause()).isInstanceOf(StatusRuntimeException.class);
  }

  @ParameterizedTest
  @EnumSource(
      value = Status.Code.class,
      mode = EnumSource.Mode.EXCLUDE,
      names = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED", "ABORTED"})
  void everyOtherStatusIsNotRetriable(Status.Code code) {
    ExecutionException failure =
        new ExecutionException(
            new StatusRuntimeException(Status.fromCode(code).withDescription("Wrong input")));

    assertThat(QdrantErrors.isRetriable(failure)).isFalse();
    assertThat(QdrantErrors.classify("query", failure))
        .isInstanceOf(StoreException.class)
        .isNotInstanceOf(RetriableException.class)
        .hasMessageContaining(code.name())
        .hasMessageContaining("Wrong input");
  }

  @Test
  void theRetriableSetIsExactlyTheFourTransientCodes() {
    assertThat(QdrantErrors.RETRIABLE)
        .isEqualTo(
            EnumSet.of(
                Status.Code.UNAVAILABLE,
                Status.Code.DEADLINE_EXCEEDED,
                Status.Code.RESOURCE_EXHAUSTED,
                Status.Code.ABORTED));
  }

  @Test
  void looksThroughWrappersAndCauses() {
    Throwable deep =
        new CompletionException(
            new RuntimeException("io", Status.UNAVAILABLE.asRuntimeException()));
    assertThat(QdrantErrors.status(deep).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(QdrantErrors.status(new IllegalStateException("no grpc"))).isNull();
  }

  @Test
  void nonGrpcFailuresAreNotRetriableAndRagstreamExceptionsPassThrough() {
    assertThat(QdrantErrors.classify("read", new IllegalStateException("bug")))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("bug");
    StoreException own = new StoreException("mixed embedders", null);
    assertThat(QdrantErrors.classify("upsert", new ExecutionException(own))).isSameAs(own);
  }
}
