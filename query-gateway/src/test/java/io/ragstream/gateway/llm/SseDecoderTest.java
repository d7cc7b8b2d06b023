package io.ragstream.gateway.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseDecoderTest {

  /** BOM, comments, other fields, CRLF / CR / LF endings, multi-line data, multibyte UTF-8. */
  private static final String STREAM =
      "\uFEFF: keep-alive comment\r\n"
          + "event: message\r\n"
          + "id: 1\r\n"
          + "data: {\"a\":\"caf\u00e9\"}\r\n"
          + "\r\n"
          + "data:no-space\r"
          + "\r"
          + "data: line one\r\n"
          + "data:  line two keeps one leading space\r\n"
          + "retry: 1000\r\n"
          + "\r\n"
          + "data: cr\r"
          + "data: only\r"
          + "\r"
          + "data: \u65e5\u672c \uD83D\uDE00\n"
          + "\n"
          + "\n"
          + "data\n"
          + "\n"
          + "data: [DONE]\n"
          + "\n";

  private static final List<String> EVENTS =
      List.of(
          "{\"a\":\"caf\u00e9\"}",
          "no-space",
          "line one\n line two keeps one leading space",
          "cr\nonly",
          "\u65e5\u672c \uD83D\uDE00",
          "",
          "[DONE]");

  @Test
  void decodesTheWholeStreamInOneChunk() {
    List<String> events = new ArrayList<>();
    SseDecoder decoder = new SseDecoder(1024, events::add);
    decoder.feed(STREAM.getBytes(StandardCharsets.UTF_8));
    decoder.end();
    assertThat(events).containsExactlyElementsOf(EVENTS);
  }

  @Test
  void decodesTheSameEventsWhateverTheTwoChunkSplit() {
    byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
    for (int split = 0; split <= bytes.length; split++) {
      List<String> events = new ArrayList<>();
      SseDecoder decoder = new SseDecoder(1024, events::add);
      decoder.feed(Arrays.copyOfRange(bytes, 0, split));
      decoder.feed(Arrays.copyOfRange(bytes, split, bytes.length));
      decoder.end();
      assertThat(events).as("split at byte %d", split).containsExactlyElementsOf(EVENTS);
    }
  }

  @Test
  void decodesTheSameEventsFedOneByteAtATime() {
    byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
    List<String> events = new ArrayList<>();
    SseDecoder decoder = new SseDecoder(1024, events::add);
    for (byte b : bytes) decoder.feed(new byte[] {b});
    decoder.end();
    assertThat(events).containsExactlyElementsOf(EVENTS);
  }

  @Test
  void stopsWhenTheCallbackSaysSo() {
    List<String> events = new ArrayList<>();
    SseDecoder decoder =
        new SseDecoder(
            1024,
            data -> {
              events.add(data);
              return !data.equals("stop");
            });
    decoder.feed("data: a\n\ndata: stop\n\ndata: never\n\n".getBytes(StandardCharsets.UTF_8));
    decoder.end();
    assertThat(events).containsExactly("a", "stop");
    assertThat(decoder.stopped()).isTrue();
  }

  @Test
  void endDispatchesAnEventWithoutItsBlankLineButNotAnEmptyOne() {
    List<String> events = new ArrayList<>();
    SseDecoder decoder = new SseDecoder(1024, events::add);
    decoder.feed("data: a\n\ndata: [DONE]".getBytes(StandardCharsets.UTF_8));
    assertThat(events).containsExactly("a");
    decoder.end();
    assertThat(events).containsExactly("a", "[DONE]");

    List<String> none = new ArrayList<>();
    SseDecoder quiet = new SseDecoder(1024, none::add);
    quiet.feed(": only a comment\n".getBytes(StandardCharsets.UTF_8));
    quiet.end();
    assertThat(none).isEmpty();
  }

  @Test
  void rejectsALineLongerThanTheLimit() {
    SseDecoder decoder = new SseDecoder(16, data -> true);
    byte[] line = ("data: " + "x".repeat(20)).getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> decoder.feed(line))
        .isInstanceOf(SseDecoder.TooLongException.class)
        .hasMessageContaining("16 bytes");
  }

  @Test
  void rejectsAnEventLongerThanTheLimit() {
    SseDecoder decoder = new SseDecoder(16, data -> true);
    byte[] lines = "data: 0123456789\ndata: 0123456789\n".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> decoder.feed(lines))
        .isInstanceOf(SseDecoder.TooLongException.class)
        .hasMessageContaining("event");
  }
}
