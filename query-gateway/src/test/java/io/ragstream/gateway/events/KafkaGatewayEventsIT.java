package io.ragstream.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.event.AnswerEvent;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.GatewayEventJson;
import io.ragstream.core.event.QueryEvent;
import io.ragstream.core.event.SampleEvents;
import io.ragstream.core.json.Json;
import io.ragstream.localkafka.EmbeddedKafkaBroker;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KafkaGatewayEvents} against the real embedded KRaft broker of {@code local-kafka}:
 * records, keys and JSON as a plain consumer sees them, futures completed on the publishing event
 * loop, {@code close()} flushing, and failures (broker unreachable, broker gone) within the
 * configured timeouts instead of hanging.
 */
class KafkaGatewayEventsIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir static Path dir;

  private static EmbeddedKafkaBroker broker;
  private static Vertx vertx;

  @BeforeAll
  static void start() throws Exception {
    broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0, Duration.ofSeconds(120));
    try (Admin admin = broker.admin()) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(GatewayEvents.QUERIES_TOPIC, 2, (short) 1),
                  new NewTopic(GatewayEvents.FEEDBACK_TOPIC, 2, (short) 1),
                  new NewTopic(GatewayEvents.ANSWERS_TOPIC, 2, (short) 1),
                  new NewTopic("it.flush.queries", 1, (short) 1),
                  new NewTopic("it.flush.feedback", 1, (short) 1)))
          .all()
          .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      await(vertx.close());
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void publishesKeyedJsonAndCompletesOnTheCallersEventLoop() throws Exception {
    List<QueryEvent> queries =
        List.of(
            SampleEvents.hybrid(QueryEvent.newQueryId()),
            SampleEvents.bm25(QueryEvent.newQueryId()),
            SampleEvents.hybrid(QueryEvent.newQueryId()));
    List<FeedbackEvent> feedback =
        List.of(
            SampleEvents.feedback(queries.get(0).queryId(), "spot on"),
            new FeedbackEvent(
                queries.get(1).queryId(), "pg:public.documents:9", false, "acme", "bob", 9, null));
    AnswerEvent answer =
        new AnswerEvent(
            queries.get(0).queryId(),
            QueryEvent.ANSWER,
            "acme",
            "alice",
            List.of(
                new AnswerEvent.Message("system", "Answer from the sources."),
                new AnswerEvent.Message("user", "how do bees communicate")),
            "By dancing [1].",
            List.of("pg:public.documents:42"),
            "llama3",
            10);
    KafkaGatewayEvents events = new KafkaGatewayEvents(vertx, broker.bootstrapServers(), Map.of());
    try {
      Context context = vertx.getOrCreateContext();
      ConcurrentLinkedQueue<String> wrongThreads = new ConcurrentLinkedQueue<>();
      Future<?> all =
          onContext(
              context,
              () -> {
                List<Future<Void>> futures = new ArrayList<>();
                queries.forEach(q -> futures.add(events.publishQuery(q)));
                feedback.forEach(f -> futures.add(events.publishFeedback(f)));
                futures.add(events.publishAnswer(answer));
                for (Future<Void> f : futures) {
                  assertThat(f.isComplete()).isFalse(); // never completed on the caller's stack
                  f.onComplete(ar -> checkOn(context, wrongThreads));
                }
                return Future.all(futures);
              });
      await(all);
      assertThat(wrongThreads).isEmpty();
      assertThat(events.dropped()).isZero();
    } finally {
      events.close();
    }

    List<ConsumerRecord<String, byte[]>> queryRecords =
        readAll(GatewayEvents.QUERIES_TOPIC, queries.size());
    assertThat(queryRecords).hasSize(queries.size());
    for (ConsumerRecord<String, byte[]> r : queryRecords) {
      QueryEvent read = GatewayEventJson.queryFromJson(r.value());
      assertThat(r.key()).isEqualTo(read.queryId());
      JsonNode json = Json.mapper().readTree(r.value());
      assertThat(json.get("queryId").asText()).isEqualTo(r.key());
      assertThat(json.has("embedding")).isEqualTo(!read.mode().equals("bm25"));
    }
    assertThat(queryRecords.stream().map(r -> GatewayEventJson.queryFromJson(r.value())))
        .containsExactlyInAnyOrderElementsOf(queries);

    List<ConsumerRecord<String, byte[]>> answerRecords = readAll(GatewayEvents.ANSWERS_TOPIC, 1);
    assertThat(answerRecords)
        .singleElement()
        .extracting(ConsumerRecord::key)
        .isEqualTo(answer.queryId());
    assertThat(GatewayEventJson.answerFromJson(answerRecords.get(0).value())).isEqualTo(answer);

    List<ConsumerRecord<String, byte[]>> feedbackRecords =
        readAll(GatewayEvents.FEEDBACK_TOPIC, feedback.size());
    assertThat(feedbackRecords.stream().map(r -> GatewayEventJson.feedbackFromJson(r.value())))
        .containsExactlyInAnyOrderElementsOf(feedback);
    for (ConsumerRecord<String, byte[]> f : feedbackRecords) {
      assertThat(f.key()).isEqualTo(GatewayEventJson.feedbackFromJson(f.value()).queryId());
      // Same key, same partition count: feedback sits on its query's partition number.
      assertThat(queryRecords)
          .filteredOn(q -> q.key().equals(f.key()))
          .singleElement()
          .extracting(ConsumerRecord::partition)
          .isEqualTo(f.partition());
    }
  }

  @Test
  void closeFlushesBufferedEventsAndLaterPublishesFail() throws Exception {
    // A linger far longer than the test: only close() can have sent the record.
    KafkaGatewayEvents events =
        new KafkaGatewayEvents(
            vertx,
            broker.bootstrapServers(),
            Map.of(
                ProducerConfig.LINGER_MS_CONFIG, 120_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000),
            "it.flush.queries",
            "it.flush.feedback",
            "it.flush.answers");
    Context context = vertx.getOrCreateContext();
    FeedbackEvent event = SampleEvents.feedback(QueryEvent.newQueryId(), null);
    Future<Void> published =
        await(onContext(context, () -> Future.succeededFuture(events.publishFeedback(event))));

    long start = System.nanoTime();
    events.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isLessThan(KafkaGatewayEvents.CLOSE_TIMEOUT);
    await(published);
    assertThat(readAll("it.flush.feedback", 1))
        .singleElement()
        .satisfies(r -> assertThat(r.key()).isEqualTo(event.queryId()))
        .satisfies(r -> assertThat(GatewayEventJson.feedbackFromJson(r.value())).isEqualTo(event));

    AsyncResult<Void> afterClose = result(events.publishQuery(SampleEvents.bm25(event.queryId())));
    assertThat(afterClose.failed()).isTrue();
    assertThat(afterClose.cause()).isInstanceOf(IllegalStateException.class);
    assertThat(events.dropped()).isEqualTo(1);
    events.close(); // idempotent
  }

  @Test
  void unreachableBrokerFailsWithinMaxBlockWithoutBlockingTheEventLoop() throws Exception {
    KafkaGatewayEvents events =
        new KafkaGatewayEvents(vertx, "127.0.0.1:" + unusedPort(), Map.of());
    try {
      Context context = vertx.getOrCreateContext();
      ConcurrentLinkedQueue<String> wrongThreads = new ConcurrentLinkedQueue<>();
      CompletableFuture<Long> timerFired = new CompletableFuture<>();
      long start = System.nanoTime();
      Future<Void> published =
          await(
              onContext(
                  context,
                  () -> {
                    Future<Void> f =
                        events.publishQuery(SampleEvents.hybrid(QueryEvent.newQueryId()));
                    f.onComplete(ar -> checkOn(context, wrongThreads));
                    // The event loop stays free while the send waits for metadata.
                    vertx.setTimer(100, id -> timerFired.complete(System.nanoTime()));
                    return Future.succeededFuture(f);
                  }));
      AsyncResult<Void> result = result(published);
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

      assertThat(result.failed()).isTrue();
      assertThat(result.cause()).isInstanceOf(TimeoutException.class);
      // max.block.ms defaults to 5 s; allow for a slow, shared machine.
      assertThat(elapsed).isBetween(Duration.ofMillis(4_500), Duration.ofSeconds(15));
      assertThat(Duration.ofNanos(timerFired.get(1, TimeUnit.SECONDS) - start))
          .isLessThan(Duration.ofSeconds(2));
      assertThat(wrongThreads).isEmpty();
      assertThat(events.dropped()).isEqualTo(1);
    } finally {
      events.close();
    }
  }

  @Test
  void brokerGoneAfterMetadataFailsWithinDeliveryTimeout() throws Exception {
    EmbeddedKafkaBroker doomed =
        EmbeddedKafkaBroker.start(dir.resolve("doomed"), 0, Duration.ofSeconds(120));
    KafkaGatewayEvents events = null;
    try {
      try (Admin admin = doomed.admin()) {
        admin
            .createTopics(
                List.of(
                    new NewTopic("it.doomed.queries", 1, (short) 1),
                    new NewTopic("it.doomed.feedback", 1, (short) 1)))
            .all()
            .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
      events =
          new KafkaGatewayEvents(
              vertx,
              doomed.bootstrapServers(),
              Map.of(
                  ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 1_000,
                  ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 3_000),
              "it.doomed.queries",
              "it.doomed.feedback",
              "it.doomed.answers");
      Context context = vertx.getOrCreateContext();
      KafkaGatewayEvents e = events;
      await(
          onContext(
              context,
              () ->
                  e.publishQuery(SampleEvents.hybrid(QueryEvent.newQueryId()))
                      .compose(
                          v ->
                              e.publishFeedback(
                                  SampleEvents.feedback(QueryEvent.newQueryId(), null)))));
      doomed.close();

      long start = System.nanoTime();
      AsyncResult<Void> result =
          result(
              await(
                  onContext(
                      context,
                      () ->
                          Future.succeededFuture(
                              e.publishQuery(SampleEvents.bm25(QueryEvent.newQueryId()))))));
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

      assertThat(result.failed()).isTrue();
      assertThat(result.cause()).isInstanceOf(TimeoutException.class);
      assertThat(elapsed).isLessThan(Duration.ofSeconds(15));
      assertThat(e.dropped()).isEqualTo(1);
    } finally {
      if (events != null) {
        events.close();
      }
      doomed.close();
    }
  }

  private static void checkOn(Context context, ConcurrentLinkedQueue<String> wrongThreads) {
    if (Vertx.currentContext() != context || !Context.isOnEventLoopThread()) {
      wrongThreads.add(Thread.currentThread().getName());
    }
  }

  /** Runs {@code action} on {@code context} and gives the future it returns. */
  private static <T> Future<T> onContext(Context context, Supplier<Future<T>> action) {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          try {
            action
                .get()
                .onComplete(
                    ar -> {
                      if (ar.succeeded()) {
                        result.complete(ar.result());
                      } else {
                        result.completeExceptionally(ar.cause());
                      }
                    });
          } catch (Throwable t) {
            result.completeExceptionally(t);
          }
        });
    return Future.fromCompletionStage(result);
  }

  /** Waits for {@code future} and gives its value; throws its failure. */
  private static <T> T await(Future<T> future) throws Exception {
    return future
        .toCompletionStage()
        .toCompletableFuture()
        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  /** Waits for {@code future} to complete, either way. */
  private static <T> AsyncResult<T> result(Future<T> future) throws Exception {
    CompletableFuture<AsyncResult<T>> done = new CompletableFuture<>();
    future.onComplete(done::complete);
    return done.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  private static List<ConsumerRecord<String, byte[]>> readAll(String topic, int expected) {
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "it-" + topic + "-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + TIMEOUT.toMillis();
      while (records.size() < expected && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
      }
      // Anything more would be a duplicate or a stray record.
      consumer.poll(Duration.ofMillis(500)).forEach(records::add);
    }
    return records;
  }

  private static int unusedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
