package io.ragstream.trainer.policy;

import static io.ragstream.trainer.policy.TriggerEvents.T0;
import static io.ragstream.trainer.policy.TriggerEvents.feedback;
import static io.ragstream.trainer.policy.TriggerEvents.json;
import static io.ragstream.trainer.policy.TriggerEvents.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.event.TrainingJobRequest;
import io.ragstream.core.event.TrainingJobResult;
import io.ragstream.core.model.Topics;
import io.ragstream.localkafka.EmbeddedKafkaBroker;
import io.ragstream.trainer.config.KindPolicy;
import io.ragstream.trainer.config.TriggerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trigger on a real Kafka broker in the JVM: it requests a job, is closed, loses its local
 * state directory, and a new instance with the same application id restores the decision state from
 * the changelog topics (running job, pair counts, deduplication, cooldown).
 */
class TrainerTriggerIT {
  private static final Duration COOLDOWN = Duration.ofHours(1);
  private static final long MIN = 60_000;

  @TempDir static Path brokerDir;
  private static EmbeddedKafkaBroker broker;
  private static KafkaProducer<String, byte[]> producer;

  @TempDir Path dataDir;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = EmbeddedKafkaBroker.start(brokerDir, 0, Duration.ofSeconds(60));
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      // Two feedback partitions: the dataset lists both, the decision is still made in one place.
      admin
          .createTopics(List.of(new NewTopic(Topics.FEEDBACK, 2, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new ByteArraySerializer());
  }

  @AfterAll
  static void stopBroker() {
    if (producer != null) {
      producer.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void restoresTheDecisionStateFromTheChangelogAfterLosingTheStateDirectory() throws Exception {
    TriggerConfig config =
        TriggerConfig.builder(dataDir)
            .commitInterval(Duration.ofMillis(100))
            .policy(
                KindPolicy.defaults(AdapterKind.QUERY_ADAPTER)
                    .withPairs(50, 4)
                    .withTimes(COOLDOWN, Duration.ofHours(12)))
            .build();
    String applicationId = config.applicationId();
    List<TrainingJobRequest> requests = new ArrayList<>();
    // One registry for all three instances, as in one JVM: the gauges must show each new
    // instance's restored state.
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    try (KafkaConsumer<String, byte[]> jobs = jobsConsumer()) {
      // 1. Four pairs over two partitions fire request 1.
      TrainerTrigger first = startTrigger(config, registry);
      for (int i = 0; i < 4; i++) {
        pair(i % 2, "q" + i, T0);
      }
      driftGarbage(); // a malformed drift record on the live app: dead-lettered, app goes on
      awaitRequests(jobs, requests, 1);
      TrainingJobRequest r1 = requests.get(0);
      assertThat(r1.dataset()).isEqualTo("ragstream.feedback@0:2,1:2");
      assertThat(r1.labelledPairs()).isEqualTo(4);
      assertThat(r1.jobId()).isEqualTo(jobId(applicationId, 1));

      // One new pair and one duplicate while job 1 runs.
      pair(0, "q4", T0 + MIN);
      pair(1, "q0", T0 + MIN);
      awaitGauge(first, TriggerMetrics.LABELLED_PAIRS, 1);
      restartWithEmptyStateDir(first, config);

      // 2. Restored: job 1 still runs, one pair since the request, duplicates still known.
      TrainerTrigger second = startTrigger(config, registry);
      awaitGauge(second, TriggerMetrics.RUNNING_JOBS, 1);
      awaitGauge(second, TriggerMetrics.LABELLED_PAIRS, 1);
      // Past the cooldown with 5 new pairs (one a duplicate): only the running job blocks.
      long t2 = T0 + 2 * COOLDOWN.toMillis();
      pair(0, "q1", t2);
      for (int i = 5; i < 9; i++) {
        pair(i % 2, "q" + i, t2);
      }
      awaitGauge(second, TriggerMetrics.LABELLED_PAIRS, 5);
      results(result(r1, TrainingJobResult.Outcome.SUCCEEDED), t2);
      awaitRequests(jobs, requests, 2);
      TrainingJobRequest r2 = requests.get(1);
      assertThat(r2.jobId()).isEqualTo(jobId(applicationId, 2));
      assertThat(r2.labelledPairs()).isEqualTo(9);
      assertThat(r2.reason()).startsWith("5 new labelled pairs");
      assertThat(r2.dataset()).isEqualTo("ragstream.feedback@0:6,1:5");

      // Job 2 ends; then the state directory is lost again.
      results(result(r2, TrainingJobResult.Outcome.FAILED), t2 + MIN);
      awaitGauge(second, TriggerMetrics.RUNNING_JOBS, 0);
      restartWithEmptyStateDir(second, config);

      // 3. Restored: the cooldown of request 2 still holds.
      TrainerTrigger third = startTrigger(config, registry);
      for (int i = 9; i < 13; i++) {
        pair(i % 2, "q" + i, t2 + 30 * MIN);
      }
      awaitGauge(third, TriggerMetrics.LABELLED_PAIRS, 4);
      pair(1, "q13", t2 + COOLDOWN.toMillis());
      awaitRequests(jobs, requests, 3);
      third.close();
    }

    TrainingJobRequest r3 = requests.get(2);
    assertThat(requests).hasSize(3);
    assertThat(r3.labelledPairs()).isEqualTo(14);
    assertThat(r3.reason()).startsWith("5 new labelled pairs");
    assertThat(r3.jobId()).isEqualTo(jobId(applicationId, 3));
    assertThat(r3.dataset()).isEqualTo("ragstream.feedback@0:8,1:8");
    assertThat(
            registry
                .get(TriggerMetrics.REQUESTED)
                .tag("kind", AdapterKind.QUERY_ADAPTER.name())
                .counter()
                .count())
        .isEqualTo(3);
    assertInternalTopics(applicationId);
  }

  @Test
  void aKilledTriggerLosesNoDecisionState() throws Exception {
    TriggerConfig config = TriggerChildProcess.config(dataDir);
    String feedbackTopic = config.feedbackTopic();
    Path out = dataDir.resolve("child.out");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                TriggerChildProcess.class.getName(),
                broker.bootstrapServers(),
                dataDir.toString())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    List<TrainingJobRequest> requests = new ArrayList<>();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (KafkaConsumer<String, byte[]> jobs = consumer(config.jobsTopic())) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  !child.isAlive()
                      || (Files.exists(out)
                          && Files.readString(out).contains(TriggerChildProcess.RUNNING)));
      assertThat(child.isAlive()).as("child trigger is up").isTrue();
      for (int i = 0; i < 4; i++) {
        pair(feedbackTopic, 0, "q" + i, T0);
      }
      awaitRequests(jobs, requests, 1);
      TrainingJobRequest r1 = requests.get(0);
      pair(feedbackTopic, 0, "q4", T0 + MIN);
      pair(feedbackTopic, 0, "q0", T0 + MIN);

      // SIGKILL: no close, no final commit; then the local state is lost too.
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      deleteStateDir(config);

      TrainerTrigger restarted = startTrigger(config, registry);
      try {
        awaitGauge(restarted, TriggerMetrics.RUNNING_JOBS, 1);
        awaitGauge(restarted, TriggerMetrics.LABELLED_PAIRS, 1);
        for (int i = 5; i < 8; i++) {
          pair(feedbackTopic, 0, "q" + i, T0 + 30 * MIN); // running job blocks
        }
        awaitGauge(restarted, TriggerMetrics.LABELLED_PAIRS, 4);
        results(
            config.resultsTopic(), result(r1, TrainingJobResult.Outcome.SUCCEEDED), T0 + 40 * MIN);
        awaitGauge(restarted, TriggerMetrics.RUNNING_JOBS, 0); // free, but in the cooldown
        pair(feedbackTopic, 0, "q8", T0 + 61 * MIN);
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInSameThread()
            .untilAsserted(
                () -> {
                  poll(jobs, requests);
                  assertThat(requests.stream().map(TrainingJobRequest::jobId).distinct())
                      .hasSize(2);
                });
      } finally {
        restarted.close();
      }
    } finally {
      child.destroyForcibly();
    }

    // A request decided again after the kill would carry the same job id; none other may appear.
    assertThat(requests.stream().map(TrainingJobRequest::jobId).distinct())
        .containsExactly(jobId(config.applicationId(), 1), jobId(config.applicationId(), 2));
    TrainingJobRequest r2 = requests.get(requests.size() - 1);
    assertThat(r2.jobId()).isEqualTo(jobId(config.applicationId(), 2));
    assertThat(r2.labelledPairs()).isEqualTo(9);
    assertThat(r2.reason()).startsWith("5 new labelled pairs");
    assertThat(r2.dataset()).isEqualTo(feedbackTopic + "@0:10");
  }

