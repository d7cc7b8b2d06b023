package io.ragstream.trainer.launch;

import io.ragstream.core.error.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A training command as an argument vector with placeholders, e.g. {@code ["python3",
 * "/opt/train/sft_lora.py", "--train", "{train_file}", "--output", "{output_dir}"]}.
 *
 * <p>Placeholders are {@code {name}} with a name from {@link #PLACEHOLDERS}; {@code {{} and {@code
 * }}} stand for literal braces. Each argument is substituted on its own and handed to the process
 * as one argument (no shell, no word splitting): a shell runs only when the template asks for one
 * ({@code ["bash", "-c", "train --data '{train_file}'"]}), and then quoting is the template's job.
 *
 * <p>Immutable and thread-safe.
 */
public final class CommandTemplate {

  /** Dataset directory (holds train, validation and manifest). */
  public static final String DATASET_DIR = "dataset_dir";

  /** The train JSONL file. */
  public static final String TRAIN_FILE = "train_file";

  /** The validation JSONL file (may hold no line). */
  public static final String VALIDATION_FILE = "validation_file";

  /** Where the job must write the PEFT adapter. */
  public static final String OUTPUT_DIR = "output_dir";

  /** The job id (a UUID). */
  public static final String JOB_ID = "job_id";

  /** The base model to train on. */
  public static final String BASE_MODEL = "base_model";

  /** Every placeholder a template may use. */
  public static final Set<String> PLACEHOLDERS =
      Set.of(DATASET_DIR, TRAIN_FILE, VALIDATION_FILE, OUTPUT_DIR, JOB_ID, BASE_MODEL);

  private final String key;
  private final List<String> argv;
  private final Set<String> used;

  private CommandTemplate(String key, List<String> argv, Set<String> used) {
    this.key = key;
    this.argv = argv;
    this.used = used;
  }

  /**
   * Parses and checks a template.
   *
   * @param key the config key the template comes from, named in errors (e.g. {@code
   *     training.llm-lora.command})
   * @param argv the argument vector; the first element is the program
   * @throws ConfigException naming {@code key} when {@code argv} is empty, its program is blank or
   *     a placeholder, an argument is null, a placeholder is unknown (the error names it and the
   *     known ones) or a brace is unbalanced
   */
  public static CommandTemplate parse(String key, List<String> argv) {
    Objects.requireNonNull(key, "key");
    if (argv == null || argv.isEmpty()) {
      throw new ConfigException(key, "must name a command (a list: program, arguments...)");
    }
    Set<String> used = new LinkedHashSet<>();
    for (int i = 0; i < argv.size(); i++) {
      String arg = argv.get(i);
      if (arg == null) {
        throw new ConfigException(key, "argument " + i + " is null");
      }
      scan(key, i, arg, null, used);
    }
    if (argv.get(0).isBlank()) {
      throw new ConfigException(key, "the program (argument 0) must not be blank");
    }
    return new CommandTemplate(key, List.copyOf(argv), Set.copyOf(used));
  }

  /** The placeholders the template uses. */
  public Set<String> placeholders() {
    return used;
  }

  /** The template as given. */
  public List<String> argv() {
    return argv;
  }

  /**
   * The command with every placeholder replaced.
   *
   * @param values a value for every placeholder in {@link #PLACEHOLDERS} (extra keys ignored)
   * @throws IllegalArgumentException when {@code values} lacks a placeholder the template uses
   */
  public List<String> render(Map<String, String> values) {
    for (String name : used) {
      if (values.get(name) == null) {
        throw new IllegalArgumentException("no value for placeholder {" + name + "}");
      }
    }
    List<String> out = new ArrayList<>(argv.size());
    for (int i = 0; i < argv.size(); i++) {
      StringBuilder sb = new StringBuilder();
      scan(key, i, argv.get(i), values, new LinkedHashSet<>()).forEach(sb::append);
      out.add(sb.toString());
    }
    return List.copyOf(out);
  }

  /** Splits {@code arg} into literal parts and (when {@code values} given) substituted values. */
  private static List<String> scan(
      String key, int index, String arg, Map<String, String> values, Set<String> used) {
    List<String> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < arg.length()) {
      char c = arg.charAt(i);
      if (c == '{' && i + 1 < arg.length() && arg.charAt(i + 1) == '{') {
        literal.append('{');
        i += 2;
      } else if (c == '}' && i + 1 < arg.length() && arg.charAt(i + 1) == '}') {
        literal.append('}');
        i += 2;
      } else if (c == '{') {
        int close = arg.indexOf('}', i);
        if (close < 0) {
          throw new ConfigException(
              key, "argument " + index + " '" + arg + "' has a '{' without '}' (write {{ for {)");
        }
        String name = arg.substring(i + 1, close);
        if (!PLACEHOLDERS.contains(name)) {
          throw new ConfigException(
              key,
              "argument "
                  + index
                  + " '"
                  + arg
                  + "' has the unknown placeholder {"
                  + name
                  + "}; known: "
                  + String.join(
                      ", ", PLACEHOLDERS.stream().sorted().map(n -> "{" + n + "}").toList()));
        }
        used.add(name);
        parts.add(literal.toString());
        literal.setLength(0);
        if (values != null) {
          parts.add(values.get(name));
        }
        i = close + 1;
      } else if (c == '}') {
        throw new ConfigException(
            key, "argument " + index + " '" + arg + "' has a '}' without '{' (write }} for })");
      } else {
        literal.append(c);
        i++;
      }
    }
    parts.add(literal.toString());
    return parts;
  }

  @Override
  public String toString() {
    return "CommandTemplate" + argv;
  }
}
