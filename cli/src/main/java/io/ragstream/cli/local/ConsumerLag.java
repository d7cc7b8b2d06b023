package io.ragstream.cli.local;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** Consumer-group lag from Kafka's admin API: end offsets minus committed offsets. */
public final class ConsumerLag {
  private ConsumerLag() {}

  /**
   * Total lag of {@code groupId} over the partitions of {@code topics} that have records; a
   * partition with records and no committed offset counts fully. Blocks up to a few seconds.
   */
  public static long of(Admin admin, String groupId, java.util.Collection<String> topics)
      throws Exception {
    return byTopic(admin, groupId, topics).values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Lag of {@code groupId} per topic of {@code topics} (each topic present, 0 when caught up); a
   * partition with records and no committed offset counts fully. Blocks up to a few seconds.
   */
  public static Map<String, Long> byTopic(
      Admin admin, String groupId, java.util.Collection<String> topics) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin
            .listConsumerGroupOffsets(groupId)
            .partitionsToOffsetAndMetadata()
            .get(5, TimeUnit.SECONDS);
    var partitions = new java.util.HashMap<TopicPartition, OffsetSpec>();
    var described = admin.describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS);
    described.forEach(
        (name, d) ->
            d.partitions()
                .forEach(
                    p ->
                        partitions.put(
                            new TopicPartition(name, p.partition()), OffsetSpec.latest())));
    Map<TopicPartition, ListOffsetsResultInfo> ends =
        admin.listOffsets(partitions).all().get(5, TimeUnit.SECONDS);
    Map<String, Long> lag = new java.util.TreeMap<>();
    topics.forEach(t -> lag.put(t, 0L));
    for (var e : ends.entrySet()) {
      OffsetAndMetadata c = committed.get(e.getKey());
      long end = e.getValue().offset();
      lag.merge(e.getKey().topic(), Math.max(0, end - (c == null ? 0 : c.offset())), Long::sum);
    }
    return lag;
  }
}
