package io.ragstream.trainer.policy;

import static io.ragstream.trainer.policy.TriggerEvents.T0;
import static io.ragstream.trainer.policy.TriggerEvents.WINDOW;
import static io.ragstream.trainer.policy.TriggerEvents.drift;
import static io.ragstream.trainer.policy.TriggerEvents.feedback;
import static io.ragstream.trainer.policy.TriggerEvents.json;
import static io.ragstream.trainer.policy.TriggerEvents.result;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.event.DriftEvent;
import io.ragstream.core.event.TrainingJobRequest;
import io.ragstream.core.event.TrainingJobResult;
import io.ragstream.core.model.DeadLetterReason;
import io.ragstream.core.model.Topics;
import io.ragstream.trainer.config.KindPolicy;
import io.ragstream.trainer.config.TriggerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per rule of the trigger policy, on {@link TopologyTestDriver} (no broker). */
class TriggerTopologyTest {
  private static final DriftEvent.Kind QUERIES = DriftEvent.Kind.QUERIES;
  private static final DriftEvent.Kind QUALITY = DriftEvent.Kind.QUALITY;
  private static final String MMD = "mmd_rbf";

  @TempDir Path dataDir;
  private final TriggerEvents.TestClock clock = new TriggerEvents.TestClock(T0);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private TopologyTestDriver driver;
  private TriggerMetrics metrics;
  private TestInputTopic<String, byte[]> driftIn;
  private TestInputTopic<String, byte[]> feedbackIn;
  private TestInputTopic<String, byte[]> resultsIn;
  private TestOutputTopic<String, byte[]> jobsOut;
  private TestOutputTopic<byte[], byte[]> dlqOut;

  /**
   * A query-adapter policy that fires on drift alone (no warm-up, 2 of 3 windows, no pairs needed,
   * pairs-alone off, 1 h cooldown, 30 min job timeout); tests change what they check.
   */
  private static KindPolicy base() {
    return KindPolicy.defaults(AdapterKind.QUERY_ADAPTER)
        .withWarmUp(0, Duration.ZERO)
        .withDriftKofN(2, 3)
        .withPairs(0, 0)
        .withTimes(Duration.ofHours(1), Duration.ofMinutes(30));
  }

  private void start(KindPolicy policy) {
    start(b -> b.policy(policy));
  }

