package io.ragstream.ingest.normalize;

import io.ragstream.core.model.Topics;
import io.ragstream.ingest.config.PostgresSourceConfig;
import io.ragstream.ingest.config.SourceKind;
import io.ragstream.ingest.config.TableMapping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Configuration of the Kafka Streams normalizer ({@link ChangeNormalizer}, {@link
 * ChangeNormalizerRunner}). Build it with {@link #builder(String, Path, List)}; {@code null} for an
 * optional component means its default.
 *
 * @param bootstrapServers Kafka {@code bootstrap.servers}
 * @param applicationId Kafka Streams {@code application.id} (consumer group, internal topic
 *     prefix); default {@value #DEFAULT_APPLICATION_ID}
 * @param topicPrefix Debezium topic prefix; the inputs are {@code <topicPrefix>.<schema>.<table>};
 *     default {@value PostgresSourceConfig#DEFAULT_TOPIC_PREFIX}
 * @param tables the table mappings, at least one, no table twice
 * @param changesTopic output topic of DocumentChange JSON; default {@value Topics#CHANGES}
 * @param dlqTopic dead-letter topic; default {@value Topics#DLQ}
 * @param stateDir Kafka Streams {@code state.dir} (lock files only: the topology is stateless)
 * @param commitInterval {@code commit.interval.ms}, 1 ms to 60 s; default {@link
 *     #DEFAULT_COMMIT_INTERVAL}
 * @param processingGuarantee default {@link ProcessingGuarantee#AT_LEAST_ONCE}
 * @param replicationFactor replication factor of topics the runner creates and of Kafka Streams'
 *     internal topics (this topology has none); default 1 (local mode, one broker)
 * @param partitions partitions of topics the runner creates; default 1
 * @param createTopics whether {@link ChangeNormalizerRunner#start()} creates missing input and
 *     output topics ({@code ragstream.changes} compacted); default true
 * @param groupInstanceId Kafka static group membership ({@code group.instance.id} of the consumer),
 *     or null (default) for dynamic membership. With one instance per id, a restart after a crash
 *     rejoins at once instead of waiting for the dead member's session timeout (45 s); two running
 *     instances must never share an id.
 * @param sourceKind the kind of database the inputs were captured from (documentId prefix, how
 *     {@code version} is derived); default {@link SourceKind#POSTGRESQL}
 * @throws IllegalArgumentException naming the field when a value is invalid
 */
public record NormalizerConfig(
    String bootstrapServers,
    String applicationId,
    String topicPrefix,
    List<TableMapping> tables,
    String changesTopic,
    String dlqTopic,
    Path stateDir,
    Duration commitInterval,
    ProcessingGuarantee processingGuarantee,
    int replicationFactor,
    int partitions,
    boolean createTopics,
    String groupInstanceId,
    SourceKind sourceKind) {

  /** Default Kafka Streams application id. */
  public static final String DEFAULT_APPLICATION_ID = "ragstream-normalizer";

  /** Default commit interval: short, so changes reach the indexer quickly. */
  public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(200);

  /** Sub-directory of the data dir used as {@code state.dir} by {@link #builder}. */
  public static final String STATE_DIR_NAME = "kafka-streams";

  public NormalizerConfig {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("normalizer.bootstrapServers must not be blank");
    }
    applicationId = applicationId == null ? DEFAULT_APPLICATION_ID : applicationId;
    topicPrefix = topicPrefix == null ? PostgresSourceConfig.DEFAULT_TOPIC_PREFIX : topicPrefix;
    changesTopic = changesTopic == null ? Topics.CHANGES : changesTopic;
    dlqTopic = dlqTopic == null ? Topics.DLQ : dlqTopic;
    commitInterval = commitInterval == null ? DEFAULT_COMMIT_INTERVAL : commitInterval;
    processingGuarantee =
        processingGuarantee == null ? ProcessingGuarantee.AT_LEAST_ONCE : processingGuarantee;
    sourceKind = sourceKind == null ? SourceKind.POSTGRESQL : sourceKind;
    notBlank("normalizer.applicationId", applicationId);
    notBlank("normalizer.topicPrefix", topicPrefix);
    notBlank("normalizer.changesTopic", changesTopic);
    notBlank("normalizer.dlqTopic", dlqTopic);
    if (tables == null || tables.isEmpty()) {
      throw new IllegalArgumentException("normalizer.tables must name at least one table");
    }
    tables = List.copyOf(tables);
    Set<String> seen = new HashSet<>();
    for (TableMapping t : tables) {
      if (!seen.add(t.qualifiedName())) {
        throw new IllegalArgumentException(
            "normalizer.tables maps " + t.qualifiedName() + " more than once");
      }
    }
    Objects.requireNonNull(stateDir, "normalizer.stateDir must not be null");
    if (commitInterval.isNegative()
        || commitInterval.isZero()
        || commitInterval.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException(
          "normalizer.commitInterval must be between 1 ms and 60 s, was " + commitInterval);
    }
    if (replicationFactor < 1) {
      throw new IllegalArgumentException(
          "normalizer.replicationFactor must be >= 1, was " + replicationFactor);
    }
    if (partitions < 1) {
      throw new IllegalArgumentException("normalizer.partitions must be >= 1, was " + partitions);
    }
    if (groupInstanceId != null) {
      notBlank("normalizer.groupInstanceId", groupInstanceId);
    }
    Set<String> outputs = Set.of(changesTopic, dlqTopic);
    if (outputs.size() < 2) {
      throw new IllegalArgumentException("normalizer.changesTopic and dlqTopic must differ");
    }
    for (TableMapping t : tables) {
      if (outputs.contains(t.topic(topicPrefix))) {
        throw new IllegalArgumentException(
            "normalizer input topic " + t.topic(topicPrefix) + " is also an output topic");
      }
    }
  }

  /** A builder with the defaults; {@code state.dir} is {@code dataDir/}{@value #STATE_DIR_NAME}. */
  public static Builder builder(String bootstrapServers, Path dataDir, List<TableMapping> tables) {
    return new Builder(bootstrapServers, dataDir.resolve(STATE_DIR_NAME), tables);
  }

  /** The Debezium topics read: {@code <topicPrefix>.<schema>.<table>} per mapping. */
  public List<String> sourceTopics() {
    return tables.stream().map(t -> t.topic(topicPrefix)).toList();
  }

  private static void notBlank(String field, String value) {
    if (value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
  }

  /** Builder of {@link NormalizerConfig}; {@link #build()} validates. */
  public static final class Builder {
    private final String bootstrapServers;
    private final Path stateDir;
    private final List<TableMapping> tables;
    private String applicationId;
    private String topicPrefix;
    private String changesTopic;
    private String dlqTopic;
    private Path stateDirOverride;
    private Duration commitInterval;
    private ProcessingGuarantee processingGuarantee;
    private int replicationFactor = 1;
    private int partitions = 1;
    private boolean createTopics = true;
    private String groupInstanceId;
    private SourceKind sourceKind;

    private Builder(String bootstrapServers, Path stateDir, List<TableMapping> tables) {
      this.bootstrapServers = bootstrapServers;
      this.stateDir = stateDir;
      this.tables = tables;
    }

    public Builder applicationId(String v) {
      this.applicationId = v;
      return this;
    }

    public Builder topicPrefix(String v) {
      this.topicPrefix = v;
      return this;
    }

    public Builder changesTopic(String v) {
      this.changesTopic = v;
      return this;
    }

    public Builder dlqTopic(String v) {
      this.dlqTopic = v;
      return this;
    }

    public Builder stateDir(Path v) {
      this.stateDirOverride = v;
      return this;
    }

    public Builder commitInterval(Duration v) {
      this.commitInterval = v;
      return this;
    }

    public Builder processingGuarantee(ProcessingGuarantee v) {
      this.processingGuarantee = v;
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

    /** The kind of source database (default PostgreSQL). */
    public Builder sourceKind(SourceKind v) {
      this.sourceKind = v;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the field when a value is invalid
     */
    public NormalizerConfig build() {
      return new NormalizerConfig(
          bootstrapServers,
          applicationId,
          topicPrefix,
          tables,
          changesTopic,
          dlqTopic,
          stateDirOverride != null ? stateDirOverride : stateDir,
          commitInterval,
          processingGuarantee,
          replicationFactor,
          partitions,
          createTopics,
          groupInstanceId,
          sourceKind);
    }
  }
}
