package io.ragstream.trainer.policy.internal;

import io.ragstream.core.event.AdapterKind;
import io.ragstream.core.event.DriftEvent;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.event.GatewayEventJson;
import io.ragstream.core.event.TrainingJobResult;
import io.ragstream.core.model.DeadLetterReason;
import io.ragstream.core.model.Topics;
import io.ragstream.trainer.config.TriggerConfig;
import io.ragstream.trainer.policy.TriggerMetrics;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one input topic's records (bytes), validates them and re-keys them by adapter kind: a drift
 * event goes to every enabled kind its series feeds ({@link TriggerConfig#adapterKindsOf}), a
 * feedback event to every enabled kind, a training result to its own kind. A record that cannot be
 * read becomes a {@link Routed.DeadLetter} with the {@code ragstream.error.*} headers, is logged at
 * WARN and counted; the stream goes on. Stateless.
 */
public final class InputRouter implements Processor<byte[], byte[], String, Routed> {
  private static final Logger LOG = LoggerFactory.getLogger(InputRouter.class);

  private final TriggerInput.Type type;
  private final TriggerConfig config;
  private final TriggerMetrics metrics;
  private ProcessorContext<String, Routed> context;

  public InputRouter(TriggerInput.Type type, TriggerConfig config, TriggerMetrics metrics) {
    this.type = type;
    this.config = config;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, Routed> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    RecordMetadata meta = context.recordMetadata().orElseThrow();
    try {
      switch (type) {
        case DRIFT -> {
          DriftEvent event = EventJson.drift(record.value());
          Set<AdapterKind> kinds = config.adapterKindsOf(event.kind(), event.metric());
          if (kinds.isEmpty()) {
            LOG.trace("Drift series {} feeds no enabled adapter kind", event.key());
          }
          for (AdapterKind kind : kinds) {
            forward(record, kind, TriggerInput.of(meta.partition(), meta.offset(), event));
          }
        }
        case FEEDBACK -> {
          FeedbackEvent event = GatewayEventJson.feedbackFromJson(record.value());
          for (AdapterKind kind : config.enabledKinds()) {
            forward(record, kind, TriggerInput.of(meta.partition(), meta.offset(), event));
          }
        }
        case RESULT -> {
          TrainingJobResult event = EventJson.result(record.value());
          forward(record, event.kind(), TriggerInput.of(meta.partition(), meta.offset(), event));
        }
      }
    } catch (IllegalArgumentException e) {
      deadLetter(record, meta, e);
    }
  }

  private void forward(Record<byte[], byte[]> record, AdapterKind kind, TriggerInput input) {
    context.forward(
        new Record<String, Routed>(
            kind.name(), new Routed.Input(input), record.timestamp(), new RecordHeaders()));
  }

  private void deadLetter(Record<byte[], byte[]> record, RecordMetadata meta, Exception e) {
    DeadLetterReason reason = DeadLetterReason.MALFORMED_RECORD;
    Headers headers = new RecordHeaders(record.headers().toArray());
    headers.add(Topics.DLQ_HEADER_REASON, utf8(e.getMessage()));
    headers.add(Topics.DLQ_HEADER_CODE, utf8(reason.code()));
    headers.add(Topics.DLQ_HEADER_EXCEPTION, utf8(e.getClass().getName()));
    headers.add(Topics.DLQ_HEADER_TOPIC, utf8(meta.topic()));
    headers.add(Topics.DLQ_HEADER_PARTITION, utf8(Integer.toString(meta.partition())));
    headers.add(Topics.DLQ_HEADER_OFFSET, utf8(Long.toString(meta.offset())));
    headers.add(Topics.DLQ_HEADER_STAGE, utf8(TriggerMetrics.STAGE));
    headers.add(Topics.DLQ_HEADER_TIME, utf8(Long.toString(context.currentSystemTimeMs())));
    LOG.warn(
        "Record {}-{}@{} sent to the DLQ ({}): {}",
        meta.topic(),
        meta.partition(),
        meta.offset(),
        reason.code(),
        e.getMessage());
    context.forward(
        new Record<String, Routed>(
            null,
            new Routed.DeadLetter(record.key(), record.value()),
            record.timestamp(),
            headers));
    metrics.deadLetter(reason);
  }

  private static byte[] utf8(String s) {
    return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
  }
}
