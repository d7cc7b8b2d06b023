package io.ragstream.store.qdrant;

import com.google.protobuf.Message;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.grpc.Collections;
import io.qdrant.client.grpc.CollectionsGrpc;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points;
import io.qdrant.client.grpc.PointsGrpc;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A scripted gRPC server speaking Qdrant's Collections and Points services on a loopback port: it
 * records every request and answers with canned responses, so tests can check which requests the
 * store sends in which order, and how it handles answers and failures. It is not a Qdrant: it
 * evaluates no filter and stores nothing (the contract behaviour is {@code QdrantVectorStoreIT}'s,
 * against a real Qdrant).
 */
final class ScriptedQdrant implements AutoCloseable {
  final List<Message> requests = java.util.Collections.synchronizedList(new ArrayList<>());

  /** Statuses to fail the next calls of a request type with, in order. */
  final Map<Class<?>, Deque<Status>> failures = new ConcurrentHashMap<>();

  volatile String aliasTarget; // null: no alias
  volatile boolean collectionExists;
  volatile String embedder;
  volatile long dimension;

  /** The state point payload returned for any id; null: no state point. */
  volatile Map<String, Value> state;

  volatile long count;
  volatile Function<Points.ScrollPoints, Points.ScrollResponse> scroll =
      s -> Points.ScrollResponse.getDefaultInstance();
  volatile List<Points.ScoredPoint> queryResult = List.of();
  volatile List<List<Points.ScoredPoint>> batchResults = List.of();

  private final Server server;

  ScriptedQdrant() throws IOException {
    server =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(new CollectionsService())
            .addService(new PointsService())
            .build()
            .start();
  }

  /** A client on this server (without the client's server-version check). */
  QdrantClient client() {
    return new QdrantClient(
        QdrantGrpcClient.newBuilder("localhost", server.getPort(), false, false).build());
  }

  void failNext(Class<? extends Message> request, Status... statuses) {
    failures.computeIfAbsent(request, c -> new ArrayDeque<>()).addAll(List.of(statuses));
  }

