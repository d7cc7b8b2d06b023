package io.ragstream.processors.drift;

import io.ragstream.core.event.DriftEvent;
import io.ragstream.core.event.GatewayEventJson;
import io.ragstream.core.event.QueryEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses {@code ragstream.queries} records ({@link GatewayEventJson#queryFromJson}) into a {@link
 * QualitySample} each (main output) and, for queries with an embedding ({@code dense}, {@code
 * hybrid}; {@code bm25} has none), an {@link EmbeddingSample} of kind {@code QUERIES} on {@link
 * #QUERY_EMBEDDINGS}. When an embedder name is given, query embeddings of other models are not used
 * for embedding drift (counter {@code otherEmbedderQueries}); their quality still counts.
 *
 * <p>A record that is not a valid QueryEvent is skipped, counted ({@code malformedEvents}) and
 * logged at WARN with the reason: drift detection reads the gateway's events, it does not own them,
 * so it does not dead-letter them.
 */
public class ParseQueryFunction extends ProcessFunction<byte[], QualitySample> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ParseQueryFunction.class);

  /** Side output: the query embeddings. */
  public static final OutputTag<EmbeddingSample> QUERY_EMBEDDINGS =
      new OutputTag<>("query-embeddings") {};

  private final String embedderName;
  private transient Counter malformed;
  private transient Counter otherEmbedder;

  /**
   * @param embedderName model name (e.g. {@code bge-small-en-v1.5-q}) whose query embeddings are
   *     compared; matches ids {@code name} and {@code name@revision}. {@code null}: every model,
   *     each in its own series
   */
  public ParseQueryFunction(String embedderName) {
    this.embedderName = embedderName;
  }

  @Override
  public void open(OpenContext openContext) {
    malformed = getRuntimeContext().getMetricGroup().counter("malformedEvents");
    otherEmbedder = getRuntimeContext().getMetricGroup().counter("otherEmbedderQueries");
  }

  @Override
  public void processElement(byte[] value, Context ctx, Collector<QualitySample> out) {
    QueryEvent e;
    try {
      e = GatewayEventJson.queryFromJson(value);
    } catch (IllegalArgumentException ex) {
      malformed.inc();
      LOG.warn("Skipping a record of the queries topic: {}", ex.getMessage());
      return;
    }
    out.collect(QualitySample.of(e));
    float[] embedding = e.embedding();
    if (embedding == null) return;
    if (!sameModel(e.embedder())) {
      otherEmbedder.inc();
      return;
    }
    ctx.output(
        QUERY_EMBEDDINGS,
        new EmbeddingSample(DriftEvent.Kind.QUERIES, e.embedder(), embedding, e.at()));
  }

  private boolean sameModel(String id) {
    return embedderName == null || id.equals(embedderName) || id.startsWith(embedderName + "@");
  }
}
