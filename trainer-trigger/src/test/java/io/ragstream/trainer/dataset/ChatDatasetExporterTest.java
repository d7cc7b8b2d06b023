package io.ragstream.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.event.AnswerEvent;
import io.ragstream.core.event.FeedbackEvent;
import io.ragstream.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatDatasetExporterTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-23T21:30:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;

  private final ChatDatasetExporter exporter = new ChatDatasetExporter(false, 0.25, CLOCK);

  @Test
  void writesTheConversationalFormatTrlReads() throws Exception {
    ChatDataset ds =
        new ChatDatasetExporter(false, 0.0, CLOCK)
            .export(
                DatasetInput.of(
                    List.of(ChatEvents.answer(1, "Bees dance [1].\nSee \"[1]\".", "d1")),
                    List.of(ChatEvents.feedback(1, "d1", true))),
                dir.resolve("ds"));

    List<String> lines = Files.readAllLines(ds.trainFile());
    assertThat(lines).hasSize(1);
    JsonNode line = Json.mapper().readTree(lines.get(0));
    assertThat(line.fieldNames()).toIterable().containsExactly("messages");
    JsonNode messages = line.get("messages");
    assertThat(messages).hasSize(3);
    assertThat(messages.get(0).get("role").asText()).isEqualTo("system");
    assertThat(messages.get(1).get("role").asText()).isEqualTo("user");
    assertThat(messages.get(1).get("content").asText()).contains("Question 1?");
    assertThat(messages.get(2).get("role").asText()).isEqualTo("assistant");
    assertThat(messages.get(2).get("content").asText()).isEqualTo("Bees dance [1].\nSee \"[1]\".");
    assertThat(Files.readString(ds.validationFile())).isEmpty();
  }

  @Test
  void selectsByTheDocumentedRule() {
    List<AnswerEvent> answers =
        List.of(
            ChatEvents.answer(1, "good [1]", "d1"), // positive feedback
            ChatEvents.answer(2, "no feedback [1]", "d1"),
            ChatEvents.answer(3, "cites a bad doc [1][2]", "d1", "d2"),
            ChatEvents.answerBy(AnswerEvent.EXTRACTIVE, 4, "copied passage", "d1"),
            ChatEvents.answer(5, "first answer", "d1"),
            ChatEvents.answer(5, "second answer [1]", "d1"), // superseded the first
            ChatEvents.answer(6, "only negative on an uncited doc", "d1"),
            ChatEvents.answer(7, "judged by another tenant", "d1"),
            ChatEvents.answer(8, "judgement changed to relevant", "d2"));
    List<FeedbackEvent> feedback =
        List.of(
            ChatEvents.feedback(1, "d1", true),
            ChatEvents.feedback(3, "d1", true),
            ChatEvents.feedback(3, "d2", false),
            ChatEvents.feedback(4, "d1", true),
            ChatEvents.feedback(5, "d1", true),
            ChatEvents.feedback(6, "d9", false),
            ChatEvents.feedback(7, "globex", "d1", true),
            ChatEvents.feedback(8, "d2", false),
            ChatEvents.feedback(8, "d2", true));
    java.util.Map<String, Integer> skipped = new java.util.TreeMap<>();

    List<AnswerEvent> selected = exporter.select(DatasetInput.of(answers, feedback), skipped);

    assertThat(selected)
        .extracting(AnswerEvent::answer)
        .containsExactlyInAnyOrder(
            "good [1]", "second answer [1]", "judgement changed to relevant");
    assertThat(skipped)
        .containsEntry(ChatDatasetExporter.SUPERSEDED, 1)
        .containsEntry(ChatDatasetExporter.SKIP_NO_POSITIVE, 3) // 2, 6, 7
        .containsEntry(ChatDatasetExporter.SKIP_CITED_IRRELEVANT, 1)
        .containsEntry(ChatDatasetExporter.SKIP_EXTRACTIVE, 1)
        .containsEntry(ChatDatasetExporter.FEEDBACK_OTHER_TENANT, 1);

    List<AnswerEvent> withExtractive =
        new ChatDatasetExporter(true, 0.25, CLOCK)
            .select(DatasetInput.of(answers, feedback), new java.util.TreeMap<>());
    assertThat(withExtractive).extracting(AnswerEvent::answer).contains("copied passage");
  }

  @Test
  void skipsAPromptThatDoesNotEndWithAUserTurn() {
    AnswerEvent a = ChatEvents.answer(1, "x", "d1");
    AnswerEvent odd =
        new AnswerEvent(
            a.queryId(),
            a.kind(),
            a.tenant(),
            a.subject(),
            List.of(new AnswerEvent.Message("system", "s")),
            a.answer(),
            a.citedDocumentIds(),
            a.model(),
            a.at());
    java.util.Map<String, Integer> skipped = new java.util.TreeMap<>();

    assertThat(
            exporter.select(
                DatasetInput.of(List.of(odd), List.of(ChatEvents.feedback(1, "d1", true))),
                skipped))
        .isEmpty();
    assertThat(skipped).containsEntry(ChatDatasetExporter.SKIP_PROMPT, 1);
  }

  @Test
  void splitsDeterministicallyAndWritesAManifestWithHashes() throws Exception {
    List<AnswerEvent> answers = new ArrayList<>();
    List<FeedbackEvent> feedback = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      answers.add(ChatEvents.answer(i, "answer " + i + " [1]", "d1"));
      feedback.add(ChatEvents.feedback(i, "d1", true));
    }
    ChatDataset a = exporter.export(DatasetInput.of(answers, feedback), dir.resolve("a"));
    List<AnswerEvent> reversed = new ArrayList<>(answers);
    java.util.Collections.reverse(reversed);
    ChatDataset b = exporter.export(DatasetInput.of(reversed, feedback), dir.resolve("b"));

    assertThat(a.manifest().counts().train()).isEqualTo(15);
    assertThat(a.manifest().counts().validation()).isEqualTo(5);
    assertThat(Files.readAllBytes(a.trainFile())).isEqualTo(Files.readAllBytes(b.trainFile()));
    assertThat(Files.readAllBytes(a.validationFile()))
        .isEqualTo(Files.readAllBytes(b.validationFile()));

    JsonNode manifest = Json.mapper().readTree(a.manifestFile().toFile());
    assertThat(manifest.get("format").asText()).isEqualTo("ragstream.chat-dataset/1");
    assertThat(manifest.get("createdAt").asText()).isEqualTo("2026-11-23T21:30:00Z");
    assertThat(manifest.at("/sources/feedback").asText()).isEqualTo("memory");
    assertThat(manifest.at("/counts/examples").asInt()).isEqualTo(20);
    assertThat(manifest.at("/files/train.jsonl/sha256").asText())
        .isEqualTo(ChatDatasetExporter.sha256Hex(Files.readAllBytes(a.trainFile())));
    assertThat(manifest.at("/files/validation.jsonl/lines").asInt()).isEqualTo(5);
    assertThat(manifest.at("/files/validation.jsonl/bytes").asLong())
        .isEqualTo(Files.size(a.validationFile()));
  }

  @Test
  void putsAtLeastOneExampleIntoValidationButNeverAll() {
    List<AnswerEvent> two =
        List.of(ChatEvents.answer(1, "a [1]", "d1"), ChatEvents.answer(2, "b [1]", "d1"));
    List<FeedbackEvent> fb =
        List.of(ChatEvents.feedback(1, "d1", true), ChatEvents.feedback(2, "d1", true));

    ChatDataset ds =
        new ChatDatasetExporter(false, 0.1, CLOCK)
            .export(DatasetInput.of(two, fb), dir.resolve("2"));

    assertThat(ds.manifest().counts().train()).isEqualTo(1);
    assertThat(ds.manifest().counts().validation()).isEqualTo(1);
  }

  @Test
  void neverOverwritesADataset() {
    DatasetInput input = DatasetInput.of(List.of(), List.of());
    exporter.export(input, dir.resolve("d"));

    assertThatThrownBy(() -> exporter.export(input, dir.resolve("d")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already holds train.jsonl");
  }

  @Test
  void rejectsAValidationFractionOutOfRange() {
    assertThatThrownBy(() -> new ChatDatasetExporter(false, 0.6, CLOCK))
        .hasMessageContaining("validationFraction must be in 0.0..0.5, was 0.6");
  }
}