  /** The recorded requests of one type, in order. */
  <T extends Message> List<T> requests(Class<T> type) {
    synchronized (requests) {
      return requests.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  void clearRequests() {
    requests.clear();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  private <Q extends Message, R> void answer(Q request, StreamObserver<R> out, Supplier<R> reply) {
    requests.add(request);
    Deque<Status> fail = failures.get(request.getClass());
    Status status = fail == null ? null : fail.poll();
    if (status != null) {
      out.onError(status.asRuntimeException());
      return;
    }
    out.onNext(reply.get());
    out.onCompleted();
  }

  private static Points.PointsOperationResponse updated() {
    return Points.PointsOperationResponse.newBuilder()
        .setResult(Points.UpdateResult.newBuilder().setStatus(Points.UpdateStatus.Completed))
        .build();
  }

  private static Collections.CollectionOperationResponse done() {
    return Collections.CollectionOperationResponse.newBuilder().setResult(true).build();
  }

  private final class CollectionsService extends CollectionsGrpc.CollectionsImplBase {
    @Override
    public void listAliases(
        Collections.ListAliasesRequest request,
        StreamObserver<Collections.ListAliasesResponse> out) {
      answer(
          request,
          out,
          () -> {
            Collections.ListAliasesResponse.Builder r =
                Collections.ListAliasesResponse.newBuilder();
            if (aliasTarget != null) {
              r.addAliases(
                  Collections.AliasDescription.newBuilder()
                      .setAliasName("ragstream")
                      .setCollectionName(aliasTarget));
            }
            return r.build();
          });
    }

    @Override
    public void collectionExists(
        Collections.CollectionExistsRequest request,
        StreamObserver<Collections.CollectionExistsResponse> out) {
      answer(
          request,
          out,
          () ->
              Collections.CollectionExistsResponse.newBuilder()
                  .setResult(Collections.CollectionExists.newBuilder().setExists(collectionExists))
                  .build());
    }

    @Override
    public void create(
        Collections.CreateCollection request,
        StreamObserver<Collections.CollectionOperationResponse> out) {
      answer(
          request,
          out,
          () -> {
            collectionExists = true;
            return done();
          });
    }

    @Override
    public void updateAliases(
        Collections.ChangeAliases request,
        StreamObserver<Collections.CollectionOperationResponse> out) {
      answer(
          request,
          out,
          () -> {
            for (Collections.AliasOperations op : request.getActionsList()) {
              if (op.hasCreateAlias()) aliasTarget = op.getCreateAlias().getCollectionName();
            }
            return done();
          });
    }

    @Override
    public void get(
        Collections.GetCollectionInfoRequest request,
        StreamObserver<Collections.GetCollectionInfoResponse> out) {
      answer(
          request,
          out,
          () -> {
            Collections.CollectionConfig.Builder config =
                Collections.CollectionConfig.newBuilder()
                    .setParams(
                        Collections.CollectionParams.newBuilder()
                            .setVectorsConfig(
                                Collections.VectorsConfig.newBuilder()
                                    .setParamsMap(
                                        Collections.VectorParamsMap.newBuilder()
                                            .putMap(
                                                "dense",
                                                Collections.VectorParams.newBuilder()
                                                    .setSize(dimension)
                                                    .setDistance(Collections.Distance.Cosine)
                                                    .build())))
                            .setSparseVectorsConfig(
                                Collections.SparseVectorConfig.newBuilder()
                                    .putMap(
                                        "bm25",
                                        Collections.SparseVectorParams.newBuilder()
                                            .setModifier(Collections.Modifier.Idf)
                                            .build())));
            if (embedder != null) {
              config.putMetadata(
                  "ragstream.embedder", io.qdrant.client.ValueFactory.value(embedder));
            }
            return Collections.GetCollectionInfoResponse.newBuilder()
                .setResult(Collections.CollectionInfo.newBuilder().setConfig(config))
                .build();
          });
    }
  }

  private final class PointsService extends PointsGrpc.PointsImplBase {
    @Override
    public void createFieldIndex(
        Points.CreateFieldIndexCollection request,
        StreamObserver<Points.PointsOperationResponse> out) {
      answer(request, out, ScriptedQdrant::updated);
    }

    @Override
    public void upsert(
        Points.UpsertPoints request, StreamObserver<Points.PointsOperationResponse> out) {
      answer(request, out, ScriptedQdrant::updated);
    }

    @Override
    public void delete(
        Points.DeletePoints request, StreamObserver<Points.PointsOperationResponse> out) {
      answer(request, out, ScriptedQdrant::updated);
    }

    @Override
    public void updateBatch(
        Points.UpdateBatchPoints request, StreamObserver<Points.UpdateBatchResponse> out) {
      answer(
          request,
          out,
          () -> {
            Points.UpdateBatchResponse.Builder r = Points.UpdateBatchResponse.newBuilder();
            for (int i = 0; i < request.getOperationsCount(); i++) {
              r.addResult(
                  Points.UpdateResult.newBuilder().setStatus(Points.UpdateStatus.Completed));
            }
            return r.build();
          });
    }

    @Override
    public void get(Points.GetPoints request, StreamObserver<Points.GetResponse> out) {
      answer(
          request,
          out,
          () -> {
            Points.GetResponse.Builder r = Points.GetResponse.newBuilder();
            Map<String, Value> payload = state;
            if (payload != null) {
              r.addResult(
                  Points.RetrievedPoint.newBuilder()
                      .setId(request.getIds(0))
                      .putAllPayload(payload));
            }
            return r.build();
          });
    }

    @Override
    public void count(Points.CountPoints request, StreamObserver<Points.CountResponse> out) {
      answer(
          request,
          out,
          () ->
              Points.CountResponse.newBuilder()
                  .setResult(Points.CountResult.newBuilder().setCount(count))
                  .build());
    }

    @Override
    public void scroll(Points.ScrollPoints request, StreamObserver<Points.ScrollResponse> out) {
      answer(request, out, () -> scroll.apply(request));
    }

    @Override
    public void query(Points.QueryPoints request, StreamObserver<Points.QueryResponse> out) {
      answer(
          request, out, () -> Points.QueryResponse.newBuilder().addAllResult(queryResult).build());
    }

    @Override
    public void queryBatch(
        Points.QueryBatchPoints request, StreamObserver<Points.QueryBatchResponse> out) {
      answer(
          request,
          out,
          () -> {
            Points.QueryBatchResponse.Builder r = Points.QueryBatchResponse.newBuilder();
            for (List<Points.ScoredPoint> list : batchResults) {
              r.addResult(Points.BatchResult.newBuilder().addAllResult(list));
            }
            return r.build();
          });
    }
  }
}
