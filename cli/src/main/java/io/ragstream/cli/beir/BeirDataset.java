package io.ragstream.cli.beir;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.ragstream.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A BEIR dataset directory (Thakur et al., NeurIPS 2021): {@code corpus.jsonl} (one {@code {"_id",
 * "title", "text", "metadata"}} object per line), {@code queries.jsonl} ({@code {"_id", "text"}})
 * and {@code qrels/<split>.tsv} ({@code query-id<TAB>corpus-id<TAB>score} with a header line).
 *
 * <p>The corpus is streamed line by line and never held in memory; queries and qrels are small and
 * are read whole. Files are strict UTF-8; blank lines are skipped; {@code metadata} and unknown
 * fields are ignored. Every parse error is a {@link BeirFormatException} naming the file and the
 * 1-based line. Instances are immutable; each read opens the file anew.
 */
public final class BeirDataset {
  private static final Pattern SPLIT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

  private final Path dir;
  private final ObjectReader reader =
      Json.mapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private BeirDataset(Path dir) {
    this.dir = dir;
  }

  /**
   * Opens the dataset in {@code dir}.
   *
   * @throws BeirFormatException if {@code dir} is not a directory or lacks {@code corpus.jsonl} or
   *     {@code queries.jsonl}
   */
  public static BeirDataset open(Path dir) {
    Objects.requireNonNull(dir, "dir");
    if (!Files.isDirectory(dir)) throw new BeirFormatException(dir, 0, "not a directory");
    BeirDataset dataset = new BeirDataset(dir);
    requireFile(dataset.corpusFile());
    requireFile(dataset.queriesFile());
    return dataset;
  }

  /** The dataset directory. */
  public Path dir() {
    return dir;
  }

  /** The dataset name: the directory's file name (for example {@code scifact}). */
  public String name() {
    Path fileName = dir.toAbsolutePath().normalize().getFileName();
    return fileName == null ? dir.toString() : fileName.toString();
  }

  /** {@code DIR/corpus.jsonl}. */
  public Path corpusFile() {
    return dir.resolve("corpus.jsonl");
  }

  /** {@code DIR/queries.jsonl}. */
  public Path queriesFile() {
    return dir.resolve("queries.jsonl");
  }

  /**
   * {@code DIR/qrels/<split>.tsv}.
   *
   * @throws IllegalArgumentException if {@code split} is not a plain name (letters, digits, {@code
   *     _ . -}, no path separators)
   */
  public Path qrelsFile(String split) {
    if (split == null || !SPLIT.matcher(split).matches() || split.contains("..")) {
      throw new IllegalArgumentException("split must be a plain name such as test, was " + split);
    }
    return dir.resolve("qrels").resolve(split + ".tsv");
  }

