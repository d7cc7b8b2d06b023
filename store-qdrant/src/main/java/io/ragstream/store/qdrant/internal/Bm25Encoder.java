package io.ragstream.store.qdrant.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.util.StringHelper;

/**
 * Turns text into the sparse vectors of the {@code bm25} named vector, with the Lucene store's
 * tokenization (Lucene's {@link EnglishAnalyzer}: standard tokenizer, lower case, English stop
 * words, Porter stemming) over {@code title + " " + chunk text}.
 *
 * <p>BM25 (Robertson and Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009;
 * Lucene's {@code BM25Similarity}) scores {@code Σ_t idf(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b
 * + b·|d|/avgdl))}. The document side of the sum, without idf, is computed here and stored as the
 * value of index {@code term(t)}; Qdrant's {@code modifier: idf} on the sparse vector multiplies
 * each query term by {@code idf(t) = ln(1 + (N − n(t) + 0.5) / (n(t) + 0.5))} from the collection's
 * live statistics (the same idf as Lucene's). The query side is each distinct term's count in the
 * query, as Anserini's bag-of-words query boosts repeated terms. {@code avgdl} is fixed by
 * configuration, because a point cannot know the collection's average length when it is written.
 *
 * <p>Term indices: the unsigned 32-bit MurmurHash3 (x86_32, seed 0; Lucene's {@link
 * StringHelper#murmurhash3_x86_32}) of the term's UTF-8 bytes. Two terms that hash alike share a
 * weight (summed); at 2^32 indices that is rare for a vocabulary of a few million terms.
 *
 * <p>Thread-safe: Lucene analyzers reuse per-thread token streams.
 */
public final class Bm25Encoder {
  private final Analyzer analyzer = new EnglishAnalyzer();
  private final float k1;
  private final float b;
  private final double avgLength;

  /**
   * @param k1 BM25 k1, >= 0
   * @param b BM25 b, in [0, 1]
   * @param avgLength assumed average analyzed length of title + text, > 0
   */
  public Bm25Encoder(float k1, float b, double avgLength) {
    this.k1 = k1;
    this.b = b;
    this.avgLength = avgLength;
  }

  /** A sparse vector: indices ascending and distinct, values parallel to them. */
  public record Sparse(int[] indices, float[] values) {
    public boolean isEmpty() {
      return indices.length == 0;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Sparse s
          && Arrays.equals(indices, s.indices)
          && Arrays.equals(values, s.values);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(indices) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
      return "Sparse" + Arrays.toString(indices) + "=" + Arrays.toString(values);
    }
  }

  /** The text a chunk's BM25 vector is built from: title (when present), a space, the text. */
  public static String bm25Text(String title, String text) {
    return title == null || title.isEmpty() ? text : title + " " + text;
  }

  /** The document-side BM25 weights of a chunk; empty when the analyzer keeps no term. */
  public Sparse document(String title, String text) {
    Map<String, Integer> counts = termCounts(bm25Text(title, text));
    int length = counts.values().stream().mapToInt(Integer::intValue).sum();
    double norm = k1 * (1 - b + b * length / avgLength);
    TreeMap<Integer, Float> byIndex = new TreeMap<>(Integer::compareUnsigned);
    counts.forEach(
        (term, tf) -> {
          float weight = (float) (tf * (k1 + 1) / (tf + norm));
          byIndex.merge(termIndex(term), weight, Float::sum);
        });
    return toSparse(byIndex);
  }

  /** The query-side weights: each distinct term's count; empty when no term remains. */
  public Sparse query(String text) {
    TreeMap<Integer, Float> byIndex = new TreeMap<>(Integer::compareUnsigned);
    termCounts(text).forEach((term, n) -> byIndex.merge(termIndex(term), (float) n, Float::sum));
    return toSparse(byIndex);
  }

  /** The sparse index of an analyzed term (unsigned 32-bit value in a Java int). */
  public static int termIndex(String term) {
    byte[] bytes = term.getBytes(StandardCharsets.UTF_8);
    return StringHelper.murmurhash3_x86_32(bytes, 0, bytes.length, 0);
  }

  /** The analyzed terms of {@code text} with their counts, in first-seen order. */
  public Map<String, Integer> termCounts(String text) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    try (TokenStream tokens = analyzer.tokenStream("bm25", text)) {
      CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
      tokens.reset();
      while (tokens.incrementToken()) {
        counts.merge(term.toString(), 1, Integer::sum);
      }
      tokens.end();
    } catch (IOException e) {
      // Analyzing an in-memory string does not do I/O.
      throw new UncheckedIOException("cannot analyze text", e);
    }
    return counts;
  }

  private static Sparse toSparse(TreeMap<Integer, Float> byIndex) {
    int[] indices = new int[byIndex.size()];
    float[] values = new float[byIndex.size()];
    int i = 0;
    for (Map.Entry<Integer, Float> e : byIndex.entrySet()) {
      indices[i] = e.getKey();
      values[i] = e.getValue();
      i++;
    }
    return new Sparse(indices, values);
  }
}
