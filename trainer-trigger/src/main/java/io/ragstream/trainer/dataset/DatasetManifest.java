package io.ragstream.trainer.dataset;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a chat dataset holds and where it came from, written beside it as {@code manifest.json}
 * (JSON by {@link io.ragstream.core.json.Json}).
 *
 * <pre>{@code
 * {"format":"ragstream.chat-dataset/1","createdAt":"2026-11-23T21:30:00Z",
 *  "sources":{"answers":"ragstream.answers@0:57","feedback":"ragstream.feedback@0:120,1:98"},
 *  "rule":{"includeExtractive":false,"validationFraction":0.1},
 *  "counts":{"answersRead":57,"feedbackRead":218,"malformed":0,"examples":31,"train":28,
 *            "validation":3,"skipped":{"no_positive_feedback":20,"superseded":6}},
 *  "files":{"train.jsonl":{"lines":28,"bytes":91234,"sha256":"9f2c..."},
 *           "validation.jsonl":{"lines":3,"bytes":9876,"sha256":"41ab..."}}}
 * }</pre>
 *
 * @param format {@value #FORMAT}
 * @param createdAt when the dataset was written, ISO-8601 UTC
 * @param sources what was read, by role (see {@link DatasetInput#sources()})
 * @param rule the selection settings used
 * @param counts how many events were read, selected and skipped (by reason)
 * @param files each written JSONL file by name
 */
public record DatasetManifest(
    String format,
    String createdAt,
    Map<String, String> sources,
    Rule rule,
    Counts counts,
    Map<String, FileInfo> files) {

  /** The {@link #format()} of this version. */
  public static final String FORMAT = "ragstream.chat-dataset/1";

  public DatasetManifest {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(createdAt, "createdAt");
    sources = Collections.unmodifiableMap(new TreeMap<>(sources));
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(counts, "counts");
    files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
  }

  /**
   * The selection settings.
   *
   * @param includeExtractive whether answers of the offline extractive answerer were eligible
   * @param validationFraction share of examples put into the validation file, 0.0..0.5
   */
  public record Rule(boolean includeExtractive, double validationFraction) {}

  /**
   * Counts of one export.
   *
   * @param answersRead answer events read
   * @param feedbackRead feedback events read
   * @param malformed records left out because they did not parse
   * @param examples answers selected ({@code train + validation})
   * @param train lines of the train file
   * @param validation lines of the validation file
   * @param skipped answers not selected, by reason ({@code superseded}, {@code extractive}, {@code
   *     prompt_not_ending_with_user}, {@code no_positive_feedback}, {@code
   *     cited_document_judged_irrelevant}) and feedback ignored ({@code feedback_other_tenant})
   */
  public record Counts(
      int answersRead,
      int feedbackRead,
      int malformed,
      int examples,
      int train,
      int validation,
      Map<String, Integer> skipped) {
    public Counts {
      skipped = Collections.unmodifiableMap(new TreeMap<>(skipped));
    }
  }

  /**
   * One written file.
   *
   * @param lines JSONL lines (examples)
   * @param bytes size in bytes
   * @param sha256 SHA-256 of the file's bytes, lowercase hex
   */
  public record FileInfo(int lines, long bytes, String sha256) {}
}
