package io.ragstream.cli.platform;

import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;

/** How the parts create the topics they need: partitions given by the part, replication here. */
@FunctionalInterface
public interface TopicSpecs {
  /** A new topic {@code name} with {@code partitions} partitions. */
  NewTopic topic(String name, int partitions);

  /** Replication factor 1: the embedded single-broker Kafka of {@code ragstream local}. */
  static TopicSpecs singleReplica() {
    return (name, partitions) -> new NewTopic(name, partitions, (short) 1);
  }

  /** The broker's {@code default.replication.factor}: a Kafka cluster of the distributed mode. */
  static TopicSpecs brokerDefault() {
    return (name, partitions) -> new NewTopic(name, Optional.of(partitions), Optional.empty());
  }
}
