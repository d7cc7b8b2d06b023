package io.ragstream.store.lucene.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;

/**
 * Builds BM25 bag-of-words queries from free user text, as Anserini's {@code
 * BagOfWordsQueryGenerator} does: the text goes through the index analyzer, and each distinct term
 * becomes a SHOULD {@link TermQuery} boosted by its count in the query. No query syntax is parsed,
 * so any text is accepted.
 */
public final class Bm25Queries {
  /**
   * Clauses left free under {@link IndexSearcher#getMaxClauseCount()} for the visibility filter.
   */
  static final int RESERVED_CLAUSES = 16;

  private Bm25Queries() {}

  /**
   * The bag-of-words query for {@code text} over {@code field}, or null when the analyzer keeps no
   * term (for example only stopwords). At most {@code maxClauseCount - 16} distinct terms are kept,
   * the first ones in the text.
   */
  public static Query bagOfWords(Analyzer analyzer, String field, String text) {
    Map<String, Integer> counts = termCounts(analyzer, field, text);
    if (counts.isEmpty()) {
      return null;
    }
    return bagOfWords(field, counts);
  }

  /**
   * Anserini's multifield query: the bag-of-words query of {@code text} over each field, weight 1,
   * as SHOULD clauses of one query, so a document's score is the sum of its per-field BM25 scores.
   * Null when the analyzer keeps no term. The terms are counted once (every field uses the same
   * analyzer) and at most {@code (maxClauseCount - 16) / fields} distinct terms are kept.
   */
  public static Query multiField(Analyzer analyzer, List<String> fields, String text) {
    Map<String, Integer> counts = termCounts(analyzer, fields.get(0), text);
    if (counts.isEmpty()) {
      return null;
    }
    int perField =
        Math.max(1, (IndexSearcher.getMaxClauseCount() - RESERVED_CLAUSES) / fields.size());
    Map<String, Integer> kept = new LinkedHashMap<>();
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      if (kept.size() == perField) break;
      kept.put(e.getKey(), e.getValue());
    }
    BooleanQuery.Builder query = new BooleanQuery.Builder();
    for (String field : fields) {
      query.add(bagOfWords(field, kept), Occur.SHOULD);
    }
    return query.build();
  }

  private static Map<String, Integer> termCounts(Analyzer analyzer, String field, String text) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    int maxTerms = Math.max(1, IndexSearcher.getMaxClauseCount() - RESERVED_CLAUSES);
    try (TokenStream tokens = analyzer.tokenStream(field, text)) {
      CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
      tokens.reset();
      while (tokens.incrementToken()) {
        String t = term.toString();
        if (counts.containsKey(t) || counts.size() < maxTerms) {
          counts.merge(t, 1, Integer::sum);
        }
      }
      tokens.end();
    } catch (IOException e) {
      // Analyzing an in-memory string does not do I/O.
      throw new UncheckedIOException("cannot analyze query text", e);
    }
    return counts;
  }

  private static Query bagOfWords(String field, Map<String, Integer> counts) {
    BooleanQuery.Builder query = new BooleanQuery.Builder();
    counts.forEach(
        (t, n) -> {
          Query q = new TermQuery(new Term(field, t));
          query.add(n == 1 ? q : new BoostQuery(q, n), Occur.SHOULD);
        });
    return query.build();
  }
}
