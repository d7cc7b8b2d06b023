package io.ragstream.embedding;

import io.ragstream.core.model.Chunk;
import io.ragstream.core.port.Chunker;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a body into overlapping windows of at most {@code maxTokens} bge-small-en-v1.5 WordPiece
 * tokens, cut where the text has a natural break.
 *
 * <p>Tokens are counted with the model's own tokenizer (the {@code tokenizer.json} inside
 * LangChain4j's bge-small-en-v1.5 jar, run by DJL's HuggingFace tokenizer), so a chunk never
 * exceeds what the model reads: 510 tokens plus {@code [CLS]} and {@code [SEP]}.
 *
 * <p>Algorithm, over the body's tokens {@code t[0..n)} (special tokens excluded):
 *
 * <ol>
 *   <li>A null or blank body, or one without tokens (only control or zero-width characters, which
 *       the tokenizer drops), gives no chunk. A body of at most {@code maxTokens} tokens gives one
 *       chunk from the first token's start to the last token's end, i.e. trimmed of surrounding
 *       whitespace.
 *   <li>Otherwise a window starts at token {@code from} and may end (exclusive) at most at {@code
 *       hardEnd = from + maxTokens}. Within the last 15% of the window ({@code max(1, round(0.15 *
 *       maxTokens))} tokens, but never so early that the next window would not advance) the cut
 *       goes to the strongest boundary, the latest one on ties: paragraph break (two or more line
 *       breaks) &gt; sentence end ({@code . ! ? …} followed by whitespace, or {@code 。！？},
 *       optionally followed by a closing quote or bracket; not the last period of {@code e.g.},
 *       {@code U.S.}; other abbreviations do count) &gt; line break &gt; other whitespace &gt; word
 *       boundary without whitespace (e.g. before punctuation, between CJK characters) &gt; inside a
 *       word (before a {@code ##} piece). If that region is all inside one word, the cut moves back
 *       to the start of that word, as far as the window allows; only a word longer than the window
 *       is cut, at {@code hardEnd}, which is still a token boundary: a token is never split.
 *   <li>The next window starts {@code overlapTokens} tokens before the cut, moved back to the
 *       nearest token that follows whitespace if there is one within {@code max(8, overlapTokens /
 *       4)} tokens, else to the start of its word (never before the previous window's second
 *       token), so consecutive chunks share about {@code overlapTokens} tokens: at least that many,
 *       and a few more. With {@code overlapTokens = 0} chunks are adjacent.
 *   <li>The last window ends at the last token.
 * </ol>
 *
 * <p>Every chunk is a span of the original body ({@code text == body.substring(start, end)}, UTF-16
 * offsets), starts and ends on a token, and {@link Chunk#tokenCount()} is the number of tokens in
 * that span as tokenized within the whole body. Re-tokenizing the chunk alone gives the same count
 * except where a word longer than the window had to be cut, as the split-off {@code ##} pieces may
 * tokenize differently on their own. Note that WordPiece maps any "word" (a run without whitespace
 * or punctuation) longer than 100 characters to one {@code [UNK]} token, so such a run is one token
 * here too.
 *
 * <p>Deterministic and thread-safe. Needs no network; the only file written is DJL's native
 * tokenizer library, copied from its jar into {@code ${java.io.tmpdir}/ragstream-djl-${user.name}}
 * unless DJL's {@code ENGINE_CACHE_DIR}/{@code DJL_CACHE_DIR} is configured.
 */
public final class TokenChunker implements Chunker {

  /** Default window size, in tokens. */
  public static final int DEFAULT_MAX_TOKENS = 400;

  /** Default overlap between consecutive chunks, in tokens. */
  public static final int DEFAULT_OVERLAP_TOKENS = 40;

  /** Upper bound for {@code maxTokens}: the model's 512 positions minus [CLS] and [SEP]. */
  public static final int MAX_TOKENS_LIMIT = 510;

  /** Share of the window, at its end, searched for a natural boundary. */
  static final double BOUNDARY_SEARCH_FRACTION = 0.15;

  /** How far, at least, the start of a chunk may move back to follow whitespace. */
  static final int MIN_START_SEARCH_TOKENS = 8;

  private static final String SETTINGS_VERSION = "v1";

  // Boundary strengths, strongest last.
  private static final int INSIDE_WORD = 0;
  private static final int WORD = 1;
  private static final int WHITESPACE = 2;
  private static final int LINE = 3;
  private static final int SENTENCE = 4;
  private static final int PARAGRAPH = 5;

  private final int maxTokens;
  private final int overlapTokens;
  private final int searchTokens;
  private final WordPieceTokenizer tokenizer;

  /**
   * A chunker with {@value #DEFAULT_MAX_TOKENS} tokens per chunk and {@value
   * #DEFAULT_OVERLAP_TOKENS} overlap.
   */
  public TokenChunker() {
    this(DEFAULT_MAX_TOKENS, DEFAULT_OVERLAP_TOKENS);
  }

  /**
   * A chunker with the given window and overlap; loads the tokenizer now.
   *
   * @param maxTokens most tokens per chunk, in [1, {@value #MAX_TOKENS_LIMIT}]
   * @param overlapTokens tokens shared by consecutive chunks, in [0, maxTokens)
   * @throws IllegalArgumentException naming the setting that is out of range
   * @throws IllegalStateException if the tokenizer cannot be loaded from the class path
   */
  public TokenChunker(int maxTokens, int overlapTokens) {
    checkSettings(maxTokens, overlapTokens);
    this.maxTokens = maxTokens;
    this.overlapTokens = overlapTokens;
    this.searchTokens = Math.max(1, (int) Math.round(maxTokens * BOUNDARY_SEARCH_FRACTION));
    this.tokenizer = WordPieceTokenizer.bgeSmallEnV15();
  }

  /**
   * Checks the settings of {@link #TokenChunker(int, int)} without loading the tokenizer (a JNI
   * library that one class loader per JVM can load): for code that only builds a job graph.
   *
   * @throws IllegalArgumentException naming the setting that is out of range
   */
  public static void checkSettings(int maxTokens, int overlapTokens) {
    if (maxTokens < 1 || maxTokens > MAX_TOKENS_LIMIT) {
      throw new IllegalArgumentException(
          "maxTokens must be in [1, " + MAX_TOKENS_LIMIT + "], was " + maxTokens);
    }
    if (overlapTokens < 0 || overlapTokens >= maxTokens) {
      throw new IllegalArgumentException(
          "overlapTokens must be in [0, maxTokens) = [0, " + maxTokens + "), was " + overlapTokens);
    }
  }

  /** Most tokens per chunk. */
  public int maxTokens() {
    return maxTokens;
  }

  /** Target number of tokens shared by consecutive chunks. */
  public int overlapTokens() {
    return overlapTokens;
  }

  /**
   * Number of bge-small-en-v1.5 tokens in {@code text}, without {@code [CLS]}/{@code [SEP]} and
   * without truncation; null counts as empty.
   */
  public int countTokens(String text) {
    return text == null || text.isEmpty() ? 0 : tokenizer.count(text);
  }

  /** E.g. {@code token-chunker:v1:max=400:overlap=40:tokenizer=bge-small-en-v1.5}. */
  @Override
  public String settingsId() {
    return "token-chunker:"
        + SETTINGS_VERSION
        + ":max="
        + maxTokens
        + ":overlap="
        + overlapTokens
        + ":tokenizer="
        + WordPieceTokenizer.NAME;
  }

  @Override
  public List<Chunk> chunk(String body) {
    if (body == null || body.isBlank()) {
      return List.of();
    }
    WordPieceTokenizer.Tokens tokens = tokenizer.tokenize(body);
    int n = tokens.size();
    if (n == 0) {
      return List.of();
    }
    List<Chunk> chunks = new ArrayList<>();
    int from = 0;
    while (true) {
      int hardEnd = Math.min(from + maxTokens, n);
      int to = hardEnd == n ? n : chooseEnd(body, tokens, from, hardEnd);
      int start = tokens.start(from);
      int end = tokens.end(to - 1);
      chunks.add(new Chunk(chunks.size(), body.substring(start, end), start, end, to - from));
      if (to == n) {
        return List.copyOf(chunks);
      }
      from = nextStart(body, tokens, from, to);
    }
  }

  /** The exclusive end token of the window {@code [from, hardEnd)}, where {@code hardEnd < n}. */
  private int chooseEnd(String body, WordPieceTokenizer.Tokens tokens, int from, int hardEnd) {
    // The next window starts at (end - overlapTokens), which must be after `from`.
    int lowest = Math.max(hardEnd - searchTokens, from + overlapTokens + 1);
    int best = hardEnd;
    int bestStrength = boundaryStrength(body, tokens, hardEnd);
    for (int end = hardEnd - 1; end >= lowest && bestStrength < PARAGRAPH; end--) {
      int strength = boundaryStrength(body, tokens, end);
      if (strength > bestStrength) {
        best = end;
        bestStrength = strength;
      }
    }
    if (bestStrength == INSIDE_WORD) { // keep the word whole if it fits the window at all
      for (int end = lowest - 1; end > from + overlapTokens; end--) {
        if (!tokens.isContinuation(end)) {
          return end;
        }
      }
    }
    return best;
  }

  private int nextStart(String body, WordPieceTokenizer.Tokens tokens, int from, int to) {
    if (overlapTokens == 0) {
      return to;
    }
    int start = to - overlapTokens;
    int lowest = Math.max(from + 1, start - Math.max(MIN_START_SEARCH_TOKENS, overlapTokens / 4));
    for (int candidate = start; candidate >= lowest; candidate--) {
      if (boundaryStrength(body, tokens, candidate) >= WHITESPACE) {
        return candidate;
      }
    }
    while (start > from + 1 && tokens.isContinuation(start)) {
      start--;
    }
    return start;
  }

  /** How good a cut between token {@code k - 1} and token {@code k} is ({@code 0 < k < n}). */
  private static int boundaryStrength(String body, WordPieceTokenizer.Tokens tokens, int k) {
    if (tokens.isContinuation(k)) {
      return INSIDE_WORD;
    }
    int gapStart = tokens.end(k - 1);
    int gapEnd = tokens.start(k);
    int lineBreaks = 0;
    boolean whitespace = false;
    for (int i = gapStart; i < gapEnd; i++) {
      char c = body.charAt(i);
      if (c == '\n' || (c == '\r' && (i + 1 >= gapEnd || body.charAt(i + 1) != '\n'))) {
        lineBreaks++;
      }
      whitespace |= Character.isWhitespace(c) || Character.isSpaceChar(c);
    }
    if (lineBreaks >= 2) {
      return PARAGRAPH;
    }
    if (endsSentence(body, tokens, k - 1, whitespace)) {
      return SENTENCE;
    }
    if (lineBreaks == 1) {
      return LINE;
    }
    return whitespace ? WHITESPACE : WORD;
  }

  private static boolean endsSentence(
      String body, WordPieceTokenizer.Tokens tokens, int last, boolean whitespaceAfter) {
    int i = last;
    if (isClosing(lastChar(body, tokens, i))
        && i > 0
        && tokens.end(i - 1) == tokens.start(i)) { // e.g. `done."` or `(see above.)`
      i--;
    }
    char c = lastChar(body, tokens, i);
    if (c == '。' || c == '！' || c == '？') {
      return true;
    }
    if (c == '.' && isAbbreviation(body, tokens, i)) {
      return false;
    }
    return whitespaceAfter && (c == '.' || c == '!' || c == '?' || c == '…');
  }

  /**
   * Whether the period token {@code i} closes a dotted abbreviation like {@code e.g.} or {@code
   * U.S.}.
   */
  private static boolean isAbbreviation(String body, WordPieceTokenizer.Tokens tokens, int i) {
    return i >= 2
        && tokens.end(i - 1) == tokens.start(i)
        && tokens.end(i - 1) - tokens.start(i - 1) == 1
        && tokens.end(i - 2) == tokens.start(i - 1)
        && lastChar(body, tokens, i - 2) == '.';
  }

  private static char lastChar(String body, WordPieceTokenizer.Tokens tokens, int i) {
    int end = tokens.end(i);
    return end > tokens.start(i) ? body.charAt(end - 1) : '\0';
  }

  private static boolean isClosing(char c) {
    return c == '"' || c == '\'' || c == ')' || c == ']' || c == '”' || c == '’' || c == '»'
        || c == '」' || c == '』' || c == '）';
  }
}
