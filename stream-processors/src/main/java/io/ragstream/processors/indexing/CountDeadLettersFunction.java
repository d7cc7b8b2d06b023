package io.ragstream.processors.indexing;

import io.ragstream.core.model.Topics;
import io.ragstream.processors.indexing.internal.DeadLetter;
import io.ragstream.processors.indexing.internal.DeadLetterSerializer;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Passes dead letters through unchanged and counts them in the Flink counter {@value
 * Topics#DLQ_METRIC} under the metric groups {@code stage=indexer} and {@code reason=<code>} (label
 * pairs in Flink's Prometheus reporter).
 */
public class CountDeadLettersFunction extends RichMapFunction<DeadLetter, DeadLetter> {
  private static final long serialVersionUID = 1L;

  private transient Map<String, Counter> counters;

  @Override
  public DeadLetter map(DeadLetter d) {
    if (counters == null) {
      counters = new HashMap<>();
    }
    counters
        .computeIfAbsent(d.code, code -> counter(getRuntimeContext().getMetricGroup(), code))
        .inc();
    return d;
  }

  /** The counter of dead letters with reason {@code code} under {@code group}. */
  static Counter counter(MetricGroup group, String code) {
    return group
        .addGroup("stage", DeadLetterSerializer.STAGE)
        .addGroup("reason", code)
        .counter(Topics.DLQ_METRIC);
  }
}
