package io.ragstream.store.qdrant.internal;

import static io.qdrant.client.PointIdFactory.id;
import static io.qdrant.client.ValueFactory.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.DenseVector;
import io.qdrant.client.grpc.Points.NamedVectorsOutput;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.VectorOutput;
import io.qdrant.client.grpc.Points.VectorsOutput;
import io.ragstream.core.model.PointId;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.IndexedDocument;
import io.ragstream.core.store.SearchHit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Response mapping from hand-built protobufs, as Qdrant sends them. */
class ResponsesTest {

  private static Map<String, Value> chunkPayload() {
    return Map.of(
        "kind", value("chunk"),
        "documentId", value("doc-a"),
        "chunkIndex", value(1),
        "chunkCount", value(2),
        "version", value(3),
        "committedAt", value(1_000),
        "title", value("Fox facts"),
        "text", value("jumps over the lazy dog"),
        "contentHash", value("h3"),
        "tenant", value("acme"));
  }

  @Test
  void scoredPointBecomesASearchHitWithQdrantsScore() {
    ScoredPoint p =
        ScoredPoint.newBuilder()
            .setId(id(PointId.of("doc-a", 1)))
            .setScore(0.875f)
            .putAllPayload(chunkPayload())
            .build();

    SearchHit hit = Responses.hit(p);

    assertThat(hit)
        .isEqualTo(
            new SearchHit(
                PointId.of("doc-a", 1),
                "doc-a",
                1,
                0.875,
                "Fox facts",
                "jumps over the lazy dog",
                3,
                1_000));
    assertThat(Responses.hit(p, 0.25).score()).isEqualTo(0.25);
  }

  @Test
  void missingTitleIsNullAndMissingNumbersGetDefaults() {
    ScoredPoint p =
        ScoredPoint.newBuilder()
            .setId(id(PointId.of("d", 0)))
            .putPayload("documentId", value("d"))
            .putPayload("text", value("t"))
            .build();

    SearchHit hit = Responses.hit(p);

    assertThat(hit.title()).isNull();
    assertThat(hit.version()).isEqualTo(-1);
    assertThat(hit.committedAt()).isZero();
  }

  @Test
  void numericIdsAreRejectedBecauseTheStoreWritesUuids() {
    assertThatThrownBy(() -> Responses.uuid(id(42)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("42");
  }

  @Test
  void statePayloadsMapToLiveAndTombstoneStates() {
    Responses.State live =
        Responses.state(
            Map.of(
                "state", value("live"),
                "version", value(4),
                "committedAt", value(5_000),
                "contentHash", value("h4"),
                "chunkCount", value(2)));
    Responses.State tomb =
        Responses.state(
            Map.of(
                "state", value("tombstone"),
                "version", value(9),
                "committedAt", value(7_000),
                "deletedAt", value(8_000)));

    assertThat(live).isEqualTo(new Responses.State(4, false, 5_000, "h4", 2));
    assertThat(live.livePoints()).isEqualTo(2);
    assertThat(tomb).isEqualTo(new Responses.State(9, true, 7_000, null, 0));
    assertThat(tomb.livePoints()).isZero();
  }

  @Test
  void retrievedChunkBecomesAStoredPointWithItsAttributes() {
    RetrievedPoint p =
        RetrievedPoint.newBuilder()
            .setId(id(PointId.of("doc-a", 1)))
            .putAllPayload(chunkPayload())
            .putPayload("acl", value(List.of(value("alice"), value("bob"))))
            .putPayload("metadata", value(Map.of("source", value("contract-test"))))
            .build();

    IndexedDocument.StoredPoint stored = Responses.storedPoint(p);

    assertThat(stored)
        .isEqualTo(
            new IndexedDocument.StoredPoint(
                1,
                2,
                3,
                "h3",
                new DocumentAttributes(
                    "Fox facts",
                    "acme",
                    List.of("alice", "bob"),
                    Map.of("source", "contract-test"))));
  }

  @Test
  void denseVectorIsReadFromTheNamedVectorsOutput() {
    RetrievedPoint p =
        RetrievedPoint.newBuilder()
            .setId(id(PointId.of("doc-a", 0)))
            .setVectors(
                VectorsOutput.newBuilder()
                    .setVectors(
                        NamedVectorsOutput.newBuilder()
                            .putVectors(
                                "dense",
                                VectorOutput.newBuilder()
                                    .setDense(
                                        DenseVector.newBuilder().addAllData(List.of(0.6f, 0.8f)))
                                    .build())))
            .build();

    assertThat(Responses.denseVector(p)).containsExactly(0.6f, 0.8f);
    assertThat(Responses.denseVector(RetrievedPoint.getDefaultInstance())).isNull();
  }

  @Test
  void integersAlsoReadDoublesBecauseJsonClientsMayWriteThem() {
    assertThat(Responses.integer(Map.of("v", value(7.0)), "v", -1)).isEqualTo(7);
    assertThat(Responses.integer(Map.of(), "v", -1)).isEqualTo(-1);
    assertThat(Responses.integer(Map.of("v", value("x")), "v", -1)).isEqualTo(-1);
  }
}
