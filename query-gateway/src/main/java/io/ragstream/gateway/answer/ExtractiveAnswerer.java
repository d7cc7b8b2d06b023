package io.ragstream.gateway.answer;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/**
 * The offline answerer: composes the answer from the passages' sentences that best match the
 * question, each followed by the citation of its passage, so the platform answers with sources when
 * no LLM is configured.
 *
 * <p>Sentences come from {@link BreakIterator} (English). Question and sentences are analyzed with
 * Lucene's {@link EnglishAnalyzer} (lower case, stop words, Porter stemming); a sentence scores the
 * sum of the IDF, over all candidate sentences, of the question terms it holds, divided by {@code 1
 * + 0.1 · (passage rank − 1)} so better-ranked passages win ties. The best {@code maxSentences}
 * sentences with a positive score (at most two per passage, at most {@code maxChars} in all) are
 * given in passage order. If no sentence shares a term with the question, the first sentence of the
 * best passage is given. With no passage at all the answer says that nothing readable was found.
 *
 * <p>The answer streams word by word, each word a separate event-loop task, so a long answer does
 * not hold the event loop and {@link Generation#cancel()} stops it between words.
 */
public final class ExtractiveAnswerer implements AnswerGenerator {

  /** The answer when retrieval found no passage the caller may read. */
  public static final String NOTHING_FOUND =
      "I found no document you have access to that answers this question.";

  private final int maxSentences;
  private final int maxChars;
  private final Analyzer analyzer = new EnglishAnalyzer();

  /** Three sentences, 700 characters at most. */
  public ExtractiveAnswerer() {
    this(3, 700);
  }

  /**
   * @param maxSentences most sentences in an answer, >= 1
   * @param maxChars most characters of sentence text, >= 50 (the first sentence is always kept)
   */
  public ExtractiveAnswerer(int maxSentences, int maxChars) {
    if (maxSentences < 1) throw new IllegalArgumentException("maxSentences must be >= 1");
    if (maxChars < 50) throw new IllegalArgumentException("maxChars must be >= 50");
    this.maxSentences = maxSentences;
    this.maxChars = maxChars;
  }

  @Override
  public String id() {
    return "extractive";
  }

  /** Always {@code extractive}: this answerer has no models. */
  @Override
  public String model(String requested) {
    return io.ragstream.core.event.AnswerEvent.EXTRACTIVE;
  }

  @Override
  public Generation generate(GenerationRequest request, GenerationListener listener) {
    Objects.requireNonNull(listener, "listener");
    Context context = Vertx.currentContext();
    if (context == null) {
      throw new IllegalStateException("generate must be called on a Vert.x context");
    }
    String answer = answer(request.question(), request.passages());
    List<String> pieces = words(answer);
    AtomicBoolean cancelled = new AtomicBoolean();
    context.runOnContext(v -> emit(context, pieces, 0, listener, cancelled));
    return () -> cancelled.set(true);
  }

  @Override
  public Future<String> standaloneQuery(String followUp, List<Turn> history, String model) {
    return Future.succeededFuture(followUp);
  }

  /**
   * The whole answer to {@code question} from {@code passages} (what {@link #generate} streams).
   */
  public String answer(String question, List<Passage> passages) {
    if (passages.isEmpty()) return NOTHING_FOUND;
    Set<String> queryTerms = new HashSet<>(terms(question));
    List<Candidate> candidates = new ArrayList<>();
    Map<String, Integer> documentFrequency = new HashMap<>();
    for (int rank = 0; rank < passages.size(); rank++) {
      Passage passage = passages.get(rank);
      int position = 0;
      for (String sentence : sentences(passage.text())) {
        Set<String> terms = new HashSet<>(terms(sentence));
        terms.forEach(t -> documentFrequency.merge(t, 1, Integer::sum));
        candidates.add(new Candidate(passage, rank, position++, sentence, terms));
      }
    }
    if (candidates.isEmpty()) return NOTHING_FOUND;
    int n = candidates.size();
    for (Candidate c : candidates) {
      double score = 0;
      for (String term : queryTerms) {
        if (c.terms.contains(term)) {
          score += Math.log(1 + (double) n / documentFrequency.get(term));
        }
      }
      c.score = score / (1 + 0.1 * c.rank);
    }
    List<Candidate> ranked = new ArrayList<>(candidates);
    ranked.sort(Comparator.comparingDouble((Candidate c) -> -c.score));
    List<Candidate> chosen = new ArrayList<>();
    Map<Integer, Integer> perPassage = new HashMap<>();
    int chars = 0;
    for (Candidate c : ranked) {
      if (c.score <= 0 || chosen.size() == maxSentences) break;
      if (perPassage.getOrDefault(c.passage.number(), 0) == 2) continue;
      if (!chosen.isEmpty() && chars + c.sentence.length() > maxChars) continue;
      chosen.add(c);
      chars += c.sentence.length();
      perPassage.merge(c.passage.number(), 1, Integer::sum);
    }
    if (chosen.isEmpty()) chosen.add(candidates.get(0));
    chosen.sort(Comparator.comparingInt((Candidate c) -> c.rank).thenComparingInt(c -> c.position));
    StringBuilder out = new StringBuilder();
    for (Candidate c : chosen) {
      if (out.length() > 0) out.append(' ');
      out.append(c.sentence).append(" [").append(c.passage.number()).append(']');
    }
    return out.toString();
  }

  private void emit(
      Context context,
      List<String> pieces,
      int next,
      GenerationListener listener,
      AtomicBoolean cancelled) {
    if (cancelled.get()) return;
    if (next == pieces.size()) {
      listener.onComplete();
      return;
    }
    listener.onToken(pieces.get(next));
    context.runOnContext(v -> emit(context, pieces, next + 1, listener, cancelled));
  }

  /** Splits into words, each with the whitespace before it (so the pieces concatenate back). */
  static List<String> words(String text) {
    List<String> pieces = new ArrayList<>();
    int start = 0;
    for (int i = 1; i <= text.length(); i++) {
      if (i == text.length() || (text.charAt(i) == ' ' && text.charAt(i - 1) != ' ')) {
        pieces.add(text.substring(start, i));
        start = i;
      }
    }
    return pieces;
  }

  private static List<String> sentences(String text) {
    BreakIterator it = BreakIterator.getSentenceInstance(Locale.ENGLISH);
    it.setText(text);
    List<String> sentences = new ArrayList<>();
    for (int start = it.first(), end = it.next();
        end != BreakIterator.DONE;
        start = end, end = it.next()) {
      String sentence = text.substring(start, end).strip().replaceAll("\\s+", " ");
      if (!sentence.isEmpty()) sentences.add(sentence);
    }
    return sentences;
  }

  private List<String> terms(String text) {
    List<String> terms = new ArrayList<>();
    try (TokenStream stream = analyzer.tokenStream("text", text)) {
      CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
      stream.reset();
      while (stream.incrementToken()) terms.add(term.toString());
      stream.end();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return terms;
  }

  private static final class Candidate {
    final Passage passage;
    final int rank;
    final int position;
    final String sentence;
    final Set<String> terms;
    double score;

    Candidate(Passage passage, int rank, int position, String sentence, Set<String> terms) {
      this.passage = passage;
      this.rank = rank;
      this.position = position;
      this.sentence = sentence;
      this.terms = terms;
    }
  }
}