  private void start(UnaryOperator<TriggerConfig.Builder> customize) {
    TriggerConfig config =
        customize
            .apply(TriggerConfig.builder(dataDir).timeoutCheckInterval(Duration.ofMinutes(1)))
            .build();
    metrics = new TriggerMetrics(registry, config.enabledKinds());
    driver =
        new TopologyTestDriver(
            TriggerTopology.build(config, clock, metrics),
            TriggerTopology.streamsConfig("unused:9092", config),
            Instant.ofEpochMilli(T0));
    StringSerializer keys = new StringSerializer();
    ByteArraySerializer values = new ByteArraySerializer();
    driftIn = driver.createInputTopic(Topics.DRIFT, keys, values);
    feedbackIn = driver.createInputTopic(Topics.FEEDBACK, keys, values);
    resultsIn = driver.createInputTopic(Topics.TRAINING_RESULTS, keys, values);
    jobsOut =
        driver.createOutputTopic(
            Topics.TRAINING_JOBS, new StringDeserializer(), new ByteArrayDeserializer());
    dlqOut =
        driver.createOutputTopic(
            Topics.DLQ, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void closeDriver() {
    if (driver != null) {
      driver.close();
    }
  }

  private void pipe(DriftEvent e) {
    driftIn.pipeInput(new TestRecord<>(e.key(), json(e), Instant.ofEpochMilli(e.windowEnd())));
  }

  /** A relevant pair for query {@code q}, document {@code doc}, at event time {@code at}. */
  private void pair(String q, String doc, long at) {
    feedbackIn.pipeInput(
        new TestRecord<>(q, json(feedback(q, doc, true, at)), Instant.ofEpochMilli(at)));
  }

  private void pipe(TrainingJobResult r, long at) {
    resultsIn.pipeInput(new TestRecord<>(r.kind().name(), json(r), Instant.ofEpochMilli(at)));
  }

  private List<TrainingJobRequest> requests() {
    List<TrainingJobRequest> out = new ArrayList<>();
    for (TestRecord<String, byte[]> r : jobsOut.readRecordsToList()) {
      TrainingJobRequest request = TriggerEvents.request(r.value());
      assertThat(r.key()).isEqualTo(request.kind().name());
      out.add(request);
    }
    return out;
  }

  private double gauge(String name, AdapterKind kind) {
    return registry.get(name).tag("kind", kind.name()).gauge().value();
  }

  private double requestedCount(AdapterKind kind) {
    return registry.get(TriggerMetrics.REQUESTED).tag("kind", kind.name()).counter().count();
  }

  @Test
  void ignoresTheWarmUpWindowsOfEachSeries() {
    start(base().withWarmUp(2, Duration.ZERO).withDriftKofN(2, 2));
    pipe(drift(QUERIES, MMD, 0, true));
    pipe(drift(QUERIES, MMD, 1, true));
    pipe(drift(QUERIES, MMD, 2, true));
    // Another series has its own warm-up: its first two drifted windows do not count.
    pipe(drift(QUALITY, "top_score_mean_drop", 0, true));
    pipe(drift(QUALITY, "top_score_mean_drop", 1, true));
    assertThat(requests()).isEmpty();

    pipe(drift(QUERIES, MMD, 3, true));

    List<TrainingJobRequest> requests = requests();
    assertThat(requests).hasSize(1);
    assertThat(requests.get(0).driftIds())
        .containsExactly(
            drift(QUERIES, MMD, 2, true).driftId(), drift(QUERIES, MMD, 3, true).driftId());
    assertThat(requests.get(0).reason()).contains("QUERIES:mmd_rbf drifted in 2 of the last 2");
  }

  @Test
  void ignoresWindowsThatStartWithinTheWarmUpDuration() {
    start(base().withWarmUp(0, Duration.ofMinutes(30)).withDriftKofN(2, 3));
    for (int i = 0; i < 6; i++) { // windows starting at 0..25 min: all in the warm-up
      pipe(drift(QUERIES, MMD, i, true));
    }
    assertThat(requests()).isEmpty();

    pipe(drift(QUERIES, MMD, 6, true)); // starts at 30 min: counted
    assertThat(requests()).isEmpty();
    pipe(drift(QUERIES, MMD, 7, true));

    assertThat(requests())
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.driftIds())
                    .containsExactly(
                        drift(QUERIES, MMD, 6, true).driftId(),
                        drift(QUERIES, MMD, 7, true).driftId()));
  }

  @Test
  void firesWhenKOfTheLastNWindowsDrifted() {
    start(base().withDriftKofN(3, 4));
    boolean[] pattern = {true, false, false, true, false, true, false, false, true};
    for (int i = 0; i < pattern.length; i++) {
      pipe(drift(QUERIES, MMD, i, pattern[i]));
    }
    // Never 3 drifted among 4 consecutive windows so far.
    assertThat(requests()).isEmpty();

    pipe(drift(QUERIES, MMD, 9, true)); // last 4: F F T T -> 2
    assertThat(requests()).isEmpty();
    pipe(drift(QUERIES, MMD, 10, true)); // last 4: F T T T -> 3

    TrainingJobRequest r = requests().get(0);
    assertThat(r.driftIds())
        .containsExactly(
            drift(QUERIES, MMD, 8, true).driftId(),
            drift(QUERIES, MMD, 9, true).driftId(),
            drift(QUERIES, MMD, 10, true).driftId());
    assertThat(r.kind()).isEqualTo(AdapterKind.QUERY_ADAPTER);
    assertThat(r.embedder()).isEqualTo(KindPolicy.DEFAULT_EMBEDDER);
    assertThat(r.reason()).contains("QUERIES:mmd_rbf drifted in 3 of the last 4 windows");
    assertThat(requestedCount(AdapterKind.QUERY_ADAPTER)).isEqualTo(1);
  }

