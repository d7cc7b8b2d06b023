package io.ragstream.processors.drift;

import io.ragstream.core.event.GatewayEventJson;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses {@code ragstream.feedback} records ({@link GatewayEventJson#feedbackFromJson}) into a
 * {@link QualitySample} each; an invalid record is skipped, counted ({@code malformedEvents}) and
 * logged at WARN, as in {@link ParseQueryFunction}.
 */
public class ParseFeedbackFunction extends ProcessFunction<byte[], QualitySample> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ParseFeedbackFunction.class);

  private transient Counter malformed;

  @Override
  public void open(OpenContext openContext) {
    malformed = getRuntimeContext().getMetricGroup().counter("malformedEvents");
  }

  @Override
  public void processElement(byte[] value, Context ctx, Collector<QualitySample> out) {
    try {
      out.collect(QualitySample.of(GatewayEventJson.feedbackFromJson(value)));
    } catch (IllegalArgumentException e) {
      malformed.inc();
      LOG.warn("Skipping a record of the feedback topic: {}", e.getMessage());
    }
  }
}