  /** One partition to decide in, whatever the inputs have; compacted changelogs of both stores. */
  private static void assertInternalTopics(String applicationId) throws Exception {
    String repartition = applicationId + "-" + TriggerTopology.REPARTITION + "-repartition";
    List<String> changelogs =
        List.of(
            applicationId + "-trigger-kind-state-changelog",
            applicationId + "-trigger-labelled-pairs-changelog");
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      Map<String, TopicDescription> topics =
          admin
              .describeTopics(List.of(repartition, Topics.FEEDBACK))
              .allTopicNames()
              .get(30, TimeUnit.SECONDS);
      assertThat(topics.get(Topics.FEEDBACK).partitions()).hasSize(2);
      assertThat(topics.get(repartition).partitions()).hasSize(1);
      List<ConfigResource> resources =
          changelogs.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
      Map<ConfigResource, Config> configs =
          admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
      for (ConfigResource r : resources) {
        assertThat(configs.get(r).get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
            .as(r.name())
            .isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
      }
    }
  }

  private static TrainerTrigger startTrigger(TriggerConfig config, SimpleMeterRegistry registry)
      throws Exception {
    TrainerTrigger trigger = new TrainerTrigger(broker.bootstrapServers(), config, registry);
    trigger.start().get(60, TimeUnit.SECONDS);
    return trigger;
  }