  @Test
  void countsDriftedWindowsPerSeriesNotAcrossSeries() {
    start(base().withDriftKofN(2, 3));
    pipe(drift(QUERIES, MMD, 0, true));
    pipe(drift(QUALITY, "top_score_mean_drop", 0, true));
    pipe(drift(DriftEvent.Kind.DOCUMENTS, MMD, 0, true));
    // Three drifted windows in all, but one per series: no series has 2 of its last 3.
    assertThat(requests()).isEmpty();

    pipe(drift(QUALITY, "top_score_mean_drop", 1, true));

    assertThat(requests())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.reason()).startsWith("QUALITY:top_score_mean_drop drifted in 2 of");
              assertThat(r.driftIds())
                  .containsExactly(
                      drift(QUALITY, "top_score_mean_drop", 0, true).driftId(),
                      drift(QUALITY, "top_score_mean_drop", 1, true).driftId());
            });
  }

  @Test
  void driftWaitsForTheMinimumOfNewLabelledPairs() {
    start(base().withPairs(3, 0));
    long t = T0 + 3 * WINDOW.toMillis();
    pipe(drift(QUERIES, MMD, 0, true));
    pipe(drift(QUERIES, MMD, 1, true));
    pair("q1", "d1", t);
    pair("q1", "d1", t); // the same pair again: not new
    pair("q2", "d1", t);
    assertThat(requests()).isEmpty();
    assertThat(gauge(TriggerMetrics.LABELLED_PAIRS, AdapterKind.QUERY_ADAPTER)).isEqualTo(2);

    pair("q3", "d7", t);

    TrainingJobRequest r = requests().get(0);
    assertThat(r.driftIds()).hasSize(2);
    assertThat(r.labelledPairs()).isEqualTo(3);
    assertThat(r.reason())
        .contains("drifted in 2 of the last 2 windows")
        .contains("3 new labelled pairs");
    assertThat(gauge(TriggerMetrics.LABELLED_PAIRS, AdapterKind.QUERY_ADAPTER)).isZero();
  }

  @Test
  void enoughLabelledPairsAloneFireWithoutDrift() {
    start(base().withPairs(50, 5).withTimes(Duration.ZERO, Duration.ofMinutes(30)));
    for (int i = 0; i < 4; i++) {
      pair("q" + i, "d" + i, T0);
    }
    pair("q0", "d0", T0); // duplicate
    feedbackIn.pipeInput(
        new TestRecord<>("q9", json(feedback("q9", "d9", false, T0)), Instant.ofEpochMilli(T0)));
    assertThat(requests()).isEmpty();

    pair("q4", "d4", T0);

    TrainingJobRequest r = requests().get(0);
    assertThat(r.driftIds()).isEmpty();
    assertThat(r.labelledPairs()).isEqualTo(5);
    assertThat(r.reason()).contains("5 new labelled pairs").contains("pairs-alone threshold 5");
    assertThat(r.requestedAt()).isEqualTo(clock.millis());
  }

  @Test
  void cooldownSpacesTheRequestsOfAKind() {
    start(base().withPairs(0, 1).withTimes(Duration.ofHours(1), Duration.ofMinutes(30)));
    pair("q0", "d0", T0);
    TrainingJobRequest first = requests().get(0);
    pipe(result(first, TrainingJobResult.Outcome.SUCCEEDED), T0 + 60_000);

    pair("q1", "d1", T0 + Duration.ofMinutes(59).toMillis());
    assertThat(requests()).isEmpty();

    pair("q2", "d2", T0 + Duration.ofMinutes(60).toMillis());
    TrainingJobRequest second = requests().get(0);
    assertThat(second.labelledPairs()).isEqualTo(3);
    assertThat(second.jobId()).isNotEqualTo(first.jobId());
  }

  @Test
  void allowsOneRunningJobPerKindAndItsResultReleasesIt() {
    start(base().withPairs(0, 1).withTimes(Duration.ZERO, Duration.ofHours(2)));
    pair("q0", "d0", T0);
    TrainingJobRequest first = requests().get(0);
    assertThat(gauge(TriggerMetrics.RUNNING_JOBS, AdapterKind.QUERY_ADAPTER)).isEqualTo(1);

    pair("q1", "d1", T0 + 1);
    pair("q2", "d2", T0 + 2);
    assertThat(requests()).isEmpty();

    // A result of another job does not release the kind.
    pipe(result(TriggerEvents.uuid("someone else's job"), AdapterKind.QUERY_ADAPTER), T0 + 3);
    pair("q3", "d3", T0 + 4);
    assertThat(requests()).isEmpty();

    pipe(result(first, TrainingJobResult.Outcome.FAILED), T0 + 5);
    // The result frees the kind and, as pairs arrived while the job ran, the next job starts.
    TrainingJobRequest second = requests().get(0);
    assertThat(second.reason()).contains("3 new labelled pairs");
    assertThat(second.jobId()).isNotEqualTo(first.jobId());
    assertThat(gauge(TriggerMetrics.RUNNING_JOBS, AdapterKind.QUERY_ADAPTER)).isEqualTo(1);
    assertThat(requestedCount(AdapterKind.QUERY_ADAPTER)).isEqualTo(2);
  }

  @Test
  void jobTimeoutReleasesTheKindWithoutAResult() {
    start(base().withPairs(0, 1).withTimes(Duration.ZERO, Duration.ofMinutes(10)));
    pair("q0", "d0", T0);
    assertThat(requests()).hasSize(1);
    pair("q1", "d1", T0 + 1);
    assertThat(requests()).isEmpty();

    clock.advance(Duration.ofMinutes(9));
    driver.advanceWallClockTime(Duration.ofMinutes(9));
    assertThat(gauge(TriggerMetrics.RUNNING_JOBS, AdapterKind.QUERY_ADAPTER)).isEqualTo(1);

    clock.advance(Duration.ofMinutes(1));
    driver.advanceWallClockTime(Duration.ofMinutes(1));
    // The punctuation released it, before any further input.
    assertThat(gauge(TriggerMetrics.RUNNING_JOBS, AdapterKind.QUERY_ADAPTER)).isZero();

    pair("q2", "d2", T0 + 2);
    assertThat(requests())
        .singleElement()
        .satisfies(r -> assertThat(r.labelledPairs()).isEqualTo(3));
  }

  @Test
  void deadLettersAndCountsMalformedInputAndGoesOn() {
    start(base().withPairs(0, 1));
    driftIn.pipeInput("QUERIES:mmd_rbf", "not json".getBytes(StandardCharsets.UTF_8));
    String noRelevant =
        "{\"queryId\":\""
            + TriggerEvents.uuid("q")
            + "\",\"documentId\":\"d\",\"tenant\":\"t\","
            + "\"subject\":\"s\",\"at\":1}";
    feedbackIn.pipeInput("q", noRelevant.getBytes(StandardCharsets.UTF_8));
    resultsIn.pipeInput("QUERY_ADAPTER", "{\"jobId\":\"x\"}".getBytes(StandardCharsets.UTF_8));
    String driftWithoutDrifted =
        new String(json(drift(QUERIES, MMD, 0, true)), StandardCharsets.UTF_8)
            .replace("\"drifted\":true,", "");
    driftIn.pipeInput("QUERIES:mmd_rbf", driftWithoutDrifted.getBytes(StandardCharsets.UTF_8));

    List<TestRecord<byte[], byte[]>> dead = dlqOut.readRecordsToList();
    assertThat(dead).hasSize(4);
    assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("not json");
    assertThat(new String(dead.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("QUERIES:mmd_rbf");
    assertThat(header(dead.get(0).headers(), Topics.DLQ_HEADER_CODE)).isEqualTo("malformed_record");
    assertThat(header(dead.get(0).headers(), Topics.DLQ_HEADER_STAGE)).isEqualTo("trainer-trigger");
    assertThat(header(dead.get(0).headers(), Topics.DLQ_HEADER_TOPIC)).isEqualTo(Topics.DRIFT);
    assertThat(header(dead.get(0).headers(), Topics.DLQ_HEADER_OFFSET)).isEqualTo("0");
    assertThat(header(dead.get(1).headers(), Topics.DLQ_HEADER_REASON))
        .isEqualTo("malformed FeedbackEvent: relevant is required");
    assertThat(header(dead.get(2).headers(), Topics.DLQ_HEADER_REASON))
        .startsWith("malformed TrainingJobResult: kind is required");
    assertThat(header(dead.get(3).headers(), Topics.DLQ_HEADER_REASON))
        .isEqualTo("malformed DriftEvent: drifted is required");
    assertThat(header(dead.get(3).headers(), Topics.DLQ_HEADER_OFFSET)).isEqualTo("1");
    assertThat(metrics.deadLetters(DeadLetterReason.MALFORMED_RECORD)).isEqualTo(4);

    pair("q1", "d1", T0);
    assertThat(requests()).hasSize(1);
  }

  @Test
  void datasetIsTheExclusiveEndOffsetOfTheFeedbackRead() {
    start(base().withPairs(0, 3).withTimes(Duration.ZERO, Duration.ofMinutes(30)));
    pair("q0", "d0", T0); // offset 0
    feedbackIn.pipeInput("q", "{}".getBytes(StandardCharsets.UTF_8)); // offset 1: dead letter
    pair("q1", "d1", T0); // offset 2
    feedbackIn.pipeInput(
        new TestRecord<>("q", json(feedback("q2", "d", false, T0)), Instant.ofEpochMilli(T0)));
    pair("q3", "d3", T0); // offset 4: third pair, fires

    TrainingJobRequest r = requests().get(0);
    assertThat(r.dataset()).isEqualTo("ragstream.feedback@0:5");
    assertThat(r.labelledPairs()).isEqualTo(3);
  }

  @Test
  void mapsDriftSeriesToTheConfiguredKindsOnly() {
    KindPolicy lora =
        KindPolicy.defaults(AdapterKind.LLM_LORA)
            .withEnabled(true)
            .withWarmUp(0, Duration.ZERO)
            .withDriftKofN(2, 3)
            .withPairs(0, 0);
    start(
        b ->
            b.policy(base())
                .policy(lora)
                .driftMapping(
                    TriggerConfig.parseDriftMapping(
                        "trigger.drift-mapping",
                        "QUERIES=QUERY_ADAPTER,QUALITY:no_answer_rate=LLM_LORA,QUALITY=")));
    pipe(drift(QUALITY, "top_score_mean_drop", 0, true)); // QUALITY feeds nothing
    pipe(drift(QUALITY, "top_score_mean_drop", 1, true));
    assertThat(requests()).isEmpty();

    pipe(drift(QUALITY, "no_answer_rate", 0, true));
    pipe(drift(QUALITY, "no_answer_rate", 1, true));
    assertThat(requests())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.kind()).isEqualTo(AdapterKind.LLM_LORA);
              assertThat(r.embedder()).isNull();
            });

    pipe(drift(QUERIES, MMD, 0, true));
    pipe(drift(QUERIES, MMD, 1, true));
    assertThat(requests())
        .singleElement()
        .satisfies(r -> assertThat(r.kind()).isEqualTo(AdapterKind.QUERY_ADAPTER));
  }

  @Test
  void neverFiresForTheDisabledLlmLoraByDefault() {
    start(b -> b.driftMapping(Map.of("QUALITY", Set.of(AdapterKind.LLM_LORA))));
    for (int i = 0; i < 20; i++) {
      pipe(drift(QUALITY, "no_answer_rate", i, true));
      pair("q" + i, "d", T0);
    }
    assertThat(requests()).isEmpty();
    assertThat(registry.find(TriggerMetrics.REQUESTED).tag("kind", "LLM_LORA").counter()).isNull();
  }

  @Test
  void ignoresReplayedDriftWindows() {
    start(base().withDriftKofN(2, 2));
    DriftEvent w0 = drift(QUERIES, MMD, 0, true);
    pipe(w0);
    pipe(w0); // at-least-once replay of the same window
    assertThat(requests()).isEmpty();
    pipe(drift(QUERIES, MMD, 1, true));
    assertThat(requests()).hasSize(1);
  }

  /**
   * A score flapping around its threshold for 12 hours of event time, jobs ending at once: at most
   * one request per cooldown, and one in each cooldown once it is over (so the bound is reached).
   */
  @Test
  void flappingDriftLaunchesAtMostOneJobPerCooldown() {
    Duration cooldown = Duration.ofHours(1);
    start(base().withDriftKofN(2, 3).withTimes(cooldown, Duration.ofMinutes(30)));
    int windows = (int) (Duration.ofHours(12).toMillis() / WINDOW.toMillis());
    List<TestRecord<String, byte[]>> out = new ArrayList<>();
    for (int i = 0; i < windows; i++) {
      pipe(drift(QUERIES, MMD, i, i % 2 == 0)); // above, below, above, ...
      for (TestRecord<String, byte[]> r : jobsOut.readRecordsToList()) {
        out.add(r);
        pipe(
            result(TriggerEvents.request(r.value()), TrainingJobResult.Outcome.SUCCEEDED),
            r.timestamp());
      }
    }
    long span =
        drift(QUERIES, MMD, windows - 1, false).windowEnd()
            - drift(QUERIES, MMD, 0, true).windowEnd();
    // ⌈span / cooldown⌉; span (715 min) is no multiple of the cooldown, so this is also the most
    // requests that fit with one per cooldown (⌊span / cooldown⌋ + 1).
    long bound = (span + cooldown.toMillis() - 1) / cooldown.toMillis();
    assertThat(bound).isEqualTo(12);
    assertThat(out).hasSize((int) bound);
    for (int i = 1; i < out.size(); i++) {
      assertThat(out.get(i).timestamp() - out.get(i - 1).timestamp())
          .as("event time between request %d and %d", i - 1, i)
          .isGreaterThanOrEqualTo(cooldown.toMillis());
    }
  }

  private static String header(Headers headers, String name) {
    return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
