package io.ragstream.trainer.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.ConfigException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandTemplateTest {
  private static final String KEY = "training.llm-lora.command";

  @Test
  void substitutesEachArgumentWithoutSplittingIt() {
    CommandTemplate t =
        CommandTemplate.parse(
            KEY,
            List.of("train", "--data={train_file}", "{output_dir}", "{{literal}}", "{job_id}"));

    List<String> argv =
        t.render(
            Map.of(
                "train_file", "/a dir/train.jsonl",
                "output_dir", "/out",
                "job_id", "j1"));

    assertThat(argv)
        .containsExactly("train", "--data=/a dir/train.jsonl", "/out", "{literal}", "j1");
    assertThat(t.placeholders()).containsExactlyInAnyOrder("train_file", "output_dir", "job_id");
  }

  @Test
  void anUnknownPlaceholderFailsAtStartNamingItAndTheKey() {
    assertThatThrownBy(() -> CommandTemplate.parse(KEY, List.of("train", "{train_fiel}")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo(KEY))
        .hasMessageContaining("unknown placeholder {train_fiel}")
        .hasMessageContaining("{train_file}");
  }

  @Test
  void rejectsUnbalancedBracesAndEmptyCommands() {
    assertThatThrownBy(() -> CommandTemplate.parse(KEY, List.of("x", "{train_file")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'{' without '}'");
    assertThatThrownBy(() -> CommandTemplate.parse(KEY, List.of("x", "a}b")))
        .hasMessageContaining("'}' without '{'");
    assertThatThrownBy(() -> CommandTemplate.parse(KEY, List.of()))
        .hasMessageContaining("must name a command");
    assertThatThrownBy(() -> CommandTemplate.parse(KEY, List.of(" ", "x")))
        .hasMessageContaining("program (argument 0) must not be blank");
  }

  @Test
  void renderingWithoutAValueNamesThePlaceholder() {
    CommandTemplate t = CommandTemplate.parse(KEY, List.of("x", "{base_model}"));

    assertThatThrownBy(() -> t.render(Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("{base_model}");
  }
}
