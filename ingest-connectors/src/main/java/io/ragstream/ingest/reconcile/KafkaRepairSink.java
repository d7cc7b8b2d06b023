package io.ragstream.ingest.reconcile;

import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.DocumentChange;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes repair changes to the canonical changes topic ({@code ragstream.changes}): key = the
 * documentId (UTF-8), value = the {@link DocumentChange} JSON, exactly like the normalizer, so the
 * indexing job's version guard orders them with every other change of the document. Idempotent
 * producer, {@code acks=all}; the first failed send fails {@link #flush()}.
 */
public final class KafkaRepairSink implements RepairSink {
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;
  private final AtomicReference<Exception> failure = new AtomicReference<>();

  /** A sink writing to {@code topic} on the cluster at {@code bootstrapServers}. */
  public KafkaRepairSink(String bootstrapServers, String topic) {
    this.topic = topic;
    this.producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.CLIENT_ID_CONFIG,
                "ragstream-reconcile"),
            new ByteArraySerializer(),
            new ByteArraySerializer());
  }

  @Override
  public void emit(DocumentChange change) {
    producer.send(
        new ProducerRecord<>(
            topic,
            change.documentId().getBytes(StandardCharsets.UTF_8),
            Json.write(change).getBytes(StandardCharsets.UTF_8)),
        (metadata, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          }
        });
  }

  @Override
  public void flush() {
    producer.flush();
    Exception e = failure.get();
    if (e != null) {
      throw new RagstreamException("cannot write repair changes to " + topic + ": " + e, e);
    }
  }

  @Override
  public void close() {
    producer.close(CLOSE_TIMEOUT);
  }
}