  private static void restartWithEmptyStateDir(TrainerTrigger trigger, TriggerConfig config)
      throws IOException {
    trigger.close();
    assertThat(trigger.terminated()).isCompleted();
    deleteStateDir(config);
  }

  private static void deleteStateDir(TriggerConfig config) throws IOException {
    assertThat(config.stateDir()).isDirectory();
    try (Stream<Path> files = Files.walk(config.stateDir())) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    assertThat(config.stateDir()).doesNotExist();
  }

  private static void pair(int partition, String query, long at) throws Exception {
    pair(Topics.FEEDBACK, partition, query, at);
  }

  private static void pair(String topic, int partition, String query, long at) throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                topic,
                partition,
                at,
                query,
                json(feedback(query, "pg:public.documents:" + query, true, at))))
        .get(30, TimeUnit.SECONDS);
  }

  private static void results(TrainingJobResult r, long at) throws Exception {
    results(Topics.TRAINING_RESULTS, r, at);
  }

  private static void results(String topic, TrainingJobResult r, long at) throws Exception {
    producer
        .send(new ProducerRecord<>(topic, null, at, r.kind().name(), json(r)))
        .get(30, TimeUnit.SECONDS);
  }

  private static void driftGarbage() throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                Topics.DRIFT, "QUERIES:mmd_rbf", "{oops".getBytes(StandardCharsets.UTF_8)))
        .get(30, TimeUnit.SECONDS);
  }

  private static void awaitGauge(TrainerTrigger trigger, String name, double value) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        trigger
                            .metrics()
                            .registry()
                            .get(name)
                            .tag("kind", AdapterKind.QUERY_ADAPTER.name())
                            .gauge()
                            .value())
                    .as(name)
                    .isEqualTo(value));
  }

  private static void awaitRequests(
      KafkaConsumer<String, byte[]> jobs, List<TrainingJobRequest> requests, int count) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInSameThread()
        .untilAsserted(
            () -> {
              poll(jobs, requests);
              assertThat(requests).hasSize(count);
            });
  }

  private static void poll(KafkaConsumer<String, byte[]> jobs, List<TrainingJobRequest> requests) {
    for (ConsumerRecord<String, byte[]> r : jobs.poll(Duration.ofMillis(200))) {
      requests.add(TriggerEvents.request(r.value()));
    }
  }

  private static KafkaConsumer<String, byte[]> jobsConsumer() {
    return consumer(Topics.TRAINING_JOBS);
  }

  private static KafkaConsumer<String, byte[]> consumer(String topic) {
    KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "trainer-trigger-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    c.subscribe(List.of(topic));
    return c;
  }

  private static String jobId(String applicationId, int request) {
    return UUID.nameUUIDFromBytes(
            (applicationId + "/QUERY_ADAPTER/" + request).getBytes(StandardCharsets.UTF_8))
        .toString();
  }
}
