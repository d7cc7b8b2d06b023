package io.ragstream.ingest.normalize.internal;

import io.ragstream.core.json.Json;
import io.ragstream.core.model.DeadLetterReason;
import io.ragstream.core.model.Topics;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeCount;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams processor: maps each Debezium record with {@link DebeziumChangeMapper} and forwards
 * the result to the changes sink (key = documentId, value = DocumentChange JSON or null) or, when
 * rejected, the original key/value and headers plus {@code ragstream.error.*} headers to the DLQ
 * sink. Never throws for a bad record, so the stream goes on.
 *
 * <p>Every dead letter increments the Kafka metric {@value Topics#DLQ_METRIC} (group {@value
 * #METRIC_GROUP}, tags {@code stage=normalizer}, {@code reason=<code>}, {@code task-id}) of the
 * Streams client, readable through {@code KafkaStreams#metrics()} and JMX.
 */
public final class NormalizeProcessor implements Processor<byte[], byte[], byte[], byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(NormalizeProcessor.class);

  /** Value of the DLQ stage header. */
  public static final String STAGE = "normalizer";

  /** Kafka metric group of the dead-letter counter. */
  public static final String METRIC_GROUP = "ragstream";

  private final DebeziumChangeMapper mapper;
  private final String changesSink;
  private final String dlqSink;
  private final Map<DeadLetterReason, Sensor> deadLetterSensors =
      new EnumMap<>(DeadLetterReason.class);
  private ProcessorContext<byte[], byte[]> context;

  public NormalizeProcessor(DebeziumChangeMapper mapper, String changesSink, String dlqSink) {
    this.mapper = mapper;
    this.changesSink = changesSink;
    this.dlqSink = dlqSink;
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
  }

  @Override
  public void close() {
    StreamsMetrics metrics = context == null ? null : context.metrics();
    if (metrics != null) {
      deadLetterSensors.values().forEach(metrics::removeSensor);
    }
    deadLetterSensors.clear();
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    RecordMetadata meta = context.recordMetadata().orElse(null);
    String topic = meta == null ? "" : meta.topic();
    MappingOutcome outcome = mapper.map(topic, record.key(), record.value());
    if (outcome instanceof MappingOutcome.Change c) {
      forwardChange(record, c);
    } else if (outcome instanceof MappingOutcome.Tombstone t) {
      context.forward(
          new Record<byte[], byte[]>(
              utf8(t.documentId()), null, record.timestamp(), new RecordHeaders()),
          changesSink);
    } else if (outcome instanceof MappingOutcome.Rejected r) {
      forwardToDlq(record, meta, r);
    }
  }

  private void forwardChange(Record<byte[], byte[]> record, MappingOutcome.Change c) {
    LOG.trace("{} {} v{}", c.change().op(), c.change().documentId(), c.change().version());
    context.forward(
        new Record<>(
            utf8(c.change().documentId()),
            utf8(Json.write(c.change())),
            record.timestamp(),
            new RecordHeaders()
                .add(
                    Topics.NORMALIZED_AT_HEADER,
                    utf8(Long.toString(context.currentSystemTimeMs())))),
        changesSink);
  }

  private void forwardToDlq(
      Record<byte[], byte[]> record, RecordMetadata meta, MappingOutcome.Rejected r) {
    Headers headers = new RecordHeaders(record.headers().toArray());
    headers.add(Topics.DLQ_HEADER_REASON, utf8(r.reason()));
    headers.add(Topics.DLQ_HEADER_CODE, utf8(r.code().code()));
    headers.add(Topics.DLQ_HEADER_EXCEPTION, utf8(r.cause().getClass().getName()));
    if (meta != null) {
      headers.add(Topics.DLQ_HEADER_TOPIC, utf8(meta.topic()));
      headers.add(Topics.DLQ_HEADER_PARTITION, utf8(Integer.toString(meta.partition())));
      headers.add(Topics.DLQ_HEADER_OFFSET, utf8(Long.toString(meta.offset())));
    }
    headers.add(Topics.DLQ_HEADER_STAGE, utf8(STAGE));
    headers.add(Topics.DLQ_HEADER_TIME, utf8(Long.toString(context.currentSystemTimeMs())));
    LOG.warn(
        "Record {}-{}@{} sent to the DLQ ({}): {}",
        meta == null ? "?" : meta.topic(),
        meta == null ? "?" : meta.partition(),
        meta == null ? "?" : meta.offset(),
        r.code().code(),
        r.reason());
    context.forward(record.withHeaders(headers), dlqSink);
    deadLetterSensor(r.code()).record();
  }

  /** The counter of dead letters with {@code reason}, registered on first use. */
  private Sensor deadLetterSensor(DeadLetterReason reason) {
    return deadLetterSensors.computeIfAbsent(
        reason,
        code -> {
          String task = context.taskId().toString();
          Sensor sensor =
              context
                  .metrics()
                  .addSensor(
                      "ragstream-dlq." + task + "." + code.code(), Sensor.RecordingLevel.INFO);
          Map<String, String> tags = new LinkedHashMap<>();
          tags.put("stage", STAGE);
          tags.put("reason", code.code());
          tags.put("task-id", task);
          sensor.add(
              new MetricName(
                  Topics.DLQ_METRIC,
                  METRIC_GROUP,
                  "Records the normalizer sent to the dead-letter topic, by reason",
                  tags),
              new CumulativeCount());
          return sensor;
        });
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
