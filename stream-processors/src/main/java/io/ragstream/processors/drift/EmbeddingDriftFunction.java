package io.ragstream.processors.drift;

import io.ragstream.core.event.DriftEvent;
import io.ragstream.processors.drift.internal.WindowProgress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.UUID;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embedding drift per kind and embedder ({@link EmbeddingSample#key()}): compares each tumbling
 * count window of {@link DriftSettings#windowSize()} embeddings with a reference sample and emits,
 * per closed window, two {@link DriftEvent}s, drifted or not:
 *
 * <ul>
 *   <li>{@value #MMD}: the unbiased MMD² with an RBF kernel and its permutation p-value ({@link
 *       KernelTwoSampleTest}); drifted when {@code p <= alpha} <em>and</em> {@code MMD² >=
 *       mmdThreshold} (significant and large enough);
 *   <li>{@value #CENTROID}: the cosine distance of the centroids ({@link CentroidDistance});
 *       drifted when it is {@code >= centroidThreshold}.
 * </ul>
 *
 * <p>The reference ({@link DriftSettings#reference()}): {@code INITIAL} keeps a uniform reservoir
 * sample (Vitter's algorithm R) of {@code referenceSampleSize} of the first {@code referenceSize}
 * embeddings, which are not tested, and then freezes it; {@code ROLLING} keeps the {@code
 * referenceSampleSize} embeddings just before the current window (the first ones fill it, then each
 * closed window replaces the oldest).
 *
 * <p>Reference, current window and counters are Flink keyed state (a map of reference slots, a list
 * of window vectors, a {@link WindowProgress}), so they survive restarts from a checkpoint or
 * savepoint. Reservoir draws and permutation tests are seeded from {@link DriftSettings#seed()},
 * the key and the sample or window number, so a replay gives the same results; the event id is a
 * name-based UUID of key, metric and window number, so consumers can deduplicate a replay.
 *
 * <p>Metrics: gauges {@value #VALUE_GAUGE} and {@value #P_VALUE_GAUGE} (MMD only) in the groups
 * {@code kind} and {@code metric} with each metric's latest value, the counter {@code driftWindows}
 * (windows closed), {@code driftTestNanos} (time in the tests) and {@code driftRejected}
 * (embeddings of another dimension than the key's reference, and windows that could not be tested,
 * e.g. for non-finite values; each logged at WARN, the job goes on).
 */
public class EmbeddingDriftFunction
    extends KeyedProcessFunction<String, EmbeddingSample, DriftEvent> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddingDriftFunction.class);

  /** Metric name of the MMD test. */
  public static final String MMD = "mmd_rbf";

  /** Metric name of the centroid distance. */
  public static final String CENTROID = "centroid_cosine_distance";

  /** Flink gauge of a metric's latest value (groups {@code kind}, {@code metric}). */
  public static final String VALUE_GAUGE = "drift_value";

  /** Flink gauge of a metric's latest p-value (groups {@code kind}, {@code metric}). */
  public static final String P_VALUE_GAUGE = "drift_p_value";

  private final DriftSettings settings;

  private transient ValueState<WindowProgress> progress;
  private transient MapState<Integer, float[]> reference;
  private transient ListState<float[]> window;
  private transient DriftGauges gauges;
  private transient Counter windows;
  private transient Counter testNanos;
  private transient Counter rejected;

  public EmbeddingDriftFunction(DriftSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  @Override
  public void open(OpenContext openContext) {
    var ctx = getRuntimeContext();
    progress = ctx.getState(new ValueStateDescriptor<>("progress", WindowProgress.class));
    reference =
        ctx.getMapState(
            new MapStateDescriptor<>(
                "reference", Types.INT, PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
    window =
        ctx.getListState(
            new ListStateDescriptor<>(
                "window", PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
    gauges = new DriftGauges(ctx.getMetricGroup());
    windows = ctx.getMetricGroup().counter("driftWindows");
    testNanos = ctx.getMetricGroup().counter("driftTestNanos");
    rejected = ctx.getMetricGroup().counter("driftRejected");
  }

  @Override
  public void processElement(EmbeddingSample sample, Context ctx, Collector<DriftEvent> out)
      throws Exception {
    WindowProgress p = progress.value();
    if (p == null) p = new WindowProgress();
    String key = ctx.getCurrentKey();
    if (p.referenceCount > 0 && sample.vector().length != reference.get(0).length) {
      rejected.inc();
      LOG.warn(
          "Skipping a {} embedding of dimension {}: the reference of {} has dimension {}",
          sample.kind(),
          sample.vector().length,
          key,
          reference.get(0).length);
      return;
    }
    int capacity = settings.referenceSampleSize();
    boolean initial = settings.reference() == DriftSettings.Reference.INITIAL;
    long referencePhase = initial ? settings.referenceSize() : capacity;
    if (p.seen < referencePhase) {
      if (p.referenceCount < capacity) {
        reference.put(p.referenceCount++, sample.vector());
      } else {
        // Algorithm R: the (seen+1)-th sample replaces a random slot with probability cap/(seen+1).
        long j = random(key, "reservoir", p.seen).nextLong(p.seen + 1);
        if (j < capacity) reference.put((int) j, sample.vector());
      }
      p.seen++;
      progress.update(p);
      return;
    }
    p.seen++;
    window.add(sample.vector());
    p.windowCount++;
    p.windowStart = Math.min(p.windowStart, sample.at());
    p.windowEnd = Math.max(p.windowEnd, sample.at());
    if (p.windowCount >= settings.windowSize()) {
      close(key, sample, p, out);
    }
    progress.update(p);
  }

  /** Tests the full window, emits its events, moves it into a rolling reference, starts anew. */
  private void close(String key, EmbeddingSample last, WindowProgress p, Collector<DriftEvent> out)
      throws Exception {
    List<float[]> current = new ArrayList<>(p.windowCount);
    for (float[] v : window.get()) current.add(v);
    float[][] ref = new float[p.referenceCount][];
    for (int i = 0; i < p.referenceCount; i++) ref[i] = reference.get(i);
    float[][] cur = current.toArray(float[][]::new);
    long start = System.nanoTime();
    KernelTwoSampleTest.Result mmd;
    double centroid;
    try {
      mmd =
          KernelTwoSampleTest.test(
              ref,
              cur,
              settings.permutations(),
              random(key, "permutations", p.windowIndex).nextLong());
      centroid = CentroidDistance.cosine(ref, cur);
    } catch (IllegalArgumentException e) {
      // Degenerate data (e.g. non-finite values) must not fail the job in a restart loop.
      rejected.inc();
      LOG.warn("Cannot test window {} of {}: {}", p.windowIndex, key, e.getMessage());
      startNextWindow(p);
      return;
    }
    testNanos.inc(System.nanoTime() - start);
    windows.inc();
    long now = System.currentTimeMillis();
    boolean mmdDrifted = mmd.pValue() <= settings.alpha() && mmd.mmd2() >= settings.mmdThreshold();
    DriftEvent.Kind kind = last.kind();
    out.collect(
        event(
            key,
            kind,
            MMD,
            mmd.mmd2(),
            settings.mmdThreshold(),
            mmd.pValue(),
            mmdDrifted,
            p,
            last,
            now));
    out.collect(
        event(
            key,
            kind,
            CENTROID,
            centroid,
            settings.centroidThreshold(),
            null,
            centroid >= settings.centroidThreshold(),
            p,
            last,
            now));
    gauges.set(kind, MMD, mmd.mmd2(), mmd.pValue());
    gauges.set(kind, CENTROID, centroid, null);
    LOG.debug(
        "{} window {}: MMD² {} (p {}), centroid distance {}",
        key,
        p.windowIndex,
        mmd.mmd2(),
        mmd.pValue(),
        centroid);
    if (settings.reference() == DriftSettings.Reference.ROLLING) {
      for (float[] v : cur) {
        reference.put(p.nextSlot, v);
        p.nextSlot = (p.nextSlot + 1) % settings.referenceSampleSize();
      }
    }
    startNextWindow(p);
  }

  private void startNextWindow(WindowProgress p) {
    window.clear();
    p.windowCount = 0;
    p.windowIndex++;
    p.windowStart = Long.MAX_VALUE;
    p.windowEnd = Long.MIN_VALUE;
  }

  private DriftEvent event(
      String key,
      DriftEvent.Kind kind,
      String metric,
      double value,
      double threshold,
      Double pValue,
      boolean drifted,
      WindowProgress p,
      EmbeddingSample last,
      long now) {
    return new DriftEvent(
        eventId(key, metric, p.windowIndex),
        kind,
        metric,
        value,
        threshold,
        pValue,
        drifted,
        Math.max(0, p.windowStart),
        Math.max(0, p.windowEnd) + 1,
        p.windowCount,
        p.referenceCount,
        settings.reference().wireName(),
        last.embedder(),
        now);
  }

  /** A name-based UUID of (key, metric, window number): a replayed window keeps its id. */
  static String eventId(String key, String metric, long windowIndex) {
    return UUID.nameUUIDFromBytes(
            (key + "\n" + metric + "\n" + windowIndex).getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  private SplittableRandom random(String key, String purpose, long n) {
    long h = settings.seed();
    h = 31 * h + key.hashCode();
    h = 31 * h + purpose.hashCode();
    return new SplittableRandom(new SplittableRandom(h).nextLong() ^ (n * 0x9E3779B97F4A7C15L));
  }
}
