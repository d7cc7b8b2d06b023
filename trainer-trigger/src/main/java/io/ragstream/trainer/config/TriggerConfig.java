package io.ragstream.trainer.config;

import io.ragstream.core.error.ConfigException;
import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.event.DriftEvent;
import io.ragstream.core.model.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Configuration of the trainer trigger ({@code io.ragstream.trainer.policy.TriggerTopology} and
 * {@code TrainerTrigger}): topics, Kafka Streams settings, which drift series feed which adapter
 * kind, and one {@link KindPolicy} per {@link AdapterKind}. Build it with {@link #builder(Path)};
 * {@code null} for an optional component means its default. Keys are those of
 * docs/trainer-trigger.md ({@code trigger.*}).
 *
 * @param applicationId Kafka Streams {@code application.id}: consumer group, prefix of the
 *     changelog and repartition topics; a restarted trigger must keep it to find its state ({@code
 *     trigger.application-id}, default {@value #DEFAULT_APPLICATION_ID})
 * @param stateDir Kafka Streams {@code state.dir}: local RocksDB copies of the state stores (the
 *     changelog topics are the source of truth; an empty dir is restored from them)
 * @param driftTopic DriftEvent JSON input, default {@value Topics#DRIFT}
 * @param feedbackTopic FeedbackEvent JSON input, default {@value Topics#FEEDBACK}
 * @param resultsTopic TrainingJobResult JSON input, default {@value Topics#TRAINING_RESULTS}
 * @param jobsTopic TrainingJobRequest JSON output, default {@value Topics#TRAINING_JOBS}
 * @param dlqTopic dead letters (malformed input), default {@value Topics#DLQ}
 * @param commitInterval Kafka Streams {@code commit.interval.ms}, 1 ms to 60 s ({@code
 *     trigger.commit-interval}, default {@link #DEFAULT_COMMIT_INTERVAL})
 * @param timeoutCheckInterval how often running jobs are checked against their {@link
 *     KindPolicy#jobTimeout()} (wall-clock punctuation), 1 ms to 1 h ({@code
 *     trigger.timeout-check-interval}, default {@link #DEFAULT_TIMEOUT_CHECK_INTERVAL})
 * @param driftMapping which adapter kinds a drift series feeds: key {@code KIND} (every metric of a
 *     {@link DriftEvent.Kind}) or {@code KIND:metric} (one metric; wins over the kind's entry),
 *     value the adapter kinds (may be empty: the series is ignored) ({@code trigger.drift-mapping},
 *     default {@link #DEFAULT_DRIFT_MAPPING}: QUERIES, QUALITY and DOCUMENTS feed QUERY_ADAPTER)
 * @param policies the policy of every {@link AdapterKind} (missing kinds get {@link
 *     KindPolicy#defaults(AdapterKind)}: LLM_LORA disabled)
 * @param replicationFactor replication factor of the topics the trigger creates and of its
 *     changelog and repartition topics, {@code >= 1} ({@code trigger.replication-factor}, default
 *     1: one local broker)
 * @param partitions partitions of the input and output topics {@code TrainerTrigger} creates when
 *     missing, {@code >= 1} ({@code trigger.partitions}, default 1); any count works, see
 *     docs/trainer-trigger.md
 * @param createTopics whether {@code TrainerTrigger.start()} creates missing input and output
 *     topics ({@code trigger.create-topics}, default true)
 * @param groupInstanceId Kafka static group membership ({@code group.instance.id} of the consumer),
 *     or null (default) for dynamic membership. With it, a trigger restarted after a crash takes
 *     over its partitions at once instead of after the dead member's session timeout (45 s); two
 *     running triggers must never share it ({@code trigger.group-instance-id})
 * @throws ConfigException naming the key when a value is invalid
 */
public record TriggerConfig(
    String applicationId,
    Path stateDir,
    String driftTopic,
    String feedbackTopic,
    String resultsTopic,
    String jobsTopic,
    String dlqTopic,
    Duration commitInterval,
    Duration timeoutCheckInterval,
    Map<String, Set<AdapterKind>> driftMapping,
    Map<AdapterKind, KindPolicy> policies,
    int replicationFactor,
    int partitions,
    boolean createTopics,
    String groupInstanceId) {

  /** Prefix of every trigger config key. */
  public static final String PREFIX = "trigger.";

  /** Default {@code application.id}. */
  public static final String DEFAULT_APPLICATION_ID = "ragstream-trainer-trigger";

  /** Default commit interval. */
  public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(1);

  /** Default interval of the job-timeout check. */
  public static final Duration DEFAULT_TIMEOUT_CHECK_INTERVAL = Duration.ofSeconds(30);

  /** Sub-directory of the data dir used as {@code state.dir} by {@link #builder(Path)}. */
  public static final String STATE_DIR_NAME = "trainer-trigger";

  /** Default drift mapping: every drift kind feeds the query adapter. */
  public static final Map<String, Set<AdapterKind>> DEFAULT_DRIFT_MAPPING =
      Map.of(
          DriftEvent.Kind.QUERIES.name(), Set.of(AdapterKind.QUERY_ADAPTER),
          DriftEvent.Kind.QUALITY.name(), Set.of(AdapterKind.QUERY_ADAPTER),
          DriftEvent.Kind.DOCUMENTS.name(), Set.of(AdapterKind.QUERY_ADAPTER));

  public TriggerConfig {
    applicationId = applicationId == null ? DEFAULT_APPLICATION_ID : applicationId;
    driftTopic = driftTopic == null ? Topics.DRIFT : driftTopic;
    feedbackTopic = feedbackTopic == null ? Topics.FEEDBACK : feedbackTopic;
    resultsTopic = resultsTopic == null ? Topics.TRAINING_RESULTS : resultsTopic;
    jobsTopic = jobsTopic == null ? Topics.TRAINING_JOBS : jobsTopic;
    dlqTopic = dlqTopic == null ? Topics.DLQ : dlqTopic;
    commitInterval = commitInterval == null ? DEFAULT_COMMIT_INTERVAL : commitInterval;
    timeoutCheckInterval =
        timeoutCheckInterval == null ? DEFAULT_TIMEOUT_CHECK_INTERVAL : timeoutCheckInterval;
    notBlank("application-id", applicationId);
    if (stateDir == null) {
      throw new ConfigException(PREFIX + "state-dir", "must be set");
    }
    notBlank("topics.drift", driftTopic);
    notBlank("topics.feedback", feedbackTopic);
    notBlank("topics.results", resultsTopic);
    notBlank("topics.jobs", jobsTopic);
    notBlank("topics.dlq", dlqTopic);
    Set<String> inputs = Set.of(driftTopic, feedbackTopic, resultsTopic);
    if (inputs.size() != 3) {
      throw new ConfigException(
          PREFIX + "topics", "drift, feedback and results topics must differ, were " + inputs);
    }
    for (String out : List.of(jobsTopic, dlqTopic)) {
      if (inputs.contains(out)) {
        throw new ConfigException(
            PREFIX + "topics", "output topic " + out + " is also an input topic");
      }
    }
    between("commit-interval", commitInterval, Duration.ofMinutes(1));
    between("timeout-check-interval", timeoutCheckInterval, Duration.ofHours(1));
    driftMapping = copyMapping(driftMapping == null ? DEFAULT_DRIFT_MAPPING : driftMapping);
    EnumMap<AdapterKind, KindPolicy> all = new EnumMap<>(AdapterKind.class);
    for (AdapterKind kind : AdapterKind.values()) {
      KindPolicy p = policies == null ? null : policies.get(kind);
      if (p != null && p.kind() != kind) {
        throw new ConfigException(
            KindPolicy.keyPrefix(kind).replaceAll("\\.$", ""), "holds the policy of " + p.kind());
      }
      all.put(kind, p == null ? KindPolicy.defaults(kind) : p);
    }
    policies = Collections.unmodifiableMap(all);
    if (replicationFactor < 1) {
      throw new ConfigException(
          PREFIX + "replication-factor", "must be >= 1, was " + replicationFactor);
    }
    if (partitions < 1) {
      throw new ConfigException(PREFIX + "partitions", "must be >= 1, was " + partitions);
    }
    if (groupInstanceId != null) {
      notBlank("group-instance-id", groupInstanceId);
    }
  }

  /** A builder with the defaults; {@code state.dir} is {@code dataDir/}{@value #STATE_DIR_NAME}. */
  public static Builder builder(Path dataDir) {
    return new Builder(dataDir.resolve(STATE_DIR_NAME));
  }

  /** The policy of {@code kind}. */
  public KindPolicy policy(AdapterKind kind) {
    return policies.get(kind);
  }

  /** The enabled adapter kinds, in enum order. */
  public Set<AdapterKind> enabledKinds() {
    EnumSet<AdapterKind> out = EnumSet.noneOf(AdapterKind.class);
    policies.values().stream().filter(KindPolicy::enabled).forEach(p -> out.add(p.kind()));
    return out;
  }

  /**
   * The enabled adapter kinds fed by the series {@code kind:metric}: the {@code KIND:metric} entry
   * of {@link #driftMapping()} if there is one, else the {@code KIND} entry, else none.
   */
  public Set<AdapterKind> adapterKindsOf(DriftEvent.Kind kind, String metric) {
    Set<AdapterKind> mapped = driftMapping.get(kind.name() + ":" + metric);
    if (mapped == null) {
      mapped = driftMapping.getOrDefault(kind.name(), Set.of());
    }
    EnumSet<AdapterKind> out = EnumSet.noneOf(AdapterKind.class);
    for (AdapterKind a : mapped) {
      if (policies.get(a).enabled()) {
        out.add(a);
      }
    }
    return out;
  }

  /**
   * Parses the text form of {@code trigger.drift-mapping}: comma-separated {@code source=kinds}
   * entries, {@code source} a drift kind ({@code QUERIES}) or drift kind and metric ({@code
   * QUERIES:mmd_rbf}), {@code kinds} adapter kinds joined by {@code |} or nothing (the series feeds
   * none). Names are case-insensitive. Example: {@code
   * QUERIES=QUERY_ADAPTER,QUALITY=QUERY_ADAPTER|LLM_LORA,DOCUMENTS=}.
   *
   * @param key the key the text came from, named in errors
   * @throws ConfigException naming {@code key} and the bad entry
   */
  public static Map<String, Set<AdapterKind>> parseDriftMapping(String key, String text) {
    Map<String, Set<AdapterKind>> out = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String entry : text.split(",", -1)) {
      int eq = entry.indexOf('=');
      if (eq < 0) {
        throw new ConfigException(key, "entry '" + entry.strip() + "' is not source=kinds");
      }
      String source = normalizeSource(key, entry.substring(0, eq).strip());
      EnumSet<AdapterKind> kinds = EnumSet.noneOf(AdapterKind.class);
      for (String k : entry.substring(eq + 1).split("\\|")) {
        if (!k.isBlank()) {
          kinds.add(adapterKind(key, k.strip()));
        }
      }
      if (out.put(source, kinds) != null) {
        throw new ConfigException(key, "maps " + source + " twice");
      }
    }
    return out;
  }

  private static Map<String, Set<AdapterKind>> copyMapping(Map<String, Set<AdapterKind>> in) {
    Map<String, Set<AdapterKind>> out = new TreeMap<>();
    String key = PREFIX + "drift-mapping";
    for (Map.Entry<String, Set<AdapterKind>> e : in.entrySet()) {
      String source = normalizeSource(key, e.getKey());
      if (e.getValue() == null) {
        throw new ConfigException(key, source + " maps to null (use an empty set for none)");
      }
      EnumSet<AdapterKind> kinds = EnumSet.noneOf(AdapterKind.class);
      kinds.addAll(e.getValue());
      if (out.put(source, Collections.unmodifiableSet(kinds)) != null) {
        throw new ConfigException(key, "maps " + source + " twice");
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /** {@code KIND} or {@code KIND:metric}, with the kind upper-cased and checked. */
  private static String normalizeSource(String key, String source) {
    if (source == null || source.isBlank()) {
      throw new ConfigException(key, "has an entry without a drift kind");
    }
    int colon = source.indexOf(':');
    String kind = (colon < 0 ? source : source.substring(0, colon)).strip();
    try {
      String name = DriftEvent.Kind.valueOf(kind.toUpperCase(Locale.ROOT)).name();
      if (colon < 0) {
        return name;
      }
      String metric = source.substring(colon + 1).strip();
      if (metric.isEmpty()) {
        throw new ConfigException(key, "entry '" + source + "' has an empty metric");
      }
      return name + ":" + metric;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          key,
          "unknown drift kind '"
              + kind
              + "' (known: "
              + Arrays.toString(DriftEvent.Kind.values())
              + ")");
    }
  }

  private static AdapterKind adapterKind(String key, String name) {
    try {
      return AdapterKind.valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          key,
          "unknown adapter kind '"
              + name
              + "' (known: "
              + Arrays.toString(AdapterKind.values())
              + ")");
    }
  }

  private static void notBlank(String key, String value) {
    if (value.isBlank()) {
      throw new ConfigException(PREFIX + key, "must not be blank");
    }
  }

  private static void between(String key, Duration value, Duration max) {
    if (value.isNegative() || value.isZero() || value.compareTo(max) > 0) {
      throw new ConfigException(PREFIX + key, "must be between 1 ms and " + max + ", was " + value);
    }
  }

  /** Builder of {@link TriggerConfig}; {@link #build()} validates. */
  public static final class Builder {
    private Path stateDir;
    private String applicationId;
    private String driftTopic;
    private String feedbackTopic;
    private String resultsTopic;
    private String jobsTopic;
    private String dlqTopic;
    private Duration commitInterval;
    private Duration timeoutCheckInterval;
    private Map<String, Set<AdapterKind>> driftMapping;
    private final Map<AdapterKind, KindPolicy> policies = new EnumMap<>(AdapterKind.class);
    private int replicationFactor = 1;
    private int partitions = 1;
    private boolean createTopics = true;
    private String groupInstanceId;

    private Builder(Path stateDir) {
      this.stateDir = stateDir;
    }

    public Builder applicationId(String v) {
      this.applicationId = v;
      return this;
    }

    /** Overrides {@code state.dir} (default {@code dataDir/trainer-trigger}). */
    public Builder stateDir(Path v) {
      this.stateDir = v;
      return this;
    }

    public Builder driftTopic(String v) {
      this.driftTopic = v;
      return this;
    }

    public Builder feedbackTopic(String v) {
      this.feedbackTopic = v;
      return this;
    }

    public Builder resultsTopic(String v) {
      this.resultsTopic = v;
      return this;
    }

    public Builder jobsTopic(String v) {
      this.jobsTopic = v;
      return this;
    }

    public Builder dlqTopic(String v) {
      this.dlqTopic = v;
      return this;
    }

    public Builder commitInterval(Duration v) {
      this.commitInterval = v;
      return this;
    }

    public Builder timeoutCheckInterval(Duration v) {
      this.timeoutCheckInterval = v;
      return this;
    }

    /** See {@link TriggerConfig#driftMapping()} and {@link #parseDriftMapping(String, String)}. */
    public Builder driftMapping(Map<String, Set<AdapterKind>> v) {
      this.driftMapping = v;
      return this;
    }

    /** Sets the policy of {@code policy.kind()}. */
    public Builder policy(KindPolicy policy) {
      this.policies.put(policy.kind(), policy);
      return this;
    }

    public Builder replicationFactor(int v) {
      this.replicationFactor = v;
      return this;
    }

    public Builder partitions(int v) {
      this.partitions = v;
      return this;
    }

    public Builder createTopics(boolean v) {
      this.createTopics = v;
      return this;
    }

    /** Static group membership id, or null for dynamic membership (the default). */
    public Builder groupInstanceId(String v) {
      this.groupInstanceId = v;
      return this;
    }

    /**
     * The config.
     *
     * @throws ConfigException naming the key of the first invalid value
     */
    public TriggerConfig build() {
      return new TriggerConfig(
          applicationId,
          stateDir,
          driftTopic,
          feedbackTopic,
          resultsTopic,
          jobsTopic,
          dlqTopic,
          commitInterval,
          timeoutCheckInterval,
          driftMapping,
          policies,
          replicationFactor,
          partitions,
          createTopics,
          groupInstanceId);
    }
  }
}
