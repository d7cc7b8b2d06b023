package io.ragstream.cli.status;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Samples of a Prometheus text exposition (format 0.0.4, what {@code GET /metrics} serves): {@code
 * name{label="value",...} value [timestamp]} lines; comments and blank lines are skipped.
 */
public final class PrometheusText {
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+)(\\s+\\S+)?$");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,?\\s*");

  /** One sample: series name, labels, value. */
  public record Sample(String name, Map<String, String> labels, double value) {
    /** The label's value, or {@code ""}. */
    public String label(String key) {
      return labels.getOrDefault(key, "");
    }
  }

  private final List<Sample> samples;

  private PrometheusText(List<Sample> samples) {
    this.samples = Collections.unmodifiableList(samples);
  }

  /** Parses {@code text}; lines that are not samples are skipped. */
  public static PrometheusText parse(String text) {
    List<Sample> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) continue;
      Matcher m = SAMPLE.matcher(l);
      if (!m.matches()) continue;
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(3) != null) {
        Matcher lm = LABEL.matcher(m.group(3));
        while (lm.find()) {
          labels.put(lm.group(1), lm.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
      }
      out.add(new Sample(m.group(1), Collections.unmodifiableMap(labels), value(m.group(4))));
    }
    return new PrometheusText(out);
  }

  /** Every sample, in order. */
  public List<Sample> samples() {
    return samples;
  }

  /** The samples of series {@code name}. */
  public List<Sample> series(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  /** The samples of {@code name} whose labels pass {@code filter}. */
  public List<Sample> series(String name, Predicate<Sample> filter) {
    return series(name).stream().filter(filter).toList();
  }

  /** The sum of the samples of {@code name} (NaN when there are none). */
  public double sum(String name) {
    List<Sample> s = series(name);
    return s.isEmpty() ? Double.NaN : s.stream().mapToDouble(Sample::value).sum();
  }

  /** Names of all series present. */
  public Set<String> names() {
    Set<String> names = new TreeSet<>();
    samples.forEach(s -> names.add(s.name()));
    return names;
  }

  /** A sample value: a Go float ({@code 1.5e9}, {@code NaN}, {@code +Inf}, {@code -Inf}). */
  static double value(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> {
        try {
          yield Double.parseDouble(text);
        } catch (NumberFormatException e) {
          yield Double.NaN;
        }
      }
    };
  }
}
