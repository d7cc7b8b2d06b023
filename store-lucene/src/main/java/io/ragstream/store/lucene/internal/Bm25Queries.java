package io.ragstream.store.lucene.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
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
    if (counts.isEmpty()) {
      return null;
    }
    BooleanQuery.Builder query = new BooleanQuery.Builder();
    counts.forEach(
        (t, n) -> {
          Query q = new TermQuery(new Term(field, t));
          query.add(n == 1 ? q : new BoostQuery(q, n), Occur.SHOULD);
        });
    return query.build();
  }
}
