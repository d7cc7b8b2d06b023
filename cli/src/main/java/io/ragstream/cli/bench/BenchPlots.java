package io.ragstream.cli.bench;

import java.awt.BasicStroke;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG plots of {@code bench report} (XChart, Java2D; runs headless). */
final class BenchPlots {
  private BenchPlots() {}

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /**
   * Empirical CDF of commit → searchable per change rate: x = seconds, y = share of changes
   * searchable within x.
   */
  static void freshnessCdf(Path file, Map<String, List<Double>> secondsBySeries)
      throws IOException {
    XYChart chart = chart("Freshness: commit → searchable (CDF)", "seconds", "share of changes");
    chart.getStyler().setYAxisMax(1.0).setYAxisMin(0.0);
    secondsBySeries.forEach(
        (name, values) -> {
          if (values.isEmpty()) return;
          List<Double> sorted = new ArrayList<>(values);
          Collections.sort(sorted);
          List<Double> xs = new ArrayList<>();
          List<Double> ys = new ArrayList<>();
          for (int i = 0; i < sorted.size(); i++) {
            xs.add(sorted.get(i));
            ys.add((i + 1) / (double) sorted.size());
          }
          line(chart.addSeries(name, xs, ys));
        });
    save(chart, file);
  }

  /** Histogram (as a step-like line of bin counts) of latencies in ms per series, shared bins. */
  static void latencyHistogram(Path file, Map<String, List<Double>> msBySeries, int bins)
      throws IOException {
    XYChart chart = chart("Search latency under concurrency", "latency (ms)", "share of requests");
    double max = 0;
    for (List<Double> v : msBySeries.values()) {
      for (double d : v) max = Math.max(max, d);
    }
    double cap = percentileOfAll(msBySeries, 0.995);
    double hi = cap > 0 ? cap : Math.max(1, max);
    double width = hi / bins;
    for (var e : msBySeries.entrySet()) {
      if (e.getValue().isEmpty()) continue;
      double[] counts = new double[bins];
      for (double d : e.getValue()) {
        counts[(int) Math.min(bins - 1, Math.floor(d / width))]++;
      }
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (int i = 0; i < bins; i++) {
        xs.add((i + 0.5) * width);
        ys.add(counts[i] / e.getValue().size());
      }
      line(chart.addSeries(e.getKey(), xs, ys));
    }
    save(chart, file);
  }

  /**
   * Throughput over time: documents indexed per second over a sliding {@code windowSeconds}, from
   * (seconds, cumulative documents) samples; time 0 is the last sample before the first document.
   */
  static void throughput(
      Path file, List<double[]> secondsAndDocuments, double rawDocsPerSec, double windowSeconds)
      throws IOException {
    XYChart chart =
        chart(
            "Initial load through the pipeline (" + (int) windowSeconds + " s moving window)",
            "seconds since the load started indexing",
            "documents/s");
    int first = 0;
    while (first + 1 < secondsAndDocuments.size() && secondsAndDocuments.get(first + 1)[1] == 0) {
      first++;
    }
    List<double[]> samples = secondsAndDocuments.subList(first, secondsAndDocuments.size());
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    double t0 = samples.isEmpty() ? 0 : samples.get(0)[0];
    int from = 0;
    for (int i = 1; i < samples.size(); i++) {
      double[] b = samples.get(i);
      while (from < i - 1 && b[0] - samples.get(from + 1)[0] >= windowSeconds) from++;
      double[] a = samples.get(from);
      if (b[0] > a[0]) {
        xs.add(b[0] - t0);
        ys.add((b[1] - a[1]) / (b[0] - a[0]));
      }
    }
    if (!xs.isEmpty()) {
      line(chart.addSeries("pipeline", xs, ys));
      line(
          chart.addSeries(
              "raw embedder (same texts, idle)",
              List.of(xs.get(0), xs.get(xs.size() - 1)),
              List.of(rawDocsPerSec, rawDocsPerSec)));
    }
    save(chart, file);
  }

  private static XYChart chart(String title, String x, String y) {
    XYChart chart =
        new XYChartBuilder()
            .width(900)
            .height(520)
            .title(title)
            .xAxisTitle(x)
            .yAxisTitle(y)
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    chart.getStyler().setMarkerSize(0);
    chart.getStyler().setXAxisDecimalPattern("#,##0.#");
    chart.getStyler().setYAxisDecimalPattern("#,##0.##");
    return chart;
  }

  private static void line(XYSeries s) {
    s.setMarker(SeriesMarkers.NONE);
    s.setLineStyle(new BasicStroke(2f));
  }

  private static double percentileOfAll(Map<String, List<Double>> m, double q) {
    List<Double> all = new ArrayList<>();
    m.values().forEach(all::addAll);
    if (all.isEmpty()) return 0;
    Collections.sort(all);
    return all.get((int) Math.min(all.size() - 1, Math.floor(q * all.size())));
  }

  private static void save(XYChart chart, Path file) throws IOException {
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
