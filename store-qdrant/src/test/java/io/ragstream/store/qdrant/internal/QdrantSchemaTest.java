package io.ragstream.store.qdrant.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.core.model.PointId;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class QdrantSchemaTest {

  @Test
  void stateIdIsTheNameBasedUuidOfIdHashState() {
    UUID id = QdrantSchema.stateId("pg:public.documents:42");

    assertThat(id)
        .isEqualTo(
            UUID.nameUUIDFromBytes("pg:public.documents:42#state".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(QdrantSchema.stateId("pg:public.documents:42"));
    assertThat(id.version()).isEqualTo(3);
    assertThat(QdrantSchema.stateId("pg:public.documents:43")).isNotEqualTo(id);
  }

  @Test
  void stateIdNeverEqualsAChunkIdOfTheSameDocument() {
    assertThat(IntStream.range(0, 1000).mapToObj(i -> PointId.of("doc", i)))
        .doesNotContain(QdrantSchema.stateId("doc"));
  }
}
