package io.ragstream.ingest.cdc;

import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.error.RetriableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes Debezium change events to Kafka with an idempotent producer ({@code acks=all}, {@code
 * enable.idempotence=true}, {@code linger.ms=5}): key and value are the Debezium JSON strings, the
 * topic is the event's destination, a null value stays a tombstone. Partitioning is Kafka's default
 * (murmur2 of the key bytes), as with Kafka Connect, so all events of a row land in one partition
 * in order.
 *
 * <p>{@link #write(List)} sends the batch, flushes, and checks every acknowledgement; see {@link
 * CdcRecordSink} for the contract. Not thread-safe for concurrent {@code write} calls.
 */
public final class KafkaCdcRecordSink implements CdcRecordSink {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaCdcRecordSink.class);

  /** Default {@code linger.ms}: small, so CDC latency stays low while batches still form. */
  public static final int DEFAULT_LINGER_MS = 5;

  private final Producer<String, String> producer;

  /**
   * Wraps {@code producer}; the sink closes it. The producer should be configured like {@link
   * #producerConfig(String)} (idempotent, {@code acks=all}) or the at-least-once guarantee is lost.
   */
  public KafkaCdcRecordSink(Producer<String, String> producer) {
    this.producer = producer;
  }

  /** A sink with a new producer for {@code bootstrapServers} ({@link #producerConfig(String)}). */
  public static KafkaCdcRecordSink create(String bootstrapServers) {
    return create(producerConfig(bootstrapServers));
  }

  /** A sink with a new producer configured by {@code config} (String serializers are added). */
  public static KafkaCdcRecordSink create(Map<String, Object> config) {
    return new KafkaCdcRecordSink(
        new KafkaProducer<>(config, new StringSerializer(), new StringSerializer()));
  }

  /**
   * The producer settings this sink relies on: {@code acks=all}, {@code enable.idempotence=true},
   * {@code max.in.flight.requests.per.connection=5} (ordered with idempotence), {@code
   * linger.ms}={@value #DEFAULT_LINGER_MS}, client id {@code ragstream-cdc}. A mutable copy: add
   * security settings as needed.
   */
  public static Map<String, Object> producerConfig(String bootstrapServers) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    config.put(ProducerConfig.LINGER_MS_CONFIG, DEFAULT_LINGER_MS);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "ragstream-cdc");
    return config;
  }

  @Override
  public void write(List<CdcRecord> batch) throws InterruptedException {
    if (batch.isEmpty()) {
      return;
    }
    List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
    try {
      for (CdcRecord r : batch) {
        LOG.trace("send {} key={} value={}", r.topic(), r.key(), r.value());
        acks.add(producer.send(new ProducerRecord<>(r.topic(), r.key(), r.value())));
      }
      producer.flush();
    } catch (InterruptException e) {
      InterruptedException ie = new InterruptedException("interrupted while writing to Kafka");
      ie.initCause(e);
      throw ie;
    } catch (KafkaException e) {
      throw classify("cannot send CDC batch to Kafka", e);
    }
    for (int i = 0; i < acks.size(); i++) {
      try {
        acks.get(i).get();
      } catch (ExecutionException e) {
        CdcRecord r = batch.get(i);
        throw classify(
            "Kafka did not acknowledge CDC record "
                + (i + 1)
                + "/"
                + batch.size()
                + " for topic "
                + r.topic()
                + " key "
                + r.key(),
            e.getCause());
      }
    }
    LOG.debug("Wrote {} CDC records to Kafka", batch.size());
  }

  @Override
  public void close() {
    producer.close();
  }

  private static RagstreamException classify(String message, Throwable cause) {
    String full = message + ": " + cause;
    return cause instanceof org.apache.kafka.common.errors.RetriableException
        ? new RetriableException(full, cause)
        : new RagstreamException(full, cause);
  }
}
