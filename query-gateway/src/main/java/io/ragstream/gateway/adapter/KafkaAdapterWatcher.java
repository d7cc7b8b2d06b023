package io.ragstream.gateway.adapter;

import io.ragstream.core.event.AdapterEvent;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.Topics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code ragstream.adapters} and feeds every event to {@link QueryAdapters}: reads the
 * topic from the beginning (no consumer group, so every gateway sees every promotion), catches up
 * to the end before {@link #start} returns so that a gateway starts with the adapter that is
 * serving, then keeps polling on its own thread. A malformed event is logged and counted, never
 * fatal.
 */
public final class KafkaAdapterWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaAdapterWatcher.class);

  private static final Duration POLL = Duration.ofMillis(500);

  private final KafkaConsumer<String, byte[]> consumer;
  private final String topic;
  private final QueryAdapters adapters;
  private final List<AdapterListener> others;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong malformed = new AtomicLong();
  private Thread thread;

  /**
   * @param bootstrapServers Kafka's {@code bootstrap.servers}
   * @param extraConsumerProps further consumer settings (security); may be empty
   * @param topic the adapters topic, normally {@link Topics#ADAPTERS}
   * @param adapters what the events are fed to
   */
  public KafkaAdapterWatcher(
      String bootstrapServers,
      Map<String, Object> extraConsumerProps,
      String topic,
      QueryAdapters adapters) {
    this(bootstrapServers, extraConsumerProps, topic, adapters, List.of());
  }

  /**
   * Like {@link #KafkaAdapterWatcher(String, Map, String, QueryAdapters)}, also feeding every event
   * to {@code others} (after {@code adapters}), e.g. the LLM adapter route.
   */
  public KafkaAdapterWatcher(
      String bootstrapServers,
      Map<String, Object> extraConsumerProps,
      String topic,
      QueryAdapters adapters,
      List<AdapterListener> others) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.putAll(extraConsumerProps);
    this.consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.topic = Objects.requireNonNull(topic, "topic");
    this.adapters = Objects.requireNonNull(adapters, "adapters");
    this.others = List.copyOf(others);
  }

  /**
   * Assigns every partition of the topic, reads it to its current end (loading the serving
   * adapter), then follows it on a daemon thread.
   *
   * @param catchUp how long to wait for the topic and the catch-up
   * @throws TimeoutException when the topic does not exist or cannot be read to its end in time
   */
  public void start(Duration catchUp) throws TimeoutException {
    long deadline = System.nanoTime() + catchUp.toNanos();
    List<TopicPartition> partitions = new ArrayList<>();
    while (partitions.isEmpty()) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, catchUp);
      if (infos != null) {
        infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      }
      if (partitions.isEmpty() && System.nanoTime() > deadline) {
        throw new TimeoutException("topic " + topic + " does not exist after " + catchUp);
      }
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, catchUp);
    while (!caughtUp(end)) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("could not read " + topic + " to its end within " + catchUp);
      }
      pollOnce();
    }
    LOG.info("Following {}: serving query adapter {}", topic, adapters.servingId());
    thread = new Thread(this::run, "ragstream-adapter-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  /** Events on the topic that could not be parsed. */
  public long malformed() {
    return malformed.get();
  }

  private boolean caughtUp(Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) return false;
    }
    return true;
  }

  private void run() {
    try {
      while (!closed.get()) {
        pollOnce();
      }
    } catch (WakeupException e) {
      if (!closed.get()) throw e;
    } catch (RuntimeException e) {
      LOG.error("stopped following {}; the serving query adapter no longer changes", topic, e);
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void pollOnce() {
    for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
      AdapterEvent event;
      try {
        event = Json.mapper().readValue(record.value(), AdapterEvent.class);
      } catch (IOException | RuntimeException e) {
        malformed.incrementAndGet();
        LOG.warn(
            "skipping malformed event at {}-{}@{}: {}",
            record.topic(),
            record.partition(),
            record.offset(),
            e.getMessage());
        continue;
      }
      adapters.accept(event);
      for (AdapterListener l : others) {
        try {
          l.accept(event);
        } catch (RuntimeException e) {
          LOG.error("adapter listener {} failed on {}: {}", l, event.adapterId(), e.toString(), e);
        }
      }
    }
  }

  /** Stops following; idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    if (thread == null) {
      consumer.close(Duration.ofSeconds(5));
      return;
    }
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