  /**
   * Counts the documents in the corpus (its non-blank lines) without parsing them; used to size a
   * progress bar.
   *
   * @throws BeirFormatException if the file cannot be read
   */
  public long countCorpusDocuments() {
    Path file = corpusFile();
    long count = 0;
    boolean lineHasContent = false;
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        for (int i = 0; i < n; i++) {
          byte b = buffer[i];
          if (b == '\n') {
            if (lineHasContent) count++;
            lineHasContent = false;
          } else if (b != '\r' && b != ' ' && b != '\t') {
            lineHasContent = true;
          }
        }
      }
    } catch (IOException e) {
      throw new BeirFormatException(file, 0, "cannot read: " + e.getMessage(), e);
    }
    return lineHasContent ? count + 1 : count;
  }

  /**
   * Streams the corpus in file order, parsing one line at a time. The stream holds an open file:
   * close it (try-with-resources). Errors surface while the stream is consumed, as {@link
   * BeirFormatException} naming {@code corpus.jsonl} and the line.
   */
  public Stream<BeirDocument> corpus() {
    Path file = corpusFile();
    LineReader lines = LineReader.open(file);
    Iterator<BeirDocument> documents =
        new Iterator<>() {
          private String pending;
          private boolean fetched;

          @Override
          public boolean hasNext() {
            if (!fetched) {
              pending = lines.next();
              fetched = true;
            }
            return pending != null;
          }

          @Override
          public BeirDocument next() {
            if (!hasNext()) throw new NoSuchElementException();
            fetched = false;
            return parseDocument(file, lines.lineNumber(), pending);
          }
        };
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(
                documents, Spliterator.ORDERED | Spliterator.NONNULL),
            false)
        .onClose(lines::close);
  }

  /**
   * Reads all queries, in file order, keyed by id.
   *
   * @throws BeirFormatException on a malformed line or a duplicate id
   */
  public Map<String, BeirQuery> queries() {
    Path file = queriesFile();
    Map<String, BeirQuery> queries = new LinkedHashMap<>();
    try (LineReader lines = LineReader.open(file)) {
      for (String line; (line = lines.next()) != null; ) {
        JsonNode node = parseObject(file, lines.lineNumber(), line);
        String id = requiredId(file, lines.lineNumber(), node);
        String text = requiredText(file, lines.lineNumber(), node, "text");
        if (text.isBlank())
          throw new BeirFormatException(
              file, lines.lineNumber(), "query " + id + " has a blank text");
        if (queries.putIfAbsent(id, new BeirQuery(id, text)) != null) {
          throw new BeirFormatException(file, lines.lineNumber(), "duplicate query id " + id);
        }
      }
    }
    return queries;
  }

  /**
   * Reads the judgements of {@code split}: query id → (corpus id → grade), in file order. The first
   * line is skipped when it is a header (its score column is not an integer).
   *
   * @throws BeirFormatException if the file is missing, a row does not have three tab-separated
   *     fields, a score is not an integer, or a (query, document) pair repeats
   * @throws IllegalArgumentException if {@code split} is not a plain name
   */
  public Map<String, Map<String, Integer>> qrels(String split) {
    Path file = qrelsFile(split);
    if (!Files.isRegularFile(file)) {
      throw new BeirFormatException(
          file, 0, "no qrels for split '" + split + "'; splits here: " + splits());
    }
    Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
    try (LineReader lines = LineReader.open(file)) {
      for (String line; (line = lines.next()) != null; ) {
        long lineNumber = lines.lineNumber();
        String[] fields = line.split("\t", -1);
        if (fields.length != 3) {
          throw new BeirFormatException(
              file,
              lineNumber,
              "expected query-id<TAB>corpus-id<TAB>score, found " + fields.length + " field(s)");
        }
        String queryId = fields[0].strip();
        String docId = fields[1].strip();
        int grade;
        try {
          grade = Integer.parseInt(fields[2].strip());
        } catch (NumberFormatException e) {
          if (lines.isFirstContentLine()) continue; // the header line
          throw new BeirFormatException(
              file, lineNumber, "score is not an integer: '" + fields[2] + "'");
        }
        if (queryId.isEmpty() || docId.isEmpty()) {
          throw new BeirFormatException(file, lineNumber, "empty query-id or corpus-id");
        }
        Integer previous =
            qrels.computeIfAbsent(queryId, q -> new LinkedHashMap<>()).put(docId, grade);
        if (previous != null) {
          throw new BeirFormatException(
              file, lineNumber, "duplicate judgement for query " + queryId + ", document " + docId);
        }
      }
    }
    return qrels;
  }

  /** The splits with a qrels file, sorted (for example {@code [dev, test, train]}). */
  public List<String> splits() {
    Path qrelsDir = dir.resolve("qrels");
    List<String> splits = new ArrayList<>();
    if (!Files.isDirectory(qrelsDir)) return splits;
    try (Stream<Path> files = Files.list(qrelsDir)) {
      files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".tsv"))
          .map(n -> n.substring(0, n.length() - ".tsv".length()))
          .sorted()
          .forEach(splits::add);
    } catch (IOException e) {
      throw new BeirFormatException(qrelsDir, 0, "cannot list: " + e.getMessage(), e);
    }
    return splits;
  }

  private BeirDocument parseDocument(Path file, long lineNumber, String line) {
    JsonNode node = parseObject(file, lineNumber, line);
    String id = requiredId(file, lineNumber, node);
    JsonNode title = node.get("title");
    if (title != null && !title.isNull() && !title.isTextual()) {
      throw new BeirFormatException(file, lineNumber, "\"title\" of " + id + " is not a string");
    }
    String text = requiredText(file, lineNumber, node, "text");
    return new BeirDocument(id, title == null || title.isNull() ? "" : title.textValue(), text);
  }

  private JsonNode parseObject(Path file, long lineNumber, String line) {
    JsonNode node;
    try {
      node = reader.readTree(line);
    } catch (JsonProcessingException e) {
      throw new BeirFormatException(
          file, lineNumber, "malformed JSON: " + e.getOriginalMessage(), e);
    }
    if (node == null || !node.isObject()) {
      throw new BeirFormatException(file, lineNumber, "expected a JSON object");
    }
    return node;
  }

  private static String requiredId(Path file, long lineNumber, JsonNode node) {
    JsonNode id = node.get("_id");
    if (id == null || id.isNull())
      throw new BeirFormatException(file, lineNumber, "missing \"_id\"");
    if (!id.isTextual() && !id.isIntegralNumber()) {
      throw new BeirFormatException(
          file, lineNumber, "\"_id\" must be a string, was " + id.getNodeType());
    }
    String value = id.asText();
    if (value.isBlank()) throw new BeirFormatException(file, lineNumber, "blank \"_id\"");
    return value;
  }

  private static String requiredText(Path file, long lineNumber, JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new BeirFormatException(file, lineNumber, "missing \"" + field + "\"");
    }
    if (!value.isTextual()) {
      throw new BeirFormatException(
          file, lineNumber, "\"" + field + "\" must be a string, was " + value.getNodeType());
    }
    return value.textValue();
  }

  private static void requireFile(Path file) {
    if (!Files.isRegularFile(file))
      throw new BeirFormatException(file, 0, "missing (not a BEIR dataset directory?)");
  }

  /**
   * Reads the non-blank lines of a UTF-8 file, tracking the 1-based line number. Lines are split at
   * the byte level and decoded one by one, so malformed UTF-8 is reported at its own line.
   */
  private static final class LineReader implements AutoCloseable {
    private final Path file;
    private final InputStream in;
    private final CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] buffer = new byte[1 << 16];
    private int position;
    private int limit;
    private byte[] line = new byte[8192];
    private long lineNumber;
    private long contentLines;

    private LineReader(Path file, InputStream in) {
      this.file = file;
      this.in = in;
    }

    static LineReader open(Path file) {
      try {
        return new LineReader(file, Files.newInputStream(file));
      } catch (IOException e) {
        throw new BeirFormatException(file, 0, "cannot open: " + e.getMessage(), e);
      }
    }

    /** The next non-blank line (without its terminator), or null at the end of the file. */
    String next() {
      try {
        while (true) {
          int length = 0;
          int b;
          while ((b = read()) != -1 && b != '\n') {
            if (length == line.length) line = Arrays.copyOf(line, length * 2);
            line[length++] = (byte) b;
          }
          if (b == -1 && length == 0) return null;
          lineNumber++;
          if (length > 0 && line[length - 1] == '\r') length--;
          String text = decode(length);
          if (!text.isBlank()) {
            contentLines++;
            return text;
          }
          if (b == -1) return null;
        }
      } catch (IOException e) {
        throw new BeirFormatException(file, lineNumber + 1, "cannot read: " + e.getMessage(), e);
      }
    }

    private int read() throws IOException {
      if (position == limit) {
        int n = in.read(buffer);
        if (n <= 0) return -1;
        position = 0;
        limit = n;
      }
      return buffer[position++] & 0xFF;
    }

    private String decode(int length) {
      try {
        return decoder.decode(ByteBuffer.wrap(line, 0, length)).toString();
      } catch (CharacterCodingException e) {
        throw new BeirFormatException(file, lineNumber, "not valid UTF-8: " + e, e);
      }
    }

    /** The 1-based number of the line {@link #next()} returned last. */
    long lineNumber() {
      return lineNumber;
    }

    /** Whether the line returned last is the first non-blank line of the file. */
    boolean isFirstContentLine() {
      return contentLines == 1;
    }

    @Override
    public void close() {
      try {
        in.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
