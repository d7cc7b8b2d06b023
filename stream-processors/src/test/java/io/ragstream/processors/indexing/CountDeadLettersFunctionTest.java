package io.ragstream.processors.indexing;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.core.model.Topics;
import org.apache.flink.metrics.testutils.MetricListener;
import org.junit.jupiter.api.Test;

/** The indexer's dead-letter counter: Prometheus-style name, stage and reason as label groups. */
class CountDeadLettersFunctionTest {
  @Test
  void countsUnderStageAndReasonLabels() {
    MetricListener metrics = new MetricListener();
    var tooLarge = CountDeadLettersFunction.counter(metrics.getMetricGroup(), "body_too_large");
    tooLarge.inc();
    tooLarge.inc();
    CountDeadLettersFunction.counter(metrics.getMetricGroup(), "malformed_record").inc();

    assertThat(
            metrics.getCounter("stage", "indexer", "reason", "body_too_large", Topics.DLQ_METRIC))
        .hasValueSatisfying(c -> assertThat(c.getCount()).isEqualTo(2));
    assertThat(
            metrics.getCounter("stage", "indexer", "reason", "malformed_record", Topics.DLQ_METRIC))
        .hasValueSatisfying(c -> assertThat(c.getCount()).isEqualTo(1));
  }
}
