package io.ragstream.trainer.dataset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragstream.core.event.AnswerEvent;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Exports answers that callers found good as a chat-format fine-tuning dataset for an LLM LoRA job:
 * {@code train.jsonl}, {@code validation.jsonl} and {@code manifest.json} in one directory.
 *
 * <p><b>Format.</b> One JSON object per line, UTF-8, in the conversational format that TRL's {@code
 * SFTTrainer} reads ({@code datasets.load_dataset("json", data_files=...)}; TRL docs, "Dataset
 * formats and types", conversational language modeling): the answer's exact prompt {@link
 * AnswerEvent#messages()} followed by the answer as the assistant turn,
 *
 * <pre>{@code
 * {"messages":[{"role":"system","content":"Answer from the passages..."},
 *              {"role":"user","content":"[1] ...\n\nQuestion: how do bees communicate?"},
 *              {"role":"assistant","content":"Bees communicate by dancing [1]."}]}
 * }</pre>
 *
 * <p><b>Selection rule.</b> Answers are deduplicated on {@code queryId}, the last one read wins
 * (the others count as {@code superseded}). Feedback counts only when its tenant is the answer's;
 * per judged document the last judgement read counts. An answer is selected when
 *
 * <ol>
 *   <li>its {@code model} is not {@value AnswerEvent#EXTRACTIVE}, unless extractive answers are
 *       included (they copy passages; a generator learns little from them),
 *   <li>its prompt ends with a {@code user} turn (so the answer is the reply to it),
 *   <li>no document the answer cites is judged not relevant (the answer leaned on a bad source),
 *       and
 *   <li>at least one document of its query is judged relevant.
 * </ol>
 *
 * <p><b>Split.</b> Deterministic: selected examples are ordered by SHA-256 of their {@code
 * queryId}; the first {@code round(n * validationFraction)} (at least one when {@code n >= 2} and
 * the fraction is positive, never all) go to validation, the rest to train, in that order. The same
 * events give byte-identical files.
 *
 * <p>Thread-safe; {@link #export} blocks on file I/O.
 */
public final class ChatDatasetExporter {

  /** Name of the train file. */
  public static final String TRAIN_FILE = "train.jsonl";

  /** Name of the validation file. */
  public static final String VALIDATION_FILE = "validation.jsonl";

  /** Name of the manifest. */
  public static final String MANIFEST_FILE = "manifest.json";

  /** Skip reason: a later answer of the same query replaced it. */
  public static final String SUPERSEDED = "superseded";

  /** Skip reason: extractive answer while those are excluded. */
  public static final String SKIP_EXTRACTIVE = "extractive";

  /** Skip reason: the prompt's last message is not a user turn. */
  public static final String SKIP_PROMPT = "prompt_not_ending_with_user";

  /** Skip reason: no relevant=true judgement for the query. */
  public static final String SKIP_NO_POSITIVE = "no_positive_feedback";

  /** Skip reason: a cited document was judged relevant=false. */
  public static final String SKIP_CITED_IRRELEVANT = "cited_document_judged_irrelevant";

  /** Ignored feedback: its tenant differs from the answer's. */
  public static final String FEEDBACK_OTHER_TENANT = "feedback_other_tenant";

  private static final ObjectMapper MAPPER = Json.mapper();

  private final boolean includeExtractive;
  private final double validationFraction;
  private final Clock clock;

  /**
   * @param includeExtractive whether {@value AnswerEvent#EXTRACTIVE} answers are eligible
   * @param validationFraction share of examples for validation, 0.0..0.5
   * @param clock stamps {@link DatasetManifest#createdAt()}
   * @throws IllegalArgumentException when {@code validationFraction} is outside 0.0..0.5
   */
  public ChatDatasetExporter(boolean includeExtractive, double validationFraction, Clock clock) {
    if (!(validationFraction >= 0.0 && validationFraction <= 0.5)) {
      throw new IllegalArgumentException(
          "validationFraction must be in 0.0..0.5, was " + validationFraction);
    }
    this.includeExtractive = includeExtractive;
    this.validationFraction = validationFraction;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Selects the answers worth learning from and writes them to {@code dir} (created if missing).
   *
   * @param input answers and feedback, in the order read
   * @param dir the dataset directory; must not already hold a dataset
   * @return the written dataset with its manifest; it may hold no example (the caller decides
   *     whether that is an error)
   * @throws IllegalStateException when {@code dir} already holds {@value #TRAIN_FILE}, {@value
   *     #VALIDATION_FILE} or {@value #MANIFEST_FILE} (a dataset is never overwritten)
   * @throws UncheckedIOException when a file cannot be written
   */
  public ChatDataset export(DatasetInput input, Path dir) {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(dir, "dir");
    Map<String, Integer> skipped = new TreeMap<>();
    List<AnswerEvent> selected = select(input, skipped);

    List<Example> examples = new ArrayList<>(selected.size());
    for (AnswerEvent answer : selected) {
      examples.add(new Example(sha256Hex(answer.queryId()), line(answer)));
    }
    examples.sort(Comparator.comparing(Example::key));
    int validationCount = validationCount(examples.size());
    List<String> validation = new ArrayList<>();
    List<String> train = new ArrayList<>();
    for (int i = 0; i < examples.size(); i++) {
      (i < validationCount ? validation : train).add(examples.get(i).line());
    }

    Path trainFile = dir.resolve(TRAIN_FILE);
    Path validationFile = dir.resolve(VALIDATION_FILE);
    Path manifestFile = dir.resolve(MANIFEST_FILE);
    try {
      Files.createDirectories(dir);
      for (Path p : List.of(trainFile, validationFile, manifestFile)) {
        if (Files.exists(p)) {
          throw new IllegalStateException(
              "dataset directory " + dir + " already holds " + p.getFileName());
        }
      }
      Map<String, DatasetManifest.FileInfo> files = new LinkedHashMap<>();
      files.put(TRAIN_FILE, write(trainFile, train));
      files.put(VALIDATION_FILE, write(validationFile, validation));
      DatasetManifest manifest =
          new DatasetManifest(
              DatasetManifest.FORMAT,
              clock.instant().toString(),
              new TreeMap<>(input.sources()),
              new DatasetManifest.Rule(includeExtractive, validationFraction),
              new DatasetManifest.Counts(
                  input.answers().size(),
                  input.feedback().size(),
                  input.malformed(),
                  examples.size(),
                  train.size(),
                  validation.size(),
                  skipped),
              files);
      Files.write(
          manifestFile, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
      return new ChatDataset(dir, trainFile, validationFile, manifestFile, manifest);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the dataset to " + dir, e);
    }
  }

  /** The selected answers, unordered; fills {@code skipped} with the reasons of the others. */
  List<AnswerEvent> select(DatasetInput input, Map<String, Integer> skipped) {
    Map<String, AnswerEvent> latest = new LinkedHashMap<>();
    for (AnswerEvent answer : input.answers()) {
      if (latest.put(answer.queryId(), answer) != null) {
        skipped.merge(SUPERSEDED, 1, Integer::sum);
      }
    }
    // queryId -> documentId -> last judgement, only from the answer's tenant.
    Map<String, Map<String, Boolean>> judgements = new TreeMap<>();
    for (FeedbackEvent feedback : input.feedback()) {
      AnswerEvent answer = latest.get(feedback.queryId());
      if (answer == null) {
        continue; // feedback on a search, or on an answer outside the input
      }
      if (!answer.tenant().equals(feedback.tenant())) {
        skipped.merge(FEEDBACK_OTHER_TENANT, 1, Integer::sum);
        continue;
      }
      judgements
          .computeIfAbsent(feedback.queryId(), q -> new LinkedHashMap<>())
          .put(feedback.documentId(), feedback.relevant());
    }
    List<AnswerEvent> selected = new ArrayList<>();
    for (AnswerEvent answer : latest.values()) {
      String reason = skipReason(answer, judgements.getOrDefault(answer.queryId(), Map.of()));
      if (reason == null) {
        selected.add(answer);
      } else {
        skipped.merge(reason, 1, Integer::sum);
      }
    }
    return selected;
  }

  private String skipReason(AnswerEvent answer, Map<String, Boolean> judged) {
    if (!includeExtractive && AnswerEvent.EXTRACTIVE.equals(answer.model())) {
      return SKIP_EXTRACTIVE;
    }
    if (!"user".equals(answer.messages().get(answer.messages().size() - 1).role())) {
      return SKIP_PROMPT;
    }
    for (String cited : answer.citedDocumentIds()) {
      if (Boolean.FALSE.equals(judged.get(cited))) {
        return SKIP_CITED_IRRELEVANT;
      }
    }
    if (!judged.containsValue(Boolean.TRUE)) {
      return SKIP_NO_POSITIVE;
    }
    return null;
  }

  private int validationCount(int n) {
    if (n < 2 || validationFraction == 0.0) {
      return 0;
    }
    long count = Math.round(n * validationFraction);
    return (int) Math.min(n - 1, Math.max(1, count));
  }

  private static String line(AnswerEvent answer) {
    List<AnswerEvent.Message> messages = new ArrayList<>(answer.messages());
    messages.add(new AnswerEvent.Message("assistant", answer.answer()));
    try {
      return MAPPER.writeValueAsString(new ChatExample(messages));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a chat example", e);
    }
  }

  private static DatasetManifest.FileInfo write(Path file, List<String> lines) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String line : lines) {
      sb.append(line).append('\n');
    }
    byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
    Files.write(file, bytes);
    return new DatasetManifest.FileInfo(lines.size(), bytes.length, sha256Hex(bytes));
  }

  static String sha256Hex(String text) {
    return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
  }

  /** SHA-256 of {@code bytes}, lowercase hex. */
  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** One JSONL line: {@code {"messages":[...]}}. */
  record ChatExample(List<AnswerEvent.Message> messages) {}

  private record Example(String key, String line) {}
}
